"""The house rules: small modules, classes and functions, and no import cycle.

Sizes count code lines, not docstrings: a long numpydoc section is no sign of
a class doing too much.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skmgm"
MAX_MODULE, MAX_CLASS, MAX_FUNCTION = 400, 300, 60


def _python_files(*folders):
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _docstring_lines(tree):
    """Line numbers held by the docstrings of the module, classes and functions."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def _code_lines(node, docstrings):
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return sum(
        1 for line in range(start, node.end_lineno + 1) if line not in docstrings
    )


def _sizes(path):
    tree = ast.parse(path.read_text())
    docstrings = _docstring_lines(tree)
    text_lines = path.read_text().splitlines()
    module = sum(
        1 for number in range(1, len(text_lines) + 1) if number not in docstrings
    )
    yield "module", str(path.relative_to(ROOT)), module, MAX_MODULE
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            yield "class", node.name, _code_lines(node, docstrings), MAX_CLASS
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield "function", node.name, _code_lines(node, docstrings), MAX_FUNCTION


@pytest.mark.parametrize(
    "path", _python_files("skmgm"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_modules_classes_and_functions_stay_small(path):
    too_big = [
        f"{kind} {name}: {size} lines (at most {limit})"
        for kind, name, size, limit in _sizes(path)
        if size > limit
    ]
    assert not too_big, too_big


def _module_name(path):
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[0] == "benchmarks":  # scripts import each other by bare name
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path, known):
    """The project modules that ``path`` imports, at any depth in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def _cycle(graph):
    """One import cycle of ``graph`` as a list of modules, or None."""
    state = {}

    def visit(module, stack):
        state[module] = "open"
        stack.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*stack[stack.index(imported) :], imported]
            if imported not in state:
                found = visit(imported, stack)
                if found:
                    return found
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [])
            if found:
                return found
    return None


def test_no_import_cycle_in_the_project():
    paths = _python_files("skmgm", "benchmarks", "tests")
    modules = {_module_name(path): path for path in paths}
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # A package's __init__ re-exports its private modules: importing
    # ``skmgm.granularity._pooling`` runs ``skmgm.granularity`` first, which is
    # no cycle unless the private module imports the package back.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
