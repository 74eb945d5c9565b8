"""The code's shape, checked: small modules, one-way imports, role names and Whoosh internals in
one place each, the domain free of HTTP, and nothing read from outside the project."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
MAX_LINES = 400
ROLE_NAMES = ("visitor", "volunteer", "facilitator", "admin")


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module under app/."""
    found = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The app module an import refers to (a package's attribute may be a submodule)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(path: Path, module: str, known: dict[str, Path]) -> tuple[set[str], list[int]]:
    """App modules imported at module level, and the lines of imports inside functions."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested += [n.lineno for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))
                       and any(a.name.startswith("app") for a in getattr(n, "names", []))
                       or isinstance(n, ast.ImportFrom) and ((n.module or "").startswith("app") or n.level)]
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            if name.startswith("app"):
                target = resolve(name, known)
                if target and target != module and not module.startswith(target + "."):
                    targets.add(target)
    return targets, nested


def test_no_module_is_over_400_lines():
    big = {str(p.relative_to(ROOT)): n for p in APP.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big


def test_imports_go_one_way_and_none_hides_in_a_function():
    known = modules()
    graph, hidden = {}, {}
    for module, path in known.items():
        graph[module], nested = imports(path, module, known)
        if nested:
            hidden[module] = nested
    # create_app wires blueprints by name (importlib), the CLI's commands load what they run lazily.
    allowed_nested = {"app", "app.cli"}
    assert {m: lines for m, lines in hidden.items() if m not in allowed_nested} == {}
    cycles = []

    def visit(node, trail):
        if node in trail:
            cycles.append(trail[trail.index(node):] + [node])
            return
        for target in graph.get(node, ()):
            if target.startswith("app.") and target not in done:
                visit(target, trail + [node])
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [])
    # A package importing its own submodules (to re-export them) is not a cycle of behaviour.
    real = [c for c in cycles if not all(c[0].startswith(m) or m.startswith(c[0]) for m in c)]
    assert real == []


def test_role_names_are_compared_only_in_permissions():
    pattern = re.compile(r"""(==|!=|\bin\b)\s*\(?["'](%s)["']|["'](%s)["']\s*(==|!=)""" % (
        "|".join(ROLE_NAMES), "|".join(ROLE_NAMES)))
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in APP.rglob("*.py") if p.name != "permissions.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    templates = [f"{p.relative_to(ROOT)}:{n}" for p in (APP / "templates").rglob("*.html")
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders + templates == []


def test_the_visibility_filter_is_written_once():
    hits = [str(p.relative_to(ROOT)) for p in APP.rglob("*.py")
            if re.search(r"Page\.visibility\s*==", p.read_text())]
    assert hits == ["app/wiki/permissions.py"]


def test_the_domain_never_touches_the_request():
    http = re.compile(r"\b(request|after_this_request|session\[|flask\.g|from flask import[^\n]*\bg\b)")
    offenders = []
    for path in (APP / "wiki").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if re.search(r"from flask import .*\b(request|g|session|after_this_request|has_request_context)\b", code):
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


def test_only_one_file_reads_whoosh_internals():
    private = re.compile(r"\._(terms|read_ids|dbfile)\b|W3LeafMatcher|pickle\.loads")
    hits = sorted(str(p.relative_to(ROOT)) for p in APP.rglob("*.py") if private.search(p.read_text()))
    assert len(hits) <= 1 and all(h.endswith("whoosh_internals.py") for h in hits), hits


def test_nothing_reads_from_outside_the_project():
    outside = re.compile(r"\.\./shared|parent / \"shared\"|parents\[\d\]\.parent / \"shared\"")
    hits = [str(p.relative_to(ROOT)) for folder in ("app", "tests", "bench") for p in (ROOT / folder).rglob("*.py")
            if p != Path(__file__).resolve() and outside.search(p.read_text())]
    assert hits == []
