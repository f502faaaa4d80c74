"""Every message key the code names is in the catalogue, in both languages; every catalogue key
is named somewhere; and no key is built at run time, so searching for a key finds its use.

The code is read, not run: a key is the literal first argument of ``msg``/``code_msg``/
``Msg``/``UserError``, the second of ``t``, a ``HelpLine``'s keys, a command's ``menu_key``, or a
value that provably comes from literals (a conditional of literals, a name assigned only
literals, a lookup in a dict of literals, a loop over a tuple of literals). A function that
passes one of its parameters on as a key becomes such a function itself, so its callers are
checked in its place.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domain.i18n import CATALOG, LANGUAGES, PLURALS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "services", "storage", "domain")

# Name of a function or class → (position, keyword) of its key arguments.
KEY_TAKERS: dict[str, list[tuple[int | None, str | None]]] = {
    "msg": [(0, "key")],
    "code_msg": [(0, "key")],
    "Msg": [(0, "key")],
    "UserError": [(0, "key")],
    "t": [(1, "key")],
    "HelpLine": [(0, "usage_key"), (1, "key")],
    "command": [(None, "menu_key")],
}

# Functions that read back a key one of the checked calls above took (``self.key`` of a
# ``Msg``, the rows of the command table): nothing new can enter there. (path, function)
READ_BACK = {
    ("domain/i18n.py", "render"),  # Msg.render: t(lang, self.key)
    ("domain/errors.py", "render"),  # UserError.render: t(lang, self.key)
    ("bot/access.py", "shown"),  # HelpLine.shown: t(lang, self.usage_key)
    ("bot/access.py", "usage"),  # HelpLine.usage: t("en", self.usage_key)
    ("bot/app.py", "_post_init"),  # the menu keys of the command table
    ("domain/render.py", "render_help"),  # the help keys of the command table
}


@dataclass
class Scan:
    used: set[str] = field(default_factory=set)
    # (path, line, expression) of each key the code builds at run time.
    built: list[tuple[str, int, str]] = field(default_factory=list)
    read_back: set[tuple[str, str]] = field(default_factory=set)


Keys = set[str] | None  # the literals a key can be; None: not traceable to literals
# A parameter of the function the key stands in: (function, position or None, name).
Param = tuple[str, int | None, str]


class Module:
    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.tree = ast.parse(source)
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def functions_around(self, node: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function (or module) body, not those of functions nested in it."""
    for child in ast.iter_child_nodes(scope):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child
            yield from _own_nodes(child)


def _bindings(scope: ast.AST, name: str) -> list[ast.expr] | None:
    """What ``name`` is bound to in ``scope`` (assignments, loop targets as their ``iter``
    wrapped in a ``Starred``); None when it is bound in a way this reading does not follow."""
    found: list[ast.expr] = []
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found.append(node.value)
                elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    return None  # unpacked from something else
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            if isinstance(node.target, ast.Name) and node.target.id == name:
                if isinstance(node, ast.AugAssign) or node.value is None:
                    return None
                found.append(node.value)
        elif isinstance(node, ast.For | ast.comprehension):
            if isinstance(node.target, ast.Name) and node.target.id == name:
                found.append(ast.Starred(node.iter))
            elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                return None
    return found


class Reader:
    def __init__(self, modules: list[Module]) -> None:
        self.modules = modules
        self.takers = {name: list(spots) for name, spots in KEY_TAKERS.items()}

    def _module_level(self, name: str) -> list[ast.expr] | None:
        for module in self.modules:
            bound = _bindings(module.tree, name)
            if bound:
                return bound
        return None

    def keys(self, module: Module, expr: ast.expr, at: ast.AST) -> Keys | Param:
        """The literals ``expr`` can be, or the parameter of its function it is."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self._union(module, [expr.body, expr.orelse], at)
        if isinstance(expr, ast.Subscript):
            table = expr.value
            if isinstance(table, ast.Name):
                bound = self._module_level(table.id)
                table = bound[0] if bound and len(bound) == 1 else table
            if isinstance(table, ast.Dict):
                return self._union(module, list(table.values), at)
            return None
        if isinstance(expr, ast.Starred):  # a loop over a literal collection
            items = expr.value
            if isinstance(items, ast.Name):
                bound = self._module_level(items.id)
                items = bound[0] if bound and len(bound) == 1 else items
            if isinstance(items, ast.Tuple | ast.List | ast.Set):
                return self._union(module, items.elts, at)
            return None
        if isinstance(expr, ast.Name):
            return self._name(module, expr.id, at)
        return None

    def _union(self, module: Module, exprs: list[ast.expr], at: ast.AST) -> Keys:
        out: set[str] = set()
        for expr in exprs:
            keys = self.keys(module, expr, at)
            if not isinstance(keys, set):
                return None
            out |= keys
        return out

    def _name(self, module: Module, name: str, at: ast.AST) -> Keys | Param:
        for function in module.functions_around(at):
            params = [*function.args.posonlyargs, *function.args.args]
            names = [a.arg for a in params]
            if names[:1] in (["self"], ["cls"]):
                names = names[1:]
            if name in names:
                return (function.name, names.index(name), name)
            if name in {a.arg for a in function.args.kwonlyargs}:
                return (function.name, None, name)
            bound = _bindings(function, name)
            if bound is None:
                return None
            if bound:
                return self._union(module, bound, function)
        bound = _bindings(module.tree, name)
        return self._union(module, bound, module.tree) if bound else None

    def scan(self) -> Scan:
        """Read every call until no new key-taking function turns up."""
        while True:
            known = sum(len(spots) for spots in self.takers.values())
            result = self._scan_once()
            if sum(len(spots) for spots in self.takers.values()) == known:
                return result

    def _scan_once(self) -> Scan:
        result = Scan()
        for module in self.modules:
            for call in (n for n in ast.walk(module.tree) if isinstance(n, ast.Call)):
                func = call.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                for position, keyword in self.takers.get(name or "", []):
                    arg = _argument(call, position, keyword)
                    if arg is not None:
                        self._take(module, call, arg, result)
        return result

    def _take(self, module: Module, call: ast.Call, arg: ast.expr, result: Scan) -> None:
        keys = self.keys(module, arg, call)
        if isinstance(keys, set):
            result.used |= keys
            return
        if isinstance(keys, tuple):
            function, position, keyword = keys
            spot = (position, keyword)
            if spot not in self.takers.setdefault(function, []):
                self.takers[function].append(spot)
            return
        around = next(module.functions_around(call), None)
        if around is not None and (module.path, around.name) in READ_BACK:
            result.read_back.add((module.path, around.name))
            return
        result.built.append((module.path, call.lineno, ast.unparse(arg)))


def _argument(call: ast.Call, position: int | None, keyword: str | None) -> ast.expr | None:
    if position is not None and len(call.args) > position:
        arg = call.args[position]
        return None if isinstance(arg, ast.Starred) else arg
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def read(sources: dict[str, str]) -> Scan:
    return Reader([Module(path, text) for path, text in sources.items()]).scan()


def _code() -> dict[str, str]:
    sources = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith("storage/migrations/"):
                sources[relative] = path.read_text(encoding="utf-8")
    return sources


@functools.cache
def code_scan() -> Scan:
    """The reading of the whole code base (seconds of work), done when a test first asks for
    it rather than on import: every pytest-xdist worker imports this module to collect it,
    only the one running these tests needs the reading."""
    return read(_code())


CATALOGUE = set(CATALOG) | set(PLURALS)


def test_no_message_key_is_built_at_run_time() -> None:
    built = sorted(code_scan().built)
    assert [f"{path}:{line}: {expression}" for path, line, expression in built] == []


def test_every_key_the_code_names_is_in_the_catalogue_in_both_languages() -> None:
    used = code_scan().used
    assert sorted(used - CATALOGUE) == []
    for key in used & set(CATALOG):
        assert all(text.strip() for text in CATALOG[key]), key
    for key in used & set(PLURALS):
        assert len(PLURALS[key]) == 1 + len(LANGUAGES), key


def test_every_catalogue_key_is_used() -> None:
    assert sorted(CATALOGUE - code_scan().used) == []


def test_every_read_back_exception_still_reads_a_key() -> None:
    """An entry of READ_BACK that no longer reads a key back is stale: remove it."""
    assert code_scan().read_back == READ_BACK


def test_the_reading_finds_literals_through_conditions_tables_loops_and_parameters() -> None:
    scan = read(
        {
            "a.py": (
                "ROLES = {1: 'role_a', 2: 'role_b'}\n"
                "COLUMNS = ('col_a', 'col_b')\n"
                "def f(lang, which, role):\n"
                "    key = 'k_one' if which else 'k_two'\n"
                "    t(lang, key)\n"
                "    msg(ROLES[role])\n"
                "    [t(lang, c) for c in COLUMNS]\n"
                "    return msg({True: 'k_three'}[which])\n"
                "def say(lang, key):\n"
                "    return t(lang, key)\n"
                "def g(lang):\n"
                "    say(lang, 'k_four')\n"
                "    return say(lang, key='k_five')\n"
            )
        }
    )
    assert scan.built == []
    assert scan.used == {
        "k_one",
        "k_two",
        "role_a",
        "role_b",
        "col_a",
        "col_b",
        "k_three",
        "k_four",
        "k_five",
    }


def test_the_reading_refuses_keys_built_at_run_time() -> None:
    scan = read(
        {
            "b.py": (
                "def f(lang, outcome, name, rows):\n"
                "    msg(f'workstream_{outcome}')\n"
                "    t(lang, 'role_' + name)\n"
                "    key = name.lower()\n"
                "    t(lang, key)\n"
                "    for row in rows:\n"
                "        msg(row)\n"
                "def say(lang, key):\n"
                "    return t(lang, key)\n"
                "def g(lang, kind):\n"
                "    return say(lang, f'event_{kind}')\n"
            )
        }
    )
    assert [expression for _, _, expression in sorted(scan.built)] == [
        "f'workstream_{outcome}'",
        "'role_' + name",
        "key",
        "row",
        "f'event_{kind}'",
    ]
    assert scan.used == set()
