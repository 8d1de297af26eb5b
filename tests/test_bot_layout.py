"""The adapters' layout rules (issue 15): no import cycle among bot/ modules, type-only imports
included (listeners are typed against bot.core.context's Protocols, not the app classes); no
module over 400 lines; bot.core imports no adapter and no chat SDK."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(tree: ast.Module) -> set[str]:
    """Imports run at import time or for type checking (module body and ``if`` blocks), not the
    lazy ones inside functions (the runner starts an adapter only when its token is set)."""
    found: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.If):
            body += node.body + node.orelse
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in BOT.rglob("*.py")}
    return {m: {d for d in _top_level_imports(ast.parse(p.read_text())) if d in files and d != m}
            for m, p in files.items()}


def test_no_import_cycles_type_only_included():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_core_depends_on_no_adapter_and_no_chat_sdk():
    for path in (BOT / "core").glob("*.py"):
        imports = _top_level_imports(ast.parse(path.read_text()))
        bad = {i for i in imports if i.startswith(("bot.slack", "bot.discord", "slack_", "discord"))}
        assert not bad, (path.name, bad)


def test_no_module_over_400_lines():
    long = {str(p.relative_to(BOT)): n for p in BOT.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
