"""Plots of a characterization (matplotlib, imported only here, Agg backend for files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lifspice.analysis import theory
from lifspice.analysis.theory.comparator import rate_with_delay


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def membrane_figure(ch):
    """SPICE membrane trace over the event-exact ideal LIF with the measured parameters."""
    plt = _plt()
    t, v = ch.trace_t, ch.trace_v
    meas = ch.measured
    ideal = theory.simulate(meas.ideal(), np.array([0.0, t[-1]]),
                            np.array([ch.trace_i, ch.trace_i]), float(t[-1]),
                            v0=float(ch.bench.guess().v_reset))
    sat = theory.simulate_saturating(meas, np.array([0.0, t[-1]]),
                                     np.array([ch.trace_i, ch.trace_i]), float(t[-1]),
                                     v0=float(ch.bench.guess().v_reset))
    grid = np.linspace(0, t[-1], 4000)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(t * 1e3, v, lw=1.5, label="SPICE")
    ax.plot(grid * 1e3, ideal.v(grid), "--", lw=1, label="ideal LIF (measured C, g_m, V_th...)")
    ax.plot(grid * 1e3, sat.v(grid), ":", lw=1.2, label="saturating-leak LIF (measured)")
    ax.axhline(ch.v_th, color="gray", lw=0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane (V)")
    ax.set_title(f"{ch.bench.kind} neuron at {ch.trace_i:.3g} A")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def fi_figure(ch):
    """F-I curve: SPICE, textbook theory, saturating prediction, fits; residual panel."""
    plt = _plt()
    i, f = ch.currents, ch.rates
    fine = np.linspace(0, i.max() * 1.02, 400)
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    x = 1e9
    ax.plot(i * x, f, "o", label="SPICE")
    ax.plot(fine * x, theory.rate(ch.bench.guess().ideal(), fine), "-", lw=1,
            label="textbook LIF (design parameters)")

    ax.plot(fine * x, rate_with_delay(ch.measured, ch.comparator, fine), "--", lw=1,
            label="saturating LIF + comparator delay (measured, no fit)")
    ax.plot(fine * x, theory.rate(ch.fit_ideal.params, fine), ":", lw=1.5,
            label=f"ideal LIF fit ({100 * ch.fit_ideal.rms_rel_error:.2g}% RMS)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    m = f > 0
    for model, lab, mk in (
        (ch.theory_fi(), "textbook", "s"),
        (ch.predicted_fi(), "saturating prediction", "^"),
        (np.asarray(theory.rate(ch.fit_ideal.params, i)), "ideal fit", "x"),
    ):
        axr.plot(i[m] * x, 100 * (model[m] - f[m]) / f[m], mk, label=lab, ms=4)
    axr.axhline(0, color="gray", lw=0.5)
    axr.set_xlabel("input current (nA)")
    axr.set_ylabel("model - SPICE (%)")
    axr.legend(fontsize=7)
    fig.tight_layout()
    return fig


def save_figures(ch, out_dir: Path) -> list[Path]:
    """Write membrane.png and fi.png; return their paths."""
    plt = _plt()
    out = []
    for name, make in (("membrane.png", membrane_figure), ("fi.png", fi_figure)):
        fig = make(ch)
        path = Path(out_dir) / name
        fig.savefig(path, dpi=120)
        plt.close(fig)
        out.append(path)
    return out
