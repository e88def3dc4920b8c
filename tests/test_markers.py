"""The fast tier stays honest: tests that need the sky130 models carry the ``sky130`` mark.

Two nets. At run time, tests/conftest.py wraps ``lifspice.pdk.sky130.find_sky130`` and fails
any unmarked test that located the installed models (so an unmarked PDK test also fails
``make test-fast``). Here, without running anything, a scan of the test sources: a test that
asks for a sky130 fixture, or whose body or fixtures build a sky130 bench, corner library
or pool, must be marked ``sky130`` (module ``pytestmark`` or a decorator). Calls inside a
``pytest.raises`` block (refused before any model is read) and tests that point PDK_ROOT at a
fake tree are not counted; the run-time guard still catches any of them that reads the models.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# What needs the installed models: the session fixtures set up for them, and the calls that
# locate the PDK (a bench for a sky130 design writes its corner library from the models).
PDK_FIXTURES = {"sky130_sim", "sky130_pool", "gmid_cache"}
PDK_CALLS = re.compile(
    r"CmosBench\.for_design|\bcorner_lib\(|\bfind_sky130\(|\bexplicit_library\(|"
    r"make_bench\(load_design\(\"sky130|\bcmos_netlist\(|\bgmid_tables\(|"
    r"NgspiceShared\(bench\.init_commands|load_design\([\"']sky130"
)
# A test that points the lookup at a fake PDK tree needs no models.
FAKE_PDK = re.compile(r"setenv\([\"']PDK_ROOT|_fake_open_pdks\(")
# A bench simulator of a gf180 design (named, and no sky130 call in the test) reads gf180's
# models, which the suite's setup fetches: no mark.
GF180_BENCH = re.compile(r"load_design\([\"']gf180")


def _marks(decorators: list[ast.expr]) -> set[str]:
    """Names X of ``pytest.mark.X`` decorators (called or not)."""
    out = set()
    for d in decorators:
        node = d.func if isinstance(d, ast.Call) else d
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "mark":
            out.add(node.attr)
    return out


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) \
                else [node.value]
            return _marks(values)
    return set()


def _is_fixture(fn: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in fn.decorator_list)


def _functions(path: Path) -> tuple[ast.Module, dict[str, ast.FunctionDef]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return tree, {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


class _DropRaises(ast.NodeTransformer):
    def visit_With(self, node):
        if any("raises" in ast.unparse(item.context_expr) for item in node.items):
            return ast.Pass()  # a call expected to fail: refused before any model is read
        return self.generic_visit(node)


def _without_raises_blocks(fn: ast.FunctionDef) -> ast.AST:
    return _DropRaises().visit(copy.deepcopy(fn))


def _needs_pdk(fn: ast.FunctionDef, funcs: dict[str, ast.FunctionDef],
               conftest: dict[str, ast.FunctionDef], seen: set[str]) -> str | None:
    """Why ``fn`` needs the models (a fixture or call it reaches), or None."""
    source = ast.unparse(_without_raises_blocks(fn))
    if FAKE_PDK.search(source):
        return None
    m = PDK_CALLS.search(source)
    if GF180_BENCH.search(source) and all(c.group(0).startswith("NgspiceShared")
                                          for c in PDK_CALLS.finditer(source)):
        m = None
    if m:
        return m.group(0)
    for arg in (a.arg for a in fn.args.args):
        if arg in PDK_FIXTURES:
            return arg
        for table in (funcs, conftest):
            dep = table.get(arg)
            if dep is not None and arg not in seen and _is_fixture(dep):
                why = _needs_pdk(dep, funcs, conftest, seen | {arg})
                if why:
                    return f"{arg} -> {why}"
    # module-level helpers the test calls by name
    called = {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call)
              and isinstance(n.func, ast.Name)}
    for name in sorted(called - seen):
        helper = funcs.get(name)
        if helper is not None and not _is_fixture(helper):
            why = _needs_pdk(helper, funcs, conftest, seen | {name})
            if why:
                return f"{name}() -> {why}"
    return None


def unmarked_pdk_tests() -> list[str]:
    _, conftest = _functions(TESTS / "conftest.py")
    bad = []
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name == Path(__file__).name:  # its examples are strings, not tests
            continue
        tree, funcs = _functions(path)
        module_marks = _module_marks(tree)
        for name, fn in funcs.items():
            if not name.startswith("test_"):
                continue
            if "sky130" in module_marks | _marks(fn.decorator_list):
                continue
            why = _needs_pdk(fn, funcs, conftest, {name})
            if why:
                bad.append(f"{path.name}::{name} ({why})")
    return bad


def test_every_test_needing_the_pdk_is_marked_sky130():
    assert unmarked_pdk_tests() == []


def test_the_scan_sees_fixtures_helpers_and_marks(tmp_path):
    """The scan itself: a fixture chain and a helper reach the PDK; marks are honoured."""
    src = (
        "import pytest\n"
        "@pytest.fixture(scope='module')\n"
        "def bench():\n    return make_bench(load_design(\"sky130\"))\n"
        "def helper():\n    return corner_lib('tt')\n"
        "def test_a(bench):\n    pass\n"
        "def test_b():\n    helper()\n"
        "def test_c(sky130_pool):\n    pass\n"
        "@pytest.mark.sky130\ndef test_d(bench):\n    pass\n"
        "def test_f():\n    with pytest.raises(ValueError):\n        gmid_tables(corner='xx')\n"
        "def test_g():\n    b = make_bench(load_design('gf180'))\n"
        "    NgspiceShared(bench.init_commands)\n"
        "def test_h():\n    b = make_bench(load_design('sky130_lean'))\n"
        "    NgspiceShared(bench.init_commands)\n"
        "def test_e(tmp_path, monkeypatch):\n"
        "    monkeypatch.setenv('PDK_ROOT', str(tmp_path))\n    corner_lib('tt')\n"
    )
    tree, funcs = _functions(_write(tmp_path / "test_x.py", src))
    _, conftest = _functions(TESTS / "conftest.py")
    flagged = {n for n, f in funcs.items() if n.startswith("test_")
               and "sky130" not in _marks(f.decorator_list)
               and _needs_pdk(f, funcs, conftest, {n})}
    assert flagged == {"test_a", "test_b", "test_c", "test_h"}
    assert _module_marks(ast.parse("import pytest\npytestmark = [pytest.mark.slow, "
                                   "pytest.mark.sky130]\n")) == {"slow", "sky130"}


def test_run_time_guard_is_installed():
    """conftest wrapped the one function every model lookup goes through."""
    from lifspice.pdk import sky130 as pdk

    assert getattr(pdk.find_sky130, "_marked_guard", False)


@pytest.mark.sky130
def test_run_time_guard_records_a_lookup():
    import conftest

    from lifspice.pdk import sky130 as pdk

    conftest._PDK_HITS.clear()
    path = pdk.find_sky130()
    assert conftest._PDK_HITS == [str(path)] == conftest._REAL_MODELS


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
