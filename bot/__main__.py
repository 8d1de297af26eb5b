"""``python -m bot [console|slack|discord] [options]``; with no adapter named, run every adapter
whose token is set, plus the daily scheduler (the Procfile entry).
"""

from __future__ import annotations

import importlib
import sys

ADAPTERS = {
    "console": "bot.console",
    "slack": "bot.slack.app",
    "discord": "bot.discord.client",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ADAPTERS:
        module = importlib.import_module(ADAPTERS[argv[0]])
        return module.main(argv[1:]) or 0
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        print("adapters:", ", ".join(ADAPTERS))
        return 0
    from bot import runner

    return runner.main(argv) or 0


if __name__ == "__main__":
    sys.exit(main())
