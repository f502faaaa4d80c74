"""The layers point one way and no module imports itself back, counting every import: at the
top of a module, inside a function, or under ``TYPE_CHECKING``.

An import inside a function hides a cycle from Python (the import runs late) but not from a
reader: the two modules still cannot be understood, tested or moved one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "storage", "services", "bot")
# What each layer must never import: data flows bot → services → storage → domain.
FORBIDDEN = {
    "domain": ("storage", "services", "bot"),
    "storage": ("services", "bot"),
    "services": ("bot",),
}


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of these packages by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _known(name: str, known: dict[str, Path]) -> str | None:
    """The module an imported name lives in: itself, or the nearest package or module above."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The known modules a module imports anywhere in its body, with the packages above them
    (importing ``storage.reports`` runs ``storage/__init__.py`` first)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.extend(f"{base}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for target in targets:
        module = _known(target, known)
        while module:
            if module != name:
                found.add(module)
            module = _known(module.rpartition(".")[0], known)
    return found


def graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import one another, directly or around a loop (Tarjan's
    strongly connected components, iterative so depth never matters)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, targets in edges.items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN.get(name.split(".")[0], ())
    )


def test_no_import_cycle_among_pantau_modules() -> None:
    assert cycles(graph(ROOT)) == []


def test_layers_point_one_way() -> None:
    assert wrong_way(graph(ROOT)) == []


def test_the_graph_sees_pantau_itself() -> None:
    edges = graph(ROOT)
    assert "services.reports" in edges["bot.handlers.reports"]
    assert "storage.reports" in edges["services.reports"]
    assert "storage" in edges["services.reports"]  # the package runs first
    assert "domain.views" in edges["storage.reports"]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/jobs.py": "from bot.notices import deliver\n",
            "bot/notices.py": "def deliver() -> None:\n    from bot.jobs import x\n",
            "bot/other.py": "import bot.jobs\n",
        },
    )
    assert cycles(graph(tmp_path, ("bot",))) == [["bot.jobs", "bot.notices"]]


@pytest.mark.parametrize(
    ("importer", "line", "expected"),
    [
        (
            "domain/rule.py",
            "from storage import reports\n",
            ["domain.rule imports storage", "domain.rule imports storage.reports"],
        ),
        (
            "storage/rows.py",
            "def f() -> None:\n    import bot.app\n",
            ["storage.rows imports bot", "storage.rows imports bot.app"],
        ),
        (
            "services/use.py",
            "from ..bot import app\n",
            ["services.use imports bot", "services.use imports bot.app"],
        ),
        ("services/use.py", "from storage import reports\n", []),
    ],
)
def test_an_import_against_the_layers_is_found(
    tmp_path: Path, importer: str, line: str, expected: list[str]
) -> None:
    files = {f"{package}/__init__.py": "" for package in PACKAGES}
    files |= {"storage/reports.py": "", "bot/app.py": "", importer: line}
    _write(tmp_path, files)
    assert wrong_way(graph(tmp_path)) == expected
