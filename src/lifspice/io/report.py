"""report.json: the stable, machine-readable result of a characterization."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from lifspice.analysis import extract
from lifspice.analysis.compare import deviation_text, rms_rel_error
from lifspice.analysis.energy import PUBLISHED_ENERGY_PER_SPIKE, energy_per_spike
from lifspice.io.netlists import write_netlists

REPORT_VERSION = 1


def json_number(x) -> float | None:
    """``x`` as a JSON number: a float, or None for None, NaN and infinities."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def json_clean(x):
    """``x`` with every number made a JSON number (:func:`json_number`), in nested dicts and
    lists; strings, booleans and None pass."""
    if isinstance(x, dict):
        return {k: json_clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_clean(v) for v in x]
    if isinstance(x, (bool, str)) or x is None:
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    return json_number(x)


def _list(a):
    return [json_number(x) for x in np.ravel(a)]


def _comparator(ch) -> dict | None:
    """Trip point and delay of the comparator (None when the circuit shows no delay)."""
    c = ch.comparator
    if c is None:
        return None
    slope = (ch.trace_i - ch.leak.current(c.v_trip)) / ch.bench.c_mem
    return {"v_trip_V": json_number(c.v_trip), "overshoot_gain": json_number(c.gain),
            "overshoot_exponent": json_number(c.exponent),
            "rms_residual_V": json_number(c.rms_residual),
            "delay_at_trace_s": json_number(c.delay(slope)), "points": c.n,
            "model": "v_fire = v_trip + overshoot_gain * (dV/dt)**overshoot_exponent"}


#: The energy keys of report.json (null where the bench has no supply probe).
ENERGY_KEYS = ("energy_per_spike_J", "energy_per_spike_total_J", "static_power_W",
               "energy_spikes_counted", "energy_trace_i_A")


def _spike_width(ch) -> tuple[float | None, str]:
    """Median width of the spike output's complete pulses in the firing transient, s, or
    None and why."""
    pr = ch.bench.probes
    if pr.spike is None:
        return None, "no spike output to read (a subckt design: a pin with the role 'spike')"
    widths = extract.reset_pulses(ch.trace_t, np.asarray(ch.trace_extra[pr.spike], float),
                                  pr.spike_level).width
    if not widths.size:
        return None, "no complete pulse on the spike output in the firing transient"
    return float(np.median(widths)), ""


def _energy(ch) -> dict:
    """Energy per spike and static power from the supply current of the firing transient,
    with the published figures it is placed beside."""
    e = energy_per_spike(ch.trace_t, ch.trace_extra, ch.bench.probes)
    return {
        "energy_per_spike_J": json_number(e.dynamic),
        "energy_per_spike_total_J": json_number(e.total),
        "static_power_W": json_number(e.static_power),
        "energy_spikes_counted": e.n_isi,
        "energy_trace_i_A": json_number(ch.trace_i),  # the input the energy was measured at
        "published_energy_per_spike": [
            {"source": src, "technology": tech, "energy_per_spike_J": j, "note": note}
            for src, tech, j, note in PUBLISHED_ENERGY_PER_SPIKE
        ],
    }


def _fi_range(ch) -> dict | None:
    """The default F-I range (rheobase to ``i_max_A``), what limits it and whether the F-I
    currents were chosen from it (``"default"``) or by the caller (``"given"``)."""
    if ch.fi_range is None:
        return None
    return {**json_clean(ch.fi_range.to_dict()),
            "currents": "given" if ch.currents_given else "default"}


def report_dict(ch, netlist_paths: dict[str, str] | None = None) -> dict:
    """The report as plain JSON types. Keys are stable; units are in the key names."""
    i, f = ch.currents, ch.rates
    theory_fi = ch.theory_fi()
    pred = ch.predicted_fi()
    lo, hi = ch.rheobase_bracket()
    meas = ch.measured
    bench = ch.bench
    out = {
        "report_version": REPORT_VERSION,
        "circuit": bench.kind,
        "design": bench.design.to_dict(),
        "tau_m_s": json_number(ch.step.tau),
        "tau_m_stderr_s": json_number(ch.step.tau_stderr),
        "tau_pred_s": json_number(ch.tau_pred),
        "tau_step_vs_pred_rel": json_number(ch.step.tau / ch.tau_pred - 1),
        "gm_S": json_number(ch.leak.g_m),
        "v_rest_V": json_number(ch.leak.v_rest),
        "leak_i_b_A": json_number(ch.leak.i_b),
        "leak_v_lin_V": json_number(ch.leak.v_lin),
        "leak_model": json_clean(ch.leak_model.to_dict()) if ch.leak_model else None,
        "v_th_V": json_number(ch.v_th),
        "v_th_transient_V": json_number(ch.v_th_transient),
        "comparator": _comparator(ch),
        "v_reset_V": json_number(ch.v_reset),
        "t_ref_s": json_number(ch.t_ref),
        "rheobase_A": json_number(ch.rheobase),
        "rheobase_bracket_A": [json_number(lo), json_number(hi)],
        "spontaneous": bool(meas.v_rest >= meas.v_th),
        "fi": {"i_A": _list(i), "f_Hz": _list(f)},
        "fi_range": _fi_range(ch),
        "theory_fi_Hz": _list(theory_fi),
        "theory_rms_rel_error": json_number(rms_rel_error(theory_fi, f)),
        "predicted_fi_Hz": _list(pred),
        "prediction_rms_rel_error": json_number(rms_rel_error(pred, f)),
        "measured_params": meas.as_dict(),
        "fit": ch.fit_ideal.to_dict(),
        "fit_saturating": ch.fit_saturating.to_dict(),
        "silicon_vs_theory": deviation_text(ch),
        "netlists": dict(netlist_paths or {}),
    }
    reasons: dict[str, str] = {}
    if bench.probes.supply is not None:
        out.update(_energy(ch))
    else:  # the same keys as a transistor neuron's, null, with the reason
        for key in ENERGY_KEYS:
            out[key] = None
            reasons[key] = ("no supply to measure: the circuit has no supply probe (a subckt "
                            "design: give a pin the role 'vdd')")
    out["spike_width_s"], why = _spike_width(ch)
    if why:
        reasons["spike_width_s"] = why
    extra = dict(bench.extra_report(ch))
    reasons.update(extra.pop("null_reasons", {}))
    out.update(json_clean(extra))
    out["null_reasons"] = reasons
    return out


def write_report(ch, out_dir: Path) -> dict:
    """Write ``netlists/`` (runnable where they are: :func:`lifspice.io.netlists.write_netlists`),
    report.json and fi.csv into ``out_dir``; return the report dict."""
    out_dir = Path(out_dir)
    written = write_netlists(ch.netlists, ch.bench, out_dir / "netlists")
    rep = report_dict(ch, {k: str(p.relative_to(out_dir)) for k, p in written.items()})
    tmp = out_dir / "report.json.tmp"
    tmp.write_text(json.dumps(rep, indent=2) + "\n")
    tmp.replace(out_dir / "report.json")
    with open(out_dir / "fi.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["i_A", "f_Hz", "theory_f_Hz", "predicted_f_Hz"])
        for row in zip(ch.currents, ch.rates, ch.theory_fi(), ch.predicted_fi(), strict=True):
            w.writerow([repr(float(x)) for x in row])
    return rep
