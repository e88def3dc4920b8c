"""The sizer over its whole target space, not only hand-picked targets.

For random targets (tau_m log-uniform from 100 us to 2 s, v_rest, v_th, v_reset anywhere in
the supply, t_ref 0.1 .. 10 ms, a max rate or none, both topologies) ``lifspice size``
either refuses the target before any simulation (``InfeasibleTarget`` / ``ParameterError``
naming the target and the fix) or its design characterizes: it fires, resets, and its
simulated tau_m is within 3 % of the target, and the prediction with nothing fitted holds.
Measured over 120 random targets (87 sized) in docs/sizing.md ("Over the sizing
space"). The deterministic tests below pin the limits that exploration found (a sized design
that then failed in simulation).

Each property example costs a sizing and a characterization (~10-30 s): the CI run keeps
a few (``EXAMPLES_SCALE`` multiplies them); the gm/Id tables (tt, 27 degC) are swept once
per session (~85 s) into the session's temporary cache.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from badinput import check_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifspice.analysis.sizing import InfeasibleTarget, SizingTargets
from lifspice.analysis.sizing.targets import HEADROOM, OPTIONS
from lifspice.circuits.params import ParameterError

EXAMPLES = 4 * int(os.environ.get("EXAMPLES_SCALE", "1"))
# corners and temperatures drawn (CI: tt, 27 degC, whose tables the session sweeps once);
# e.g. SIZING_CORNERS=tt,ss,ff SIZING_TEMPS=27,85 for a longer run (each new corner and
# temperature sweeps its tables once, ~40 s)
CORNERS = tuple(os.environ.get("SIZING_CORNERS", "tt").split(","))
TEMPS = tuple(float(x) for x in os.environ.get("SIZING_TEMPS", "27").split(","))
# words a refusal must use to say what to do about it
FIXES = ("lower", "raise", "relax", "give", "use", "narrow", "choose", "check")


@st.composite
def sizing_targets(draw, corners=("tt",), temperatures=(27.0,), *, v_top: float = 1.3,
                   pdk: str | None = None) -> dict:
    """Keyword arguments of a random :class:`SizingTargets` over the ranges the CLI
    accepts (values outside what the neuron can do included: those must be refused):
    voltages in 0.05 .. ``v_top`` V, on ``pdk`` (None: the default, sky130)."""
    tau = 10 ** draw(st.floats(-4.0, math.log10(2.0)))
    v_rest = draw(st.floats(0.05, v_top - 0.05))
    v_th = draw(st.floats(v_rest + 0.05, v_top))
    v_reset = draw(st.floats(0.05, v_th - 0.05))
    t_ref = 10 ** draw(st.floats(-4.0, -2.0))
    rate = draw(st.none() | st.floats(0.05, 0.7).map(lambda x: x / t_ref))
    kw = dict(tau_m=tau, v_rest=round(v_rest, 3), v_th=round(v_th, 3),
              v_reset=round(v_reset, 3), t_ref=t_ref, max_rate=rate,
              topology=draw(st.sampled_from(("reference", "lean"))),
              corner=draw(st.sampled_from(corners)),
              temperature_c=draw(st.sampled_from(temperatures)))
    return kw if pdk is None else kw | {"pdk": pdk}


def assert_says_what_and_how(err: ParameterError) -> None:
    """A refusal names the target at fault (its SizingTargets field or CLI option) and a
    fix."""
    text = str(err)
    named = [k for k, opt in OPTIONS.items() if k in text or opt in text]
    assert named, text
    assert any(w in text for w in FIXES), text
    assert "Traceback" not in text


def prediction_rms_above(report: dict, factor: float) -> float:
    """RMS relative error of the prediction over the firing F-I points at or above
    ``factor`` x the measured rheobase."""
    i = np.asarray(report["fi"]["i_A"], float)
    f = np.asarray(report["fi"]["f_Hz"], float)
    p = np.asarray(report["predicted_fi_Hz"], float)
    keep = (i >= factor * report["rheobase_A"]) & (f > 0)
    assert keep.sum() >= 3, (i, f)
    return float(np.sqrt(np.mean((p[keep] / f[keep] - 1) ** 2)))


# --- the property --------------------------------------------------------------------------

class _Inputs(tuple):
    """(tables, Pelgrom coefficients) with a short repr: hypothesis prints the arguments
    of a failing example, and the tables' repr is ~1 MB."""

    def __repr__(self) -> str:
        return "<gm/Id tables tt 27 degC, Pelgrom coefficients>"


@pytest.fixture(scope="module")
def sizing_inputs(gmid_cache):
    from lifspice.flows.gmid import gmid_tables, pelgrom_coefficients

    return _Inputs((gmid_tables("tt", (27.0,), workers=2), pelgrom_coefficients("tt")))


@pytest.mark.slow
@pytest.mark.sky130
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kw=sizing_targets(CORNERS, TEMPS))
def test_sized_targets_characterize_or_are_refused(kw, sizing_inputs, sky130_sim, sky130_pool):
    from lifspice.analysis.sizing import size_neuron

    tables, mm = sizing_inputs
    if (kw["corner"], kw["temperature_c"]) != ("tt", 27.0):
        from lifspice.flows.gmid import gmid_tables, pelgrom_coefficients

        tables = gmid_tables(kw["corner"], (kw["temperature_c"],), workers=1)
        mm = pelgrom_coefficients(kw["corner"])
    try:
        targets = SizingTargets(**kw)
        size_neuron(targets, tables, mm)  # pure: the refusal comes before any simulation
    except ParameterError as err:
        assert_says_what_and_how(err)
        return
    check_sized_target(kw, targets, tables, mm, sky130_sim, sky130_pool)


def check_sized_target(kw: dict, targets, tables, mm, sim, pool) -> None:
    """Size ``targets`` (which the sizer accepted), verify and characterize the design, and
    hold it to the promise (shared by the gf180 property test)."""
    from lifspice.flows.characterize import characterize
    from lifspice.flows.sizing import size_and_verify
    from lifspice.io.report import report_dict

    result = size_and_verify(targets, tables=tables, mismatch=mm, sim=sim)
    assert result.success, f"{kw}: {result.message}"
    rep = report_dict(characterize(result.neuron, sim=sim, pool=pool, n_fi=8))
    f = np.asarray(rep["fi"]["f_Hz"], float)
    # no lock-up: it rests below threshold and fires at every current above its rheobase
    assert not rep["spontaneous"], kw
    above = np.asarray(rep["fi"]["i_A"]) >= 1.05 * rep["rheobase_A"]
    assert np.all(f[above] > 0), (kw, f)
    # tau_m at the sizing corner and temperature (measured: worst WORST_TAU; tolerance 3 %)
    assert rep["tau_m_s"] == pytest.approx(targets.tau_m, rel=0.03), kw
    # the LIF with the measured leak curve and comparator delay, nothing fitted: the issue's
    # promise, from 1.2x the measured rheobase up (measured: worst 1.27 % RMS over 87 sized
    # designs, docs/sizing.md); over all points, the first at 1.05x, worst 3.9 %: there the
    # rate's sensitivity to the rheobase is ~7 (one design's rheobase read 1-2 % low)
    assert prediction_rms_above(rep, 1.2) < 0.03, kw
    assert rep["prediction_rms_rel_error"] < 0.10, kw


# --- deterministic: the limits found over the space ---------------------------------------

@pytest.mark.parametrize("kw, name", [
    # v_th 1.41 V and 1.58 V: sized, then never reset in simulation (the comparator's pMOS
    # pair has no room under vdd); 1.28 V lean fired spontaneously
    (dict(tau_m=0.202, v_rest=0.412, v_th=1.408, v_reset=0.132, t_ref=4.5e-3), "v_th"),
    (dict(tau_m=0.0562, v_rest=1.005, v_th=1.58, v_reset=0.273, t_ref=9.2e-4,
          max_rate=352.0), "v_th"),
    # v_rest 1.15 V / v_reset 1.149 V, v_rest 1.172 V / v_reset 1.169 V: never reset
    (dict(tau_m=0.0159, v_rest=1.15, v_th=1.258, v_reset=1.149, t_ref=4.2e-4,
          max_rate=1398.0), "v_th"),
    (dict(tau_m=0.0302, v_rest=1.172, v_th=1.19, v_reset=1.169, t_ref=3.3e-3), "v_reset"),
    (dict(tau_m=0.03, v_rest=1.22, v_th=1.25, v_reset=0.4), "v_rest"),
    (dict(tau_m=0.03, v_rest=0.4, v_th=1.1, v_reset=1.06), "v_reset"),
])
def test_voltages_without_headroom_are_refused_up_front(kw, name):
    """Found by the exploration: these were sized, then did not fire and reset in
    simulation. Now refused on construction, before any table or simulation."""
    with pytest.raises(InfeasibleTarget) as err:
        SizingTargets(**kw)
    text = str(err.value)
    assert f"SizingTargets.{name}" in text and OPTIONS[name] in text
    assert f"vdd - {HEADROOM['sky130'][name]:g} V" in text and f"lower {name}" in text


def test_headroom_follows_vdd():
    """The limits are below vdd, not absolute: a 1.98 V supply lets v_th reach 1.38 V."""
    with pytest.raises(InfeasibleTarget, match="vdd - 0.6 V = 1.2 V"):
        SizingTargets(tau_m=0.01, v_th=1.3)
    assert SizingTargets(tau_m=0.01, v_th=1.3, vdd=1.98).v_th == 1.3
    assert SizingTargets(tau_m=0.01, v_th=1.2, v_reset=1.05, v_rest=1.2 - 0.01).v_th == 1.2


@pytest.mark.parametrize("argv, named", [
    (["size", "--tau", "10ms", "--vth", "1.3", "--out", "{tmp}/o"], ["--vth", "v_th"]),
    (["size", "--tau", "10ms", "--vrest", "1.25", "--vth", "1.2", "--out", "{tmp}/o"],
     ["--vrest", "v_rest"]),
    (["size", "--tau", "10ms", "--vreset", "1.1", "--vth", "1.2", "--out", "{tmp}/o"],
     ["--vreset", "v_reset"]),
])
def test_cli_refuses_voltages_without_headroom(argv, named, tmp_path, capsys):
    msg = check_error(argv, named, {}, tmp_path, capsys)
    assert "lower" in msg and "vdd" in msg


# the sized design of tau_m 152 us, lean, ss, 85 degC, v_rest 0.89 V, v_th 1.042 V, v_reset
# 0.509 V, t_ref 6.07 ms (sizes as size_and_verify's tau loop left them): its guessed
# rheobase (120.5 pA) is 12 % under the measured leak at v_th (136.6 pA), and the refractory
# check's input of 1.05x the guess never fired ("no complete reset pulse")
LOCKED = dict(
    circuit="sky130", corner="ss", temperature_c=85.0, v_rest=0.89, v_th=1.042,
    v_reset=0.509, c_mem=2.5e-13, i_b=1.2984503444808592e-10, topology="lean",
    l_ota_tail=1.6e-05, w_cmp_in=1e-06, l_cmp_in=4e-06, w_cmp_mirror=2e-06,
    l_cmp_mirror=4e-06, w_cmp_tail=2e-06, l_cmp_tail=4e-06, i_cmp=2e-09, i_hys=1e-09,
    i_ref=2.1422840017623862e-11, c_ref=1e-13,
)


@pytest.mark.sky130
def test_refractory_check_fires_where_the_guess_is_off(sky130_sim):
    from lifspice.flows.sizing import simulate_t_ref
    from lifspice.io.design import load_design

    neuron = load_design(LOCKED)
    assert 1.05 * neuron.lif_guess().rheobase < 136e-12  # the guess that did not fire
    # measured 6.59 ms (i_ref is not yet corrected for the 6.07 ms target)
    assert simulate_t_ref(neuron, sky130_sim) == pytest.approx(6.59e-3, rel=0.03)


def test_refractory_loop_grows_c_ref_at_the_i_ref_floor(monkeypatch):
    """Long t_ref (lean, ss): with i_ref at its 20 pA floor the pulse came out 6-7 % short
    and the loop stopped there (found by the exploration); now c_ref grows. The simulator
    is replaced by t_ref = 0.93 c_ref x 1.15 V / i_ref, the lean timer with a 7 % short
    swing."""
    import lifspice.flows.sizing as fs
    from lifspice.analysis.sizing import SizedDesign
    from lifspice.io.design import load_design

    neuron = load_design({**LOCKED, "i_ref": 20e-12, "c_ref": 1.448e-13})
    targets = SizingTargets(tau_m=0.0039, v_rest=0.193, v_th=0.52, v_reset=0.153,
                            t_ref=9.41e-3, topology="lean", corner="ss")
    design = SizedDesign(neuron=neuron, targets=targets, tau_pred=0.0039, g_leak=1e-9,
                         c_parasitic=1e-14, leakage={27.0: 1e-13},
                         leakage_ext={27.0: 1e-13}, sigma_tau_rel=0.04, sigma_vth=5e-3,
                         area={"c_mem": 7.5e-10, "c_ref": 7.24e-11, "total": 8.224e-10},
                         power=1e-8, i_in_max=None)
    monkeypatch.setattr(fs, "simulate_t_ref", lambda n, sim: 0.93 * n.c_ref * 1.15 / n.i_ref)
    out, hist = fs._correct_t_ref(design, targets, None, 0.05, None)
    assert hist[-1][1] == pytest.approx(9.41e-3, rel=0.05)
    assert out.neuron.i_ref == 20e-12
    assert out.neuron.c_ref == pytest.approx(9.41e-3 * 20e-12 / (0.93 * 1.15), rel=1e-9)
    assert out.area["total"] == pytest.approx(
        7.5e-10 + 7.24e-11 * out.neuron.c_ref / 1.448e-13, rel=1e-12)


@pytest.mark.slow
@pytest.mark.sky130
def test_cli_refuses_a_short_tau_m_without_ota_headroom(gmid_cache, tmp_path, capsys):
    """At the 1.5 pF floor a 100 us tau_m needs i_b ~1.5 nA, which the OTA's pMOS pair
    cannot carry with v_rest 1.1 V (V_GS under 0.7 V): refused up front, naming tau_m,
    v_rest and c_min and what to change (v_rest 1.0 V is sized: 1.49 nA)."""
    argv = ["size", "--tau", "100us", "--vrest", "1.1", "--vth", "1.18", "--out", "{tmp}/o"]
    msg = check_error(argv, ["--tau", "--vrest", "c_min"], {}, tmp_path, capsys)
    assert "cannot be biased" in msg and "raise tau_m" in msg and "lower v_rest" in msg


@pytest.mark.slow
@pytest.mark.sky130
def test_ota_keeps_its_tail_saturated(sizing_inputs):
    """Found by the exploration: tau_m 243 us, lean, ff, v_rest 1.089 V was sized with the
    pair's V_GS 14 mV under vdd - v_rest; its tail then left saturation, the simulated tau_m
    came out 33 % long and the closed loop could not bias the OTA for the correction. The
    tables now keep 3 U_T (77.6 mV at 27 degC) for the tail: a pair current needing V_GS
    0.70 V is refused (it was accepted), one needing 0.60 V is not."""
    from lifspice.analysis.sizing.leak import L_OTA, W_OTA, ota_conductance

    tables, _ = sizing_inputs
    t = SizingTargets(tau_m=2.4e-4, v_rest=1.089, v_th=1.163, v_reset=0.227)
    pf = tables.get("pfet", 27.0)

    def pair_current(vgs: float) -> float:
        return float(pf.i_d(L_OTA, W_OTA, vgs, vgs, t.vdd - t.v_rest - vgs))

    with pytest.raises(ValueError, match="for its tail"):
        ota_conductance(tables, t, 27.0, 2 * pair_current(0.70), W_OTA)
    g, gm = ota_conductance(tables, t, 27.0, 2 * pair_current(0.60), W_OTA)
    assert g >= gm > 0
