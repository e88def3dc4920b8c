"""The local pool's per-sample time limit: a sample that runs past it is recorded as failed,
its worker is replaced, and every other sample of the sweep is measured as usual.

The slow sample is a behavioral neuron asked for a 1000 s transient at its usual step (~10^8
time steps, hours); the limit is 5 s. Nothing here skips itself.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from lifspice.flows.montecarlo.executor import Executor, sample_key
from lifspice.flows.montecarlo.sample import SampleSpec, Spreads
from lifspice.io.design import load_design


@pytest.fixture(scope="module")
def beh():
    return load_design("behavioral")


@pytest.mark.slow
def test_a_sample_past_the_time_limit_fails_alone_and_the_rest_is_measured(beh):
    i = 2 * beh.saturating_params().rheobase
    spec = SampleSpec(design=beh, seed=5, currents=(i,), spreads=Spreads())
    quick = [replace(spec, index=k, seed=10 + k) for k in range(4)]
    slow = replace(spec, index=9, seed=19, t_stop=(1000.0,))
    jobs = [(0, [quick[0], slow, quick[1]]), (1, [quick[2]]), (2, [quick[3]])]
    ex = Executor(beh, workers=2, time_limit_s=5.0)
    try:
        got = dict(ex.map(jobs))
        # the pool that replaced the stopped worker goes on taking work
        (again,) = [rows for _, rows in ex.map([(3, [replace(quick[0], index=20)])])]
    finally:
        ex.close()
    assert sorted(got) == [0, 1, 2]
    assert [r["index"] for r in got[0]] == [0, 1, 9]  # sorted by sample, none lost
    failed = [r for rows in got.values() for r in rows if not r["ok"]]
    assert [r["index"] for r in failed] == [9]
    assert "time limit of 5 s" in failed[0]["error"]
    assert all(r["ok"] and r["rate_Hz_i0"] > 0 for rows in got.values() for r in rows
               if r["index"] != 9)
    assert again[0]["ok"] and again[0]["rate_Hz_i0"] == pytest.approx(got[0][0]["rate_Hz_i0"])
    assert [r["index"] for r in ex.timed_out] == [9]


def test_sample_keys_tell_floor_reruns_apart():
    beh = load_design("behavioral")
    a = SampleSpec(design=beh, seed=3, index=0)
    assert sample_key(a) != sample_key(replace(a, nudge_v=1e-6))
    assert sample_key(a) == sample_key(replace(a, currents=(1e-9,)))
