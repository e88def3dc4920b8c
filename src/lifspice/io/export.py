"""Export fitted neurons to network simulators: a runnable Brian2 script, a NEST parameter set.

Sources
-------
* ``report.json`` of ``lifspice characterize``: the fitted ideal LIF (``fit.params``, the
  default) or the directly measured parameters (``measured_params``).
* A population table (CSV, one neuron per row), e.g. a Monte Carlo ``samples.csv``.  Each
  LIF parameter is taken from the first column present, in this order:

  ============  ============================================================
  ``c_mem``     ``c_mem``, ``c_mem_F``, ``drawn_c_mem_F``           (F)
  ``g_leak``    ``g_leak``, ``g_leak_S``, ``gm_S``, ``drawn_g_leak_S`` (S)
  ``v_rest``    ``v_rest``, ``v_rest_V``, ``drawn_v_rest_V``        (V)
  ``v_th``      ``v_th``, ``v_th_V``, ``drawn_v_th_V``              (V)
  ``v_reset``   ``v_reset``, ``v_reset_V``, ``drawn_v_reset_V``     (V)
  ``t_ref``     ``t_ref``, ``t_ref_s``, ``drawn_t_ref_s``           (s)
  ============  ============================================================

  ``tau_m_s`` (or ``tau_m``) fills in whichever of ``c_mem``/``g_leak`` is missing
  (``c_mem = g_leak tau_m``); values missing from every column come from ``defaults``
  (CLI: ``--set v_rest=0.2``).  Rows with ``ok = 0`` (failed samples) are skipped.  All
  values are SI.

Targets
-------
* Brian2: a Python script (:func:`~lifspice.io.export.brian2_script`) defining ``PARAMS`` (SI
  floats, one entry
  per neuron), ``build(n=None, currents=None)`` (a ``NeuronGroup`` with per-neuron constants,
  ``dv/dt = (g_leak (v_rest - v) + I_ext) / c_mem``, threshold ``v > v_th``, reset to
  ``v_reset``, clamped for ``t_ref``) and ``fi_curve(currents, duration)``; run as a script
  it prints an F-I curve.  It uses the numpy code-generation target (no compiler).
* NEST: a JSON parameter set (:func:`~lifspice.io.export.nest_params`) for ``iaf_psc_delta`` (LIF
  with
  delta-current synapses, the same hold-at-reset refractoriness), in NEST units: mV, ms,
  pF, pA.  ``nest.Create(d["model"], d["n"], params=d["params"])`` makes the population.
  Both Brian2 and ``iaf_psc_delta`` test the threshold on the time grid (rate bias about
  ``dt / (2 ISI)``); ``iaf_psc_delta_ps`` takes the same parameters and spikes off-grid.
  """

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from lifspice.circuits.params import LifParams, ParameterError

KEYS = ("c_mem", "g_leak", "v_rest", "v_th", "v_reset", "t_ref")
ALIASES: dict[str, tuple[str, ...]] = {
    "c_mem": ("c_mem", "c_mem_F", "drawn_c_mem_F"),
    "g_leak": ("g_leak", "g_leak_S", "gm_S", "drawn_g_leak_S"),
    "v_rest": ("v_rest", "v_rest_V", "drawn_v_rest_V"),
    "v_th": ("v_th", "v_th_V", "drawn_v_th_V"),
    "v_reset": ("v_reset", "v_reset_V", "drawn_v_reset_V"),
    "t_ref": ("t_ref", "t_ref_s", "drawn_t_ref_s"),
}
TAU_KEYS = ("tau_m", "tau_m_s")


class ExportError(ValueError):
    """The input cannot be turned into LIF parameters; the message says what is missing."""


def _num(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "" or value.lower() in ("nan", "none", "null"):
            return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def params_from_row(row: Mapping[str, object], defaults: Mapping[str, float] | None = None,
                    where: str = "row") -> LifParams:
    """LIF parameters from one table row (column names as in the module docstring)."""
    got: dict[str, float] = {}
    for key, names in ALIASES.items():
        for name in names:
            x = _num(row.get(name))
            if x is not None:
                got[key] = x
                break
    tau = next((x for x in (_num(row.get(k)) for k in TAU_KEYS) if x is not None), None)
    if tau is not None and tau > 0:
        if "c_mem" not in got and "g_leak" in got:
            got["c_mem"] = got["g_leak"] * tau
        elif "g_leak" not in got and "c_mem" in got:
            got["g_leak"] = got["c_mem"] / tau
    for key, value in (defaults or {}).items():
        if key not in KEYS:
            raise ExportError(f"unknown default {key!r}; valid: {', '.join(KEYS)}")
        got.setdefault(key, float(value))
    missing = [k for k in KEYS if k not in got]
    if missing:
        raise ExportError(
            f"{where}: no value for {', '.join(missing)} (columns tried: "
            + "; ".join(f"{k}: {'/'.join(ALIASES[k])}" for k in missing)
            + "); give it as a default, e.g. --set " + f"{missing[0]}=<SI value>")
    try:
        return LifParams(**got)
    except ParameterError as exc:
        raise ExportError(f"{where}: {exc}") from exc


def _report_dict(report: Mapping | str | os.PathLike) -> Mapping:
    """A report.json as a dict, or :class:`ExportError` naming what else the file holds."""
    if isinstance(report, Mapping):
        return report
    rep = json.loads(Path(report).read_text())
    if not isinstance(rep, Mapping):
        raise ExportError(
            f"{report}: a JSON {type(rep).__name__}, not a lifspice report (report: an object "
            "with 'fit' and 'measured_params'); give the report.json that `lifspice "
            "characterize` wrote, or a population table as .csv")
    return rep


def load_report_params(report: Mapping | str | os.PathLike, which: str = "fit") -> LifParams:
    """The LIF parameters of a ``report.json`` (dict or path): ``fit`` (the fitted ideal
    LIF, default) or ``measured`` (``measured_params``)."""
    rep = _report_dict(report)
    if which == "fit":
        fit = rep.get("fit")
        section = fit.get("params") if isinstance(fit, Mapping) else None
    elif which == "measured":
        section = rep.get("measured_params")
    else:
        raise ExportError(f"which must be 'fit' or 'measured', got {which!r}")
    if not isinstance(section, Mapping):
        raise ExportError(f"the report has no {which!r} parameters (--params {which}); give "
                          "the report.json that `lifspice characterize` wrote")
    return params_from_row(section, where=f"report {which}")


# A leak "saturates" when the membrane's swing from rest passes the OTA's linear range
# (the leak current at the swing is then >= 24 % below g_m x swing: tanh(1) = 0.76), or
# when the ideal fit's tau_m is off C/g_m by more than these factors: the free ideal fit
# then trades tau_m for the missing current and its tau_m means nothing physical (sky130
# reference design: v_lin 82 mV against 400 mV, fitted tau 4.4-5.4 x C/g_m).
SATURATION_SWING_OVER_V_LIN = 1.0
TAU_FIT_RATIO_RANGE = (0.8, 1.25)


def saturation_warning(report: Mapping | str | os.PathLike, which: str = "fit") -> str | None:
    """Why exporting a report's ideal LIF ``which`` misrepresents its neuron, or None.

    The targets have no saturating leak (NEST's ``iaf_psc_delta`` cannot hold one; the
    Brian2 script is the textbook LIF too), so a report whose leak saturates (measured
    ``v_lin = i_b / g_leak`` below the swing, or the ideal fit's tau_m far from C/g_m)
    gets a one-line warning that says why and which ``--params`` to choose.
    """
    rep = _report_dict(report)
    meas = rep.get("measured_params")
    fit = rep.get("fit")
    if which != "fit" or not isinstance(meas, Mapping) or not isinstance(fit, Mapping):
        return None
    reasons = []
    try:
        swing = max(abs(meas["v_th"] - meas["v_rest"]), abs(meas["v_reset"] - meas["v_rest"]))
        v_lin = meas["i_b"] / meas["g_leak"]
        if swing > SATURATION_SWING_OVER_V_LIN * v_lin:
            reasons.append(f"its leak saturates (linear range v_lin {v_lin * 1e3:.3g} mV "
                           f"against a {swing * 1e3:.3g} mV swing)")
    except (KeyError, TypeError, ZeroDivisionError):
        pass
    fp = fit.get("params") if isinstance(fit.get("params"), Mapping) else {}
    try:
        ratio = (fp["c_mem"] / fp["g_leak"]) / (meas["c_mem"] / meas["g_leak"])
        if not TAU_FIT_RATIO_RANGE[0] <= ratio <= TAU_FIT_RATIO_RANGE[1]:
            reasons.append(f"the ideal fit's tau_m is {ratio:.3g} x C/g_m")
    except (KeyError, TypeError, ZeroDivisionError):
        pass
    if not reasons:
        return None
    return ("exporting the free ideal-LIF fit of a neuron whose F-I curve it cannot "
            "describe: " + " and ".join(reasons) + "; its tau_m is an effective value, not "
            "the circuit's (the targets have no saturating leak). --params measured exports "
            "the measured C, g_m, V_th, V_reset, t_ref instead (the circuit's own tau_m = "
            "C/g_m, but with a linear leak: rheobase too high, rates too low; the report's "
            "theory_rms_rel_error says by how much)")


def load_population(path: str | os.PathLike,
                    defaults: Mapping[str, float] | None = None) -> list[LifParams]:
    """One :class:`~lifspice.circuits.params.LifParams` per usable row of a CSV table (module
    docstring)."""
    out = []
    with open(path, newline="") as fh:
        for k, row in enumerate(csv.DictReader(fh)):
            ok = _num(row.get("ok"))
            if ok is not None and ok == 0:
                continue
            out.append(params_from_row(row, defaults, where=f"{path} row {k + 1}"))
    if not out:
        raise ExportError(f"{path}: no usable rows")
    return out


def load_neurons(source: str | os.PathLike, *, which: str = "fit",
                 defaults: Mapping[str, float] | None = None) -> list[LifParams]:
    """Neurons from a ``report.json`` (one) or a CSV population table (many)."""
    p = Path(source)
    if p.suffix.lower() == ".csv":
        return load_population(p, defaults)
    return [load_report_params(p, which)]


# ----------------------------------------------------------------------------- NEST


def nest_params(neurons: Sequence[LifParams], model: str = "iaf_psc_delta") -> dict:
    """NEST parameter set: ``{"model", "n", "params": [per-neuron dicts], "units", ...}``.

    ``E_L``, ``V_th``, ``V_reset``, ``V_m`` (start at rest) in mV, ``C_m`` in pF,
    ``tau_m``, ``t_ref`` in ms, ``I_e`` = 0 pA (set it to drive the neurons).
    """
    rows = []
    for p in neurons:
        rows.append({
            "C_m": p.c_mem * 1e12, "tau_m": p.tau_m * 1e3, "t_ref": p.t_ref * 1e3,
            "E_L": p.v_rest * 1e3, "V_th": p.v_th * 1e3, "V_reset": p.v_reset * 1e3,
            "V_m": p.v_rest * 1e3, "I_e": 0.0,
        })
    return {
        "model": model,
        "n": len(rows),
        "params": rows,
        "units": {"C_m": "pF", "tau_m": "ms", "t_ref": "ms", "E_L": "mV", "V_th": "mV",
                  "V_reset": "mV", "V_m": "mV", "I_e": "pA"},
        "usage": "nodes = nest.Create(d['model'], d['n'], params=d['params']); "
                 "rheobase current (pA) = C_m / tau_m * (V_th - E_L)",
        "generator": "lifspice export",
    }


# ---------------------------------------------------------------------------- Brian2


def default_dt(neurons: Sequence[LifParams]) -> float:
    """Brian2 time step, s: 1/200 of the shortest tau_m or t_ref (> 0) in the population,
    so the grid-threshold bias ``dt / (2 ISI)`` stays below ~0.25 %."""
    scales = [p.tau_m for p in neurons] + [p.t_ref for p in neurons if p.t_ref > 0]
    return min(scales) / 200.0


_SCRIPT = '''"""Brian2 model of {n} LIF neuron(s) exported by lifspice from {source}.

Parameters are SI floats (F, S, V, s), one entry per neuron.  Run as a script to print an
F-I curve of neuron 0; import it and call build() to use the neurons in a network, e.g.
with delta synapses: Synapses(G, G, "w : volt", on_pre="v_post += w").
"""

import numpy as np
import brian2 as b2

b2.prefs.codegen.target = "numpy"  # no compiler needed

PARAMS = {params}
N = {n}
DT = {dt!r}  # s, time step (1/200 of the shortest tau_m or t_ref)

EQS = """
dv/dt = (g_leak * (v_rest - v) + I_ext) / c_mem : volt (unless refractory)
c_mem : farad (constant)
g_leak : siemens (constant)
v_rest : volt (constant)
v_th : volt (constant)
v_reset : volt (constant)
t_ref : second (constant)
I_ext : amp
"""

UNITS = {{"c_mem": b2.farad, "g_leak": b2.siemens, "v_rest": b2.volt, "v_th": b2.volt,
         "v_reset": b2.volt, "t_ref": b2.second}}


def build(n=None, currents=None, neuron=None):
    """NeuronGroup of the exported neurons (or ``n`` copies of neuron ``neuron``), each
    starting at v_reset, driven by ``currents`` (A, one per neuron; default 0)."""
    if neuron is not None:
        idx = np.full(int(n or 1), int(neuron))
    else:
        idx = np.arange(N) if n is None else np.arange(int(n)) % N
    group = b2.NeuronGroup(len(idx), EQS, threshold="v > v_th", reset="v = v_reset",
                           refractory="t_ref", method="exact", dt=DT * b2.second)
    for key, unit in UNITS.items():
        setattr(group, key, np.asarray(PARAMS[key])[idx] * unit)
    group.v = group.v_reset
    if currents is not None:
        group.I_ext = np.asarray(currents, dtype=float) * b2.amp
    return group


def fi_curve(currents, duration=1.0, neuron=0):
    """Firing rate (Hz) of neuron ``neuron`` at each constant current (A): spikes after the
    first, over the time from the first to the last spike (0 if fewer than 2 spikes)."""
    currents = np.asarray(currents, dtype=float)
    group = build(n=currents.size, currents=currents, neuron=neuron)
    mon = b2.SpikeMonitor(group)
    net = b2.Network(group, mon)
    net.run(duration * b2.second)
    trains = mon.spike_trains()
    rates = np.zeros(currents.size)
    for k in range(currents.size):
        t = np.asarray(trains[k] / b2.second)
        if t.size >= 2:
            rates[k] = (t.size - 1) / (t[-1] - t[0])
    return rates


if __name__ == "__main__":
    rheobase = PARAMS["g_leak"][0] * (PARAMS["v_th"][0] - PARAMS["v_rest"][0])
    i = max(rheobase, 1e-15) * np.array([0.5, 1.1, 1.5, 2.0, 3.0])
    for ik, fk in zip(i, fi_curve(i)):
        print(f"{{ik:.4g}} A  {{fk:.4g}} Hz")
'''


def brian2_script(neurons: Sequence[LifParams], *, source: str = "lifspice",
                  dt: float | None = None) -> str:
    """Text of a runnable Brian2 script for ``neurons`` (see the module docstring)."""
    if not neurons:
        raise ExportError("no neurons to export")
    cols = {k: [float(getattr(p, k)) for p in neurons] for k in KEYS}
    body = "{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in cols.items()) + "}"
    src = "".join(ch if ch.isprintable() and ch not in '"\\' else "_" for ch in str(source))
    return _SCRIPT.format(n=len(neurons), source=src[:200], params=body,
                          dt=float(dt if dt is not None else default_dt(neurons)))


def export(source: str | os.PathLike, to: str, *, which: str = "fit",
           defaults: Mapping[str, float] | None = None) -> str:
    """Text of the export of ``source`` (report.json or CSV) ``to`` "brian2" or "nest"."""
    neurons = load_neurons(source, which=which, defaults=defaults)
    if to == "brian2":
        return brian2_script(neurons, source=Path(source).name)
    if to == "nest":
        return json.dumps(nest_params(neurons), indent=2) + "\n"
    raise ExportError(f"unknown target {to!r}: use 'brian2' or 'nest'")
