"""The package layout: imports point one way (cli -> api -> flows -> io -> analysis, sim ->
circuits -> pdk), no import cycle, no module ``__getattr__``, no function-local import of the
kit's own modules, and small modules and functions.  Read from the source (AST), so a
violation is found whether or not a test happens to import the module."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "lifspice"

# layer -> the layers it may import (besides itself)
ALLOWED = {
    "pdk": set(),
    "circuits": {"pdk"},
    "sim": {"pdk"},
    "analysis": {"circuits", "pdk"},
    "io": {"analysis", "circuits", "pdk"},
    "flows": {"io", "analysis", "sim", "circuits", "pdk"},
    "api": {"flows", "io", "analysis", "sim", "circuits", "pdk"},
    "cli": {"api", "flows", "io", "analysis", "sim", "circuits", "pdk"},
}
# optional heavy packages: imported only inside the functions that need them
HEAVY = {"matplotlib", "PySpice", "dask", "distributed", "xarray", "h5py", "h5netcdf",
         "brian2", "spicelib", "tqdm", "tomli_w", "pyarrow", "jinja2", "yaml", "nir"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def layer(mod: str) -> str:
    parts = mod.split(".")
    if len(parts) == 1 or parts[1] == "api":
        return "api"
    return parts[1]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def imports(mod: str) -> list[tuple[str, int, bool]]:
    """(imported lifspice module, line, inside a function) of every import in ``mod``."""
    tree = ast.parse(MODULES[mod].read_text())
    skip = _type_checking_nodes(tree)
    in_func = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_func |= {id(n) for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{mod}:{node.lineno}: relative import"
            base = node.module or ""
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            out.append((name, node.lineno, id(node) in in_func))
    return out


def test_imports_point_one_way():
    bad = []
    for mod in MODULES:
        for name, line, _ in imports(mod):
            if name.split(".")[0] != "lifspice" or name not in MODULES:
                continue
            src, dst = layer(mod), layer(name)
            if dst != src and dst not in ALLOWED[src]:
                bad.append(f"{mod}:{line} ({src}) imports {name} ({dst})")
    assert not bad, "\n".join(bad)


def test_no_import_cycle():
    graph = {mod: {n for n, _, _ in imports(mod) if n in MODULES and n != mod}
             for mod in MODULES}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle


def test_no_local_imports_but_heavy_packages():
    bad = [f"{mod}:{line} imports {name} inside a function"
           for mod in MODULES for name, line, local in imports(mod)
           if local and name.split(".")[0] not in HEAVY]
    assert not bad, "\n".join(bad)


def test_no_module_getattr():
    bad = [mod for mod, p in MODULES.items()
           if any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
                  for n in ast.parse(p.read_text()).body)]
    assert not bad


def test_modules_and_functions_are_small():
    long_modules = {mod: n for mod, p in MODULES.items()
                    if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    long_functions = []
    for mod, p in MODULES.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{mod}.{node.name}: {n} lines")
    assert not long_modules, long_modules
    assert not long_functions, long_functions
