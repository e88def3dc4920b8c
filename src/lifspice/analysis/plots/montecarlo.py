"""Monte Carlo plots: histograms, the F-I percentile band over the nominal curve, the
correlation matrix, the spread against area. matplotlib is imported inside the functions
(Agg when saving), so importing this module stays light."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from lifspice.analysis.stats import percentile_band

_SCALE = {"_s": (1e3, "ms"), "_V": (1e3, "mV"), "_J": (1e12, "pJ"), "_W": (1e9, "nW"),
          "_S": (1e9, "nS"), "_F": (1e12, "pF"), "_Hz": (1.0, "Hz")}


def _unit(key: str) -> tuple[float, str]:
    for suffix, (scale, unit) in _SCALE.items():
        if key.endswith(suffix) or f"{suffix}_i" in key:
            return scale, unit
    return 1.0, ""


def histograms(table: Mapping[str, np.ndarray], keys: Sequence[str], ax=None):
    """One histogram per quantity (successful samples), mean and +-1 sigma marked."""
    import matplotlib.pyplot as plt

    ok = np.asarray(table["ok"], bool)
    n = len(keys)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax_, key in zip(axes.flat, keys, strict=False):
        scale, unit = _unit(key)
        x = np.asarray(table[key], float)[ok] * scale
        x = x[np.isfinite(x)]
        if x.size:
            ax_.hist(x, bins=max(5, int(np.sqrt(x.size))), color="tab:blue", alpha=0.8)
            m, s = x.mean(), x.std(ddof=1) if x.size > 1 else 0.0
            for v, style in ((m, "-"), (m - s, "--"), (m + s, "--")):
                ax_.axvline(v, color="k", ls=style, lw=1)
            ax_.set_title(f"{key}: cv {s / abs(m):.3g}" if m else key, fontsize=9)
        ax_.set_xlabel(unit)
    for ax_ in list(axes.flat)[n:]:
        ax_.axis("off")
    fig.tight_layout()
    return fig


def fi_band(currents: Sequence[float], rates: np.ndarray, nominal: Sequence[float] | None,
            q: Sequence[float] = (5, 50, 95), ax=None):
    """F-I spread: the ``q`` percentiles of the samples' rates (n_samples x n_currents) as a
    band and a median line, over the nominal curve."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    i = np.asarray(currents, float) * 1e12
    band = percentile_band(rates, q)
    ax.fill_between(i, band[0], band[-1], color="tab:blue", alpha=0.3,
                    label=f"{q[0]:g}-{q[-1]:g} percentile")
    ax.plot(i, band[len(q) // 2], "b.-", label="median")
    if nominal is not None:
        ax.plot(i, np.asarray(nominal, float), "k--", label="nominal")
    ax.set_xlabel("input current (pA)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    return ax.figure


def correlations(summary: Mapping, ax=None):
    """The correlation matrix stored in summary.json."""
    import matplotlib.pyplot as plt

    keys = summary["correlations"]["keys"]
    c = np.array(summary["correlations"]["matrix"], dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(1 + 0.6 * len(keys), 0.8 + 0.6 * len(keys)))
    im = ax.imshow(c, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(keys)), keys, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(keys)), keys, fontsize=7)
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    ax.figure.tight_layout()
    return ax.figure


def area_tradeoff(areas: Sequence[float], cvs: Sequence[float], ax=None):
    """Relative spread against area, with the Pelgrom line cv ~ 1/sqrt(area) through the
    first point."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.5))
    a = np.asarray(areas, float)
    cv = np.asarray(cvs, float)
    ax.loglog(a * 1e12, cv * 100, "o", label="Monte Carlo")
    grid = np.geomspace(a.min(), a.max(), 20)
    ax.loglog(grid * 1e12, cv[0] * np.sqrt(a[0] / grid) * 100, "k--",
              label="1/sqrt(area)")
    ax.set_xlabel("device area (um^2)")
    ax.set_ylabel("cv (%)")
    ax.legend(fontsize=8)
    return ax.figure


def save_mc_figures(summary: Mapping, table: Mapping[str, np.ndarray], out_dir) -> list[Path]:
    """hist.png, fi_band.png (with more than one current) and correlations.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    paths = []
    keys = [k for k in summary["quantities"] if not k.startswith("drawn_")]
    fig = histograms(table, keys)
    paths.append(out / "hist.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    currents = summary.get("currents_A") or []
    if len(currents) > 1:
        ok = np.asarray(table["ok"], bool)
        rates = np.column_stack([np.asarray(table[f"rate_Hz_i{k}"])[ok]
                                 for k in range(len(currents))])
        nom = summary.get("nominal") or {}
        nominal = [nom.get(f"rate_Hz_i{k}") for k in range(len(currents))]
        fig = fi_band(currents, rates, None if None in nominal else nominal)
        paths.append(out / "fi_band.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    if len(summary["correlations"]["keys"]) > 1:
        fig = correlations(summary)
        paths.append(out / "correlations.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths
