"""The package's modules import each other without a circle; training never imports plotting.

The graph is read from the source (ast), imports inside functions included: a lazy
import is still an arrow, it only moves the failure to a later moment.
"""
import ast
from pathlib import Path

import d2l_helpers
from d2l_helpers import plotting, training

PACKAGE_DIR = Path(d2l_helpers.__file__).resolve().parent


def _module_name(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root):
    """``{module: set of modules of the same package it imports}`` for the package at ``root``."""
    package = root.name
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from . import x / from .x import y
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module
                for alias in node.names:  # a submodule by that name, else a name of module
                    submodule = f"{module}.{alias.name}"
                    targets.add(submodule if submodule in files else module)
        graph[name] = {t for t in targets if t in files and t != name
                       and (t == package or t.startswith(package + "."))}
    return graph


def find_cycle(graph):
    """Return one circle as a list of modules (first == last), or None."""
    state = {}  # module -> 'open' while on the current path, 'done' when fully explored

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def reaches(graph, source, target):
    seen, todo = set(), [source]
    while todo:
        node = todo.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return False


def test_the_package_has_no_import_circle():
    graph = import_graph(PACKAGE_DIR)
    assert "d2l_helpers.devices" in graph["d2l_helpers.training"]
    assert "d2l_helpers.devices" in graph["d2l_helpers.plotting"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_training_never_reaches_plotting():
    graph = import_graph(PACKAGE_DIR)
    assert not reaches(graph, "d2l_helpers.training", "d2l_helpers.plotting")
    assert not reaches(graph, "d2l_helpers.devices", "d2l_helpers.training")


def test_the_default_live_plot_is_wired_at_the_package_top():
    assert training._default_animator_class is plotting.Animator
    animator = training._default_animator(5)
    assert isinstance(animator, plotting.Animator)
    assert animator.legend == ["train loss", "train acc", "test acc"]


def test_the_cycle_finder_sees_a_circle(tmp_path):
    """The checks above could not fail if the reader missed arrows: feed it a known circle."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import f\n")
    (package / "b.py").write_text("def f():\n    from . import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    graph = import_graph(package)
    assert graph["pkg.b"] == {"pkg.c"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    assert reaches(graph, "pkg.c", "pkg.b")
