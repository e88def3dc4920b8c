"""Plots of measured silicon: the F-I data with the fit, its 95 % band and the simulated
design, residuals below; measured neurons over the Monte Carlo's distribution. matplotlib is
imported inside the functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from lifspice.analysis.plots.montecarlo import _unit

__all__ = ["fi_fit_figure", "population_figure"]


def fi_fit_figure(data, fit, *, sim_i=None, sim_f=None, title: str = ""):
    """Figure: measured rates (error bars where known), the fitted curve with its 95 %
    band, the simulated design's F-I if given; relative residuals below."""
    import matplotlib.pyplot as plt

    fig, (ax, axr) = plt.subplots(2, 1, figsize=(5.5, 5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    i = np.linspace(min(data.i.min(), fit.estimates["rheobase_A"].value), data.i.max(), 200)
    f = fit.rate(i)
    q = stats.t.ppf(0.975, max(fit.dof, 1))
    se = fit.rate_stderr(i)
    ax.fill_between(i * 1e12, np.maximum(f - q * se, 0), f + q * se, color="tab:blue",
                    alpha=0.25, label="95 % band")
    ax.plot(i * 1e12, f, color="tab:blue", label=f"{fit.model} LIF fit")
    yerr = data.f_std if data.f_std is not None else None
    ax.errorbar(data.i * 1e12, data.f, yerr=yerr, fmt="o", ms=4, color="k", label="measured")
    if sim_i is not None:
        ax.plot(np.asarray(sim_i) * 1e12, sim_f, "s--", ms=3, color="tab:orange",
                label="simulated design")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    fire = data.f > 0
    axr.axhline(0, color="k", lw=0.8)
    axr.plot(data.i[fire] * 1e12, 100 * (data.f[fire] / fit.rate(data.i[fire]) - 1), "o",
             ms=4, color="k")
    axr.set_ylabel("data/fit - 1 (%)")
    axr.set_xlabel("input current (pA)")
    fig.tight_layout()
    return fig


def population_figure(measured: Mapping[str, Sequence[float]],
                      montecarlo: Mapping[str, Sequence[float]], keys: Sequence[str]):
    """One panel per quantity: the Monte Carlo histogram (density) with its 5-95 % band,
    each measured neuron as a tick and the measured mean +- 1 sd."""
    import matplotlib.pyplot as plt

    n = len(keys)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys, strict=False):
        scale, unit = _unit(key)
        y = np.asarray(montecarlo[key], float) * scale
        x = np.asarray(measured[key], float) * scale
        y, x = y[np.isfinite(y)], x[np.isfinite(x)]
        ax.hist(y, bins=max(5, int(np.sqrt(y.size))), density=True, color="tab:blue",
                alpha=0.5, label="Monte Carlo")
        lo, hi = np.percentile(y, [5, 95])
        ax.axvspan(lo, hi, color="tab:blue", alpha=0.1)
        top = ax.get_ylim()[1]
        ax.plot(x, np.full(x.size, 0.05 * top), "|", color="k", ms=12, label="measured")
        m, s = x.mean(), x.std(ddof=1) if x.size > 1 else 0.0
        ax.errorbar([m], [0.15 * top], xerr=[s], fmt="o", color="tab:red", capsize=3)
        ax.set_title(key, fontsize=9)
        ax.set_xlabel(unit)
    axes.flat[0].legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig
