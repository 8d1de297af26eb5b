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
    from bot import runner

    if argv and argv[0] == "help":
        argv[0] = "--help"
    if "-h" in argv or "--help" in argv:  # the runner's options, and the adapters
        parser = runner._parser()
        parser.usage = "python -m bot [console|slack|discord] [options]"
        parser.epilog = ("adapters: " + ", ".join(ADAPTERS) + " (python -m bot ADAPTER --help for "
                         "an adapter's options); with none named, every adapter whose token is set "
                         "and the daily scheduler run in one process.")
        parser.print_help()
        return 0
    return runner.main(argv) or 0


if __name__ == "__main__":
    sys.exit(main())
