"""No import cycle among the modules of trials/: each module can be read (and
imported) knowing only the modules below it. Imports inside functions count
too: a deferred import is still a cycle, only hidden."""

import ast
from pathlib import Path

TRIALS = Path(__file__).resolve().parent.parent / "trials"


def module_name(path: Path) -> str:
    parts = path.relative_to(TRIALS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The trials modules a file imports, anywhere in it."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from trials import outbox` imports the module trials.outbox.
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            # A module importing its own package's __init__ is not a cycle of ours
            # unless that __init__ imports it back, which the graph shows anyway.
            if name and name != here and name != "trials":
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = [p for p in TRIALS.rglob("*.py") if "migrations" not in p.parts]
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_modules_of_trials_import_each_other_without_a_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " → ".join(cycle)


def test_the_check_finds_a_cycle_when_there_is_one():
    graph = import_graph()
    graph["trials.models"] = graph["trials.models"] | {"trials.outbox"}
    assert find_cycle(graph) is not None
    assert "trials.outbox" in graph["trials.inquiries"]  # it sees top-level imports
    assert "trials.eligibility" in graph["trials.models.trials"]  # and deferred ones
