"""The datasheet's figures: the membrane waveform, the F-I curve against theory with the
rate limits, one Monte Carlo histogram per parameter with its spec limits, and the energy per
spike beside the published figures. Arrays and report dicts in, matplotlib figures out
(matplotlib imported inside the functions); every axis labelled with its unit and every
line named in a legend."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np

from lifspice.analysis.plots.montecarlo import histogram_axes


def waveform_figure(t, v, *, v_th: float | None, v_reset: float | None, i_in: float | None,
                    extra: Mapping[str, np.ndarray] | None = None):
    """The nominal firing transient: membrane (V) against time (ms), threshold and reset
    marked, and any ``extra`` traces (V) below it."""
    import matplotlib.pyplot as plt

    extra = {k: np.asarray(x, float) for k, x in (extra or {}).items()
             if np.asarray(x).shape == np.asarray(t).shape}
    rows = 2 if extra else 1
    fig, axes = plt.subplots(rows, 1, figsize=(7, 2.6 * rows + 0.4), sharex=True,
                             squeeze=False)
    t_ms = np.asarray(t, float) * 1e3
    ax = axes[0, 0]
    ax.plot(t_ms, v, color="tab:blue", lw=1.2, label="membrane")
    if v_th is not None:
        ax.axhline(v_th, color="tab:red", ls="--", lw=1, label=f"V_th {v_th:.4g} V")
    if v_reset is not None:
        ax.axhline(v_reset, color="tab:green", ls=":", lw=1.2, label=f"V_reset {v_reset:.4g} V")
    ax.set_ylabel("membrane (V)")
    title = "firing transient" + (f" at {i_in * 1e12:.4g} pA" if i_in else "")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    if extra:
        for name, x in extra.items():
            axes[1, 0].plot(t_ms, x, lw=1, label=name)
        axes[1, 0].set_ylabel("node voltage (V)")
        axes[1, 0].legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def fi_theory_figure(report: Mapping, limits: Sequence[tuple[float, float | None, float | None,
                                                             str]] = ()):
    """F-I curve: the SPICE points against the textbook LIF of the design's own values and the
    LIF predicted from the measurements (nothing fitted); each rate limit ``(current A, min Hz
    or None, max Hz or None, name)`` drawn as a bar at its current."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    i = np.asarray([np.nan if x is None else x for x in report["fi"]["i_A"]], float) * 1e12
    f = np.asarray([np.nan if x is None else x for x in report["fi"]["f_Hz"]], float)
    ax.plot(i, f, "o", color="k", ms=5, label="ngspice")
    for key, style, name in (("theory_fi_Hz", "--", "textbook LIF (design values)"),
                             ("predicted_fi_Hz", "-", "LIF from the measurements")):
        y = np.asarray([np.nan if x is None else x for x in report.get(key) or []], float)
        if y.size == i.size:
            ax.plot(i, y, style, lw=1.3, label=name)
    for k, (cur, lo, hi, name) in enumerate(limits):
        top = hi if hi is not None else np.nanmax(f) * 1.05 if np.isfinite(f).any() else 1.0
        bottom = lo if lo is not None else 0.0
        ax.vlines(cur * 1e12, bottom, top, color="tab:red", lw=3, alpha=0.6,
                  label="rate spec (min..max)" if k == 0 else None)
        ax.annotate(name, (cur * 1e12, top), fontsize=7, color="tab:red",
                    textcoords="offset points", xytext=(3, 2))
    ax.set_xlabel("input current (pA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.set_title("F-I curve against theory", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def spec_histogram_figure(x, *, key: str, title: str, nominal: float | None,
                          limits: tuple[float | None, float | None], gid: str):
    """One Monte Carlo histogram with its spec limits; returns ``(figure, drawn)`` (see
    :func:`~lifspice.analysis.plots.montecarlo.histogram_axes`), ``drawn["xlim"]`` the
    axis range in display units."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    drawn = histogram_axes(ax, x, key=key, nominal=nominal, limits=limits, title=title,
                           gid=gid)
    fig.tight_layout()
    drawn["xlim"] = [float(v) for v in ax.get_xlim()]
    return fig, drawn


def energy_figure(energy_j: float | None, published: Sequence[tuple[str, str, float, str]],
                  name: str = "this design"):
    """Energy per spike (J, log axis) beside published silicon LIF neurons."""
    import matplotlib.pyplot as plt

    labels = [textwrap.fill(f"{src} ({tech})", 30) for src, tech, _, _ in published]
    values = [j for _, _, j, _ in published]
    colors = ["tab:gray"] * len(values)
    if energy_j is not None and energy_j > 0:
        labels.append(name)
        values.append(energy_j)
        colors.append("tab:blue")
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(values) + 1.2))
    y = np.arange(len(values))
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("energy per spike (J)")
    for yy, v in zip(y, values, strict=True):
        ax.annotate(f"{v:.2g} J", (v, yy), fontsize=7, va="center",
                    textcoords="offset points", xytext=(3, 0))
    ax.set_xlim(min(values) / 3, max(values) * 30)
    ax.set_title("energy per spike beside published silicon LIF neurons", fontsize=10)
    fig.tight_layout()
    return fig


__all__ = ["energy_figure", "fi_theory_figure", "spec_histogram_figure", "waveform_figure"]
