"""Silicon against theory: relative errors of F-I curves, and the comparison in words."""

from __future__ import annotations

import math

import numpy as np

from lifspice.analysis.theory.ideal import rate
from lifspice.analysis.theory.saturating import saturation_deviation


def rms_rel_error(model: np.ndarray, data: np.ndarray) -> float:
    """RMS of ``model / data - 1`` over the points where ``data > 0`` (NaN when none)."""
    m = data > 0
    if not m.any():
        return math.nan
    return float(np.sqrt(np.mean(((model[m] - data[m]) / data[m]) ** 2)))


def deviation_text(ch) -> str:
    """In words: how far the neuron of ``ch`` (a
    :class:`~lifspice.flows.characterize.Characterization`) is from the textbook LIF, and why."""
    meas = ch.measured
    dev = saturation_deviation(meas, ch.currents)
    fit = ch.fit_ideal
    tau_fit = fit.params.tau_m
    model = ch.leak_model
    if model is not None and model.kind == "linear":
        parts = [f"The leak is linear over the swept range ({model.describe()}): the "
                 "textbook LIF's leak."]
    else:
        climb = abs(meas.v_th - meas.v_rest)
        wide = meas.v_lin > 10 * climb
        parts = [
            (f"The leak is a {model.kind} leak"
             + (", far inside its linear range" if wide else "") + ". "
             if model is not None else "")
            + f"Its linear range is {_volts(meas.v_lin)} against a {_volts(climb)} climb "
            "from rest to threshold: " + dev.describe()
        ]
    pred = ch.predicted_fi()
    parts.append(
        f"The textbook LIF with the measured C/g_m, V_th and V_reset misses the F-I curve by "
        f"{100 * rms_rel_error(np.asarray(rate(meas.ideal(), ch.currents)), ch.rates):.3g}% "
        f"RMS; the LIF with the measured (saturating) leak curve misses it by "
        f"{100 * rms_rel_error(pred, ch.rates):.3g}% RMS with nothing fitted"
        + (" (with the comparator delay below)." if ch.comparator is not None else ".")
    )
    comp = ch.comparator
    if comp is not None:
        slope = (ch.trace_i - ch.leak.current(comp.v_trip)) / ch.bench.c_mem
        parts.append(
            f"The comparator trips at {1e3 * comp.v_trip:.4g} mV and fires "
            f"{1e6 * float(comp.delay(slope)):.3g} us later at {ch.trace_i:.3g} A (delay ~ "
            f"slope^{comp.exponent - 1:.2f}), when the membrane has overshot to "
            f"{1e3 * ch.v_th_transient:.4g} mV; the prediction adds that delay to each ISI."
        )
    parts.append(
        f"A free textbook-LIF fit reaches {100 * fit.rms_rel_error:.3g}% RMS with "
        f"tau_m = {tau_fit * 1e3:.4g} ms ({tau_fit / ch.tau_pred:.3g} x C/g_m)."
    )
    return " ".join(parts)


def _volts(v: float) -> str:
    """``v`` (V) as text in mV below 1 V, in V above."""
    return f"{1e3 * v:.3g} mV" if abs(v) < 1 else f"{v:.3g} V"
