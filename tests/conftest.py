"""Shared fixtures: one ngspice shared-library session per test process (it is one per
process anyway), a batch backend, and one pool of sky130-ready ngspice workers."""

from __future__ import annotations

import pytest


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
