"""Shared fixtures: one ngspice shared-library session per test process (it is one per
process anyway), a batch backend, and a temporary output folder."""

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
