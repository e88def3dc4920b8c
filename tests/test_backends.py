"""Both ngspice backends against analytic answers, against each other, and when ngspice fails.

Needs ngspice (program and shared library) and PySpice; nothing here skips itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lifspice.sim.backends import NgspiceBatch, NgspiceShared, available_backends, make_simulator
from lifspice.sim.pool import SimPool
from lifspice.sim.result import SimulationError, canonical_vector_name
from lifspice.sim.shared import session

R, C, V_STEP = 1e3, 1e-6, 1.0  # ohm, F, V: tau = 1 ms

RC = f"""rc charging
V1 in 0 DC {V_STEP!r}
R1 in out {R!r}
C1 out 0 {C!r}
.ic v(out)=0
.tran 1e-6 5e-3 uic
.end
"""

DIVIDER_DC = """divider dc sweep
V1 a 0 DC 1
R1 a b 1e3
R2 b 0 3e3
.dc V1 0 2 0.5
.end
"""

# finite-time blow-up, dv/dt = v^2 / 1 s: "Timestep too small" near t = 1 s
BLOWUP = """blow-up
C1 n 0 1e-12
B1 0 n I=1e-12*v(n)*v(n)
.ic v(n)=1
.tran 1e-3 2 uic
.end
"""

NO_MODEL = """diode with no model
V1 a 0 DC 1
D1 a 0 nosuchmodel
.tran 1e-6 1e-3
.end
"""

# a diode of negative area: the operating point needs gmin stepping, which ngspice narrates
# on stderr, and then converges
CHATTER = """gmin stepping chatter
V1 a 0 DC 1
R1 a b 1e3
R2 b 0 1e3
.model dd d is=1e-14
D1 b 0 dd area=-1
.op
.end
"""

# about 10^9 time steps: far longer than any timeout below
ENDLESS = RC.replace(".tran 1e-6 5e-3 uic", ".tran 1e-9 1 0 1e-9 uic")

MONTE_CARLO = """one gaussian resistor
.param rr = agauss(1000, 100, 1)
V1 a 0 DC 1
R1 a 0 {rr}
.op
.end
"""

V_TH = 0.9  # V, spike threshold for event times


def relaxation_netlist(i_in: float) -> str:
    """A spiking cell: DC current into C || R, reset by a hysteretic switch (on above 1 V,
    off below 0.5 V).  From rest the first threshold crossing is at
    ``-R C ln(1 - V_TH / (i_in R))``."""
    return f"""relaxation oscillator
I1 0 mem DC {i_in!r}
C1 mem 0 1e-12
R1 mem 0 1e7
S1 mem 0 mem 0 swr
.model swr sw vt=0.75 vh=0.25 ron=1e3 roff=1e12
.ic v(mem)=0
.tran 1e-9 2e-5 0 1e-8 uic
.end
"""


def crossings(t: np.ndarray, v: np.ndarray, threshold: float) -> np.ndarray:
    """Upward crossings of ``threshold``, linearly interpolated (s)."""
    k = np.flatnonzero((v[:-1] < threshold) & (v[1:] >= threshold))
    return t[k] + (threshold - v[k]) * (t[k + 1] - t[k]) / (v[k + 1] - v[k])


def discard_kept(path: Path) -> None:
    """Remove the folder a failed shared run kept (batch runs here keep theirs in tmp_path)."""
    if path.parent.name.startswith("lifspice-failed-"):
        shutil.rmtree(path.parent)


def spike_times(sim, i_in: float) -> np.ndarray:
    """Pool work item: event times of the relaxation cell at input current ``i_in`` (A)."""
    res = sim.run(relaxation_netlist(i_in), vectors=["mem"])
    return crossings(res.time, res["mem"], V_TH)


def run_log(sim, netlist: str) -> str:
    return sim.run(netlist, vectors=()).log


def run_or_fail(sim, netlist: str) -> float:
    return float(sim.run(netlist, vectors=["b"])["b"][0])


@pytest.fixture(scope="module")
def shared() -> NgspiceShared:
    return NgspiceShared()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> NgspiceBatch:
    return NgspiceBatch(workdir=tmp_path_factory.mktemp("batch"))


@pytest.fixture(params=["shared", "batch"])
def sim(request, shared, batch):
    return {"shared": shared, "batch": batch}[request.param]


def test_both_backends_available():
    assert NgspiceShared.is_available()
    assert NgspiceBatch.is_available()
    assert available_backends() == ["shared", "batch"]


def test_rc_matches_analytic_and_backends_agree(shared, batch):
    a = shared.run(RC, vectors=["out", "v1#branch"])
    b = batch.run(RC, vectors=["V(out)", "I(V1)"])
    tau = R * C
    for res in (a, b):
        assert set(res.traces) == {"v(out)", "i(v1)", "time"}
        assert res.meta["analysis"] == "tran"
        assert res.time[-1] == pytest.approx(5e-3)
        # measured 3.0e-8 V
        np.testing.assert_allclose(res["out"], V_STEP * (1 - np.exp(-res.time / tau)), atol=1.5e-7)
        np.testing.assert_allclose(res["i(v1)"], -(V_STEP - res["out"]) / R, atol=1e-10)
    assert a.time.shape == b.time.shape
    for name in a.traces:
        np.testing.assert_allclose(a.traces[name], b.traces[name], rtol=1e-12, atol=0)


def test_dc_and_op_agree(shared, batch):
    a, b = shared.run(DIVIDER_DC, vectors=["b"]), batch.run(DIVIDER_DC, vectors=["b"])
    for res in (a, b):
        assert res.meta["analysis"] == "dc"
        np.testing.assert_allclose(res.scale, [0, 0.5, 1, 1.5, 2])
        np.testing.assert_allclose(res.traces["v-sweep"], res.scale)
        np.testing.assert_allclose(res["b"], 0.75 * res.scale, rtol=1e-9)
    op = DIVIDER_DC.replace(".dc V1 0 2 0.5", ".op")
    a, b = shared.run(op, vectors=["b", "i(v1)"]), batch.run(op, vectors=["b", "i(v1)"])
    for res in (a, b):
        assert res.meta["analysis"] == "op" and res.scale.size == 0
        assert res["b"][0] == pytest.approx(0.75)
        assert res["i(v1)"][0] == pytest.approx(-1 / 4e3)


def test_spike_times_identical_across_backends(shared, batch):
    i_in = 1e-6
    t_a, t_b = spike_times(shared, i_in), spike_times(batch, i_in)
    assert len(t_a) > 10
    np.testing.assert_allclose(t_a, t_b, rtol=1e-6, atol=0)
    # the first charge from rest is a plain RC charge: checks the cell, not just agreement
    first = -1e-12 * 1e7 * np.log(1 - V_TH / (i_in * 1e7))
    assert t_a[0] == pytest.approx(first, rel=1e-5)  # measured 1.7e-6


@pytest.mark.parametrize(("netlist", "needle"), [(BLOWUP, "timestep too small"),
                                                 (NO_MODEL, "could not find a valid modelname")])
def test_failure_raises_with_log_tail_and_kept_netlist(sim, netlist, needle):
    with pytest.raises(SimulationError) as info:
        sim.run(netlist, vectors=())
    err = info.value
    message = str(err)
    assert needle in message.lower()  # the log tail is in the message
    assert needle in err.log.lower()
    assert err.netlist_path is not None and str(err.netlist_path) in message
    assert Path(err.netlist_path).read_text() == netlist
    discard_kept(err.netlist_path)


def test_missing_vector_raises(sim, tmp_path):
    path = tmp_path / f"rc_{type(sim).__name__}.cir"
    with pytest.raises(SimulationError, match="no vector") as info:
        sim.run(RC, vectors=["out", "nonexistent"], netlist_path=path)
    assert info.value.netlist_path == path and path.read_text() == RC


def test_stderr_chatter_is_not_failure(shared, batch):
    a, b = shared.run(CHATTER, vectors=["b"]), batch.run(CHATTER, vectors=["b"])
    assert "gmin stepping" in a.log and "gmin stepping" in b.log
    assert a["b"][0] == b["b"][0]


@pytest.mark.parametrize("backend", ["shared", "batch"])
def test_timeout_raises_and_backend_recovers(backend, shared, batch):
    sim = {"shared": shared, "batch": batch}[backend]
    t0 = time.perf_counter()
    with pytest.raises(SimulationError, match=r"timed out after 0\.3 s") as info:
        sim.run(ENDLESS, vectors=["out"], timeout=0.3)
    assert time.perf_counter() - t0 < 5
    assert Path(info.value.netlist_path).read_text() == ENDLESS
    discard_kept(info.value.netlist_path)
    # the same backend runs normally afterwards, with and without a timeout
    assert sim.run(RC, vectors=["out"], timeout=30)["out"][-1] == pytest.approx(1, abs=0.01)
    assert sim.run(RC, vectors=["out"])["out"][-1] == pytest.approx(1, abs=0.01)


def test_one_openmp_thread(shared, batch):
    probe = RC.replace(".end", ".control\necho threads=$num_threads\n.endc\n.end")
    assert "threads=1" in batch.run(probe, vectors=["out"]).log
    assert session().command("echo threads=$num_threads").strip() == "threads=1"


def test_seeded_monte_carlo_is_repeatable_and_agrees(shared, batch):
    def resistance(sim, seed):
        res = sim.run(MONTE_CARLO, vectors=["i(v1)"], before_load=[f"setseed {seed}"])
        return -1 / res["i(v1)"][0]

    r5 = resistance(shared, 5)
    assert resistance(shared, 5) == r5
    assert resistance(batch, 5) == r5
    assert resistance(shared, 6) != r5
    assert 500 < r5 < 1500


def test_batch_driver_runs_a_transient(batch):
    """A transient run through the ``.control`` driver (commands before load or run) exits
    cleanly and gives the same waveform as the plain ``ngspice -b -r`` run (ngspice 39
    exited with status 1 after a driven transient until the driver ended with ``quit 0``)."""
    plain = batch.run(RC, vectors=["out"])
    driven = batch.run(RC, vectors=["out"], before_run=["setseed 5"])
    np.testing.assert_array_equal(driven["out"], plain["out"])


def test_raw_reader_agrees_with_spicelib(tmp_path):
    """The direct reader of real binary raw files gives spicelib's vectors bit for bit,
    for a transient and a DC sweep with device quantities."""
    from spicelib import RawRead

    from lifspice.sim.batch import read_raw

    sim = NgspiceBatch(workdir=tmp_path, keep_files=True)
    dc = RC.replace(".tran 1e-6 5e-3 uic", ".save v(out) @r1[i]\n.dc V1 0 1 0.05")
    for net in (RC, dc):
        sim.run(net, vectors=[])
    raws = sorted(tmp_path.glob("*/out.raw"))
    assert len(raws) == 2
    for raw in raws:
        data, plot = read_raw(raw)
        ref = RawRead(str(raw), verbose=False, dialect="ngspice")
        assert plot == ref.get_raw_property("Plotname")
        assert sorted(data) == sorted(ref.get_trace_names())
        for name in data:
            np.testing.assert_array_equal(data[name], ref.get_trace(name).get_wave())


@pytest.mark.slow  # worker start-up: 2.6 s measured
def test_pool_matches_serial_loop(shared):
    currents = [0.6e-6, 1e-6, 2e-6, 3e-6, 1.5e-6]
    serial = [spike_times(shared, i) for i in currents]
    with SimPool(workers=2) as pool:
        in_order = pool.map(spike_times, currents)
        streamed = dict(pool.as_completed(spike_times, currents))
        first_two = list(pool.imap(spike_times, currents[:2]))
    assert sorted(streamed) == list(range(len(currents)))
    for i, expected in enumerate(serial):
        np.testing.assert_array_equal(in_order[i], expected)
        np.testing.assert_array_equal(streamed[i], expected)
    np.testing.assert_array_equal(first_two[1], serial[1])


@pytest.mark.slow  # worker start-up: 2.8 s measured
def test_pool_errors_and_init_commands():
    with SimPool(workers=2, init_commands=["set ngbehavior=hsa"]) as pool:
        logs = pool.map(run_log, [RC, RC])
        got = dict(pool.as_completed(run_or_fail, [CHATTER, NO_MODEL], return_exceptions=True))
        with pytest.raises(SimulationError, match="could not find a valid modelname") as raised:
            pool.map(run_or_fail, [NO_MODEL])
    discard_kept(raised.value.netlist_path)
    assert all("compatibility modes selected: hs a" in log.lower() for log in logs)
    assert got[0] == pytest.approx(0.5013, abs=1e-3)
    err = got[1]
    assert isinstance(err, SimulationError)  # pickled back with its log and path
    assert "could not find a valid modelname" in err.log
    assert Path(err.netlist_path).read_text() == NO_MODEL
    discard_kept(err.netlist_path)


@pytest.mark.slow  # worker start-up: 3.6 s measured
def test_pool_batch_backend(tmp_path):
    opts = {"workdir": tmp_path, "timeout": 60}
    with SimPool(workers=2, backend="batch", backend_options=opts) as pool:
        times = pool.map(spike_times, [1e-6, 2e-6])
    np.testing.assert_allclose(times[0], spike_times(make_simulator("batch"), 1e-6), rtol=1e-12)
    assert list(tmp_path.iterdir()) == []  # run folders of successful runs are removed


def test_canonical_names():
    assert canonical_vector_name("MEM") == "v(mem)"
    assert canonical_vector_name("V(mem)") == "v(mem)"
    assert canonical_vector_name("vdd#branch") == "i(vdd)"
    assert canonical_vector_name("v(v-sweep)") == "v-sweep"  # raw-file spelling of the scale
    assert canonical_vector_name("i(@r1[i])") == "@r1[i]"
    assert canonical_vector_name("time") == "time"


def test_import_lifspice_loads_no_simulator():
    code = (
        "import sys, lifspice, lifspice.sim.backends, lifspice.sim.pool\n"
        "heavy = [m for m in ('PySpice', 'spicelib', 'cffi', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_shared_backend_is_quiet():
    """No "Unsupported Ngspice version" and no echo of ngspice's stderr from PySpice's
    logger (it would reach stderr through logging's last-resort handler)."""
    code = (
        "from lifspice.sim.backends import NgspiceShared\n"
        "from lifspice.sim.result import SimulationError\n"
        f"RC, NO_MODEL = {RC!r}, {NO_MODEL!r}\n"
        "sim = NgspiceShared()\n"
        "sim.run(RC, vectors=['out'], before_load=['echo x'], before_run=['echo y'])\n"
        "try:\n"
        "    sim.run(NO_MODEL, vectors=[], before_load=['echo x'])\n"
        "except SimulationError as err:\n"
        "    import shutil; shutil.rmtree(err.netlist_path.parent)\n"
        "else:\n"
        "    raise AssertionError('no error')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, timeout=60,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def failing_setup(sim) -> None:
    raise RuntimeError("no model library here")


def test_pool_worker_setup_failure_is_reported():
    with SimPool(workers=1, worker_setup=failing_setup) as pool:
        with pytest.raises(RuntimeError, match="could not make its simulator") as info:
            pool.map(spike_times, [1e-6])
    assert "no model library here" in repr(info.value.__cause__)
