"""Plots of noisy firing: the noisy F-I family against Siegert theory, ISI histograms.

matplotlib is imported only when a figure is made (Agg backend for files).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lifspice.analysis import theory
from lifspice.analysis import theory as tn
from lifspice.analysis.plots.characterization import _plt
from lifspice.circuits.params import LifParams


def noisy_fi_figure(points: Sequence, p: LifParams, *, n_curve: int = 60):
    """Rate (top) and ISI CV (bottom) against mean input: Siegert curves for each noise
    intensity in ``points``, the deterministic F-I curve, and the SPICE points with
    2-standard-error bars.

    Parameters
    ----------
    points : sequence of lifspice.flows.noise.NoisyPoint
    p : LifParams
        The LIF the theory curves are drawn for.
    """
    plt = _plt()
    rh = max(p.rheobase, 1e-30)
    mus = np.array([pt.mu for pt in points])
    lo, hi = min(0.5 * rh, mus.min()), max(2.0 * rh, mus.max() * 1.05)
    grid = np.linspace(lo, hi, n_curve)
    fig, (ax, ax_cv) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                    gridspec_kw={"height_ratios": [2, 1]})
    ax.plot(grid / rh, theory.rate(p, grid), "k--", lw=1, label="no noise (closed form)")
    sigmas = sorted({pt.sigma for pt in points})
    for k, s in enumerate(sigmas):
        color = f"C{k}"
        sv = tn.sigma_v(p, s)
        ax.plot(grid / rh, tn.rate_siegert(p, grid, s), color=color, lw=1.2,
                label=f"Siegert, sigma_v = {sv * 1e3:.3g} mV")
        ax_cv.plot(grid / rh, tn.cv_siegert(p, grid, s), color=color, lw=1.2)
        sel = [pt for pt in points if pt.sigma == s and pt.n > 1]
        if sel:
            x = np.array([pt.mu for pt in sel]) / rh
            ax.errorbar(x, [pt.rate for pt in sel], yerr=[2 * pt.rate_se for pt in sel],
                        fmt="o", color=color, ms=4, capsize=2)
            ax_cv.errorbar(x, [pt.cv for pt in sel], yerr=[2 * pt.cv_se for pt in sel],
                           fmt="o", color=color, ms=4, capsize=2)
    ax.plot([], [], "ko", ms=4, label="SPICE (trnoise), +-2 s.e.")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8, loc="upper left")
    ax_cv.set_xlabel("mean input / rheobase")
    ax_cv.set_ylabel("ISI CV")
    ax_cv.set_ylim(0, 1.1)
    fig.tight_layout()
    return fig


def isi_histogram_figure(points: Sequence, p: LifParams, *, reference_isis: int = 4000,
                         seed: int = 0, bins: int = 30):
    """One panel per point: histogram of the SPICE ISIs over that of the numerical
    reference (:func:`lifspice.analysis.theory.noise_sim.simulate_noisy`, ``reference_isis``
    intervals from ``seed``), with the Siegert mean ISI marked."""
    plt = _plt()
    n = len(points)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3), squeeze=False)
    for ax, pt in zip(axes[0], points, strict=True):
        ref = tn.simulate_noisy(p, pt.mu, pt.sigma, n_isi=2, n_trials=reference_isis // 2,
                                rng=seed).isis.ravel()
        top = np.quantile(ref, 0.995)
        edges = np.linspace(0, top, bins + 1)
        ax.hist(ref * 1e3, bins=edges * 1e3, density=True, histtype="step", color="k",
                label="white-noise LIF (simulated)")
        ax.hist(pt.isis * 1e3, bins=edges * 1e3, density=True, alpha=0.5, color="C0",
                label=f"SPICE (n = {pt.n})")
        ax.axvline(1e3 / pt.theory_rate, color="C3", lw=1, label="Siegert mean")
        ax.set_title(f"mu = {pt.mu / max(p.rheobase, 1e-30):.2g} rheobase, "
                     f"CV {pt.cv:.2f} (theory {pt.theory_cv:.2f})", fontsize=9)
        ax.set_xlabel("ISI (ms)")
    axes[0][0].set_ylabel("density (1/ms)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig
