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


def si_text(x: float, unit: str) -> str:
    """``x`` (SI) with an SI prefix: 6e-10, "A" -> "600 pA"."""
    if x == 0 or not np.isfinite(x):
        return f"{x:g} {unit}"
    exp = int(np.clip(np.floor(np.log10(abs(x)) / 3), -5, 4))
    prefix = {-5: "f", -4: "p", -3: "n", -2: "u", -1: "m", 0: "", 1: "k", 2: "M", 3: "G",
              4: "T"}[exp]
    return f"{x / 10.0 ** (3 * exp):.4g} {prefix}{unit}"


def quantity_title(key: str, currents: Sequence[float] | None = None) -> str:
    """A histogram's title: the quantity, and for ``rate_Hz_i<k>`` the input current."""
    if "_i" in key and key.startswith("rate_Hz_i") and currents is not None:
        k = int(key.rsplit("_i", 1)[1])
        if k < len(currents):
            return f"rate at {si_text(float(currents[k]), 'A')}"
    return key


def histogram_axes(ax, x, *, key: str, nominal: float | None = None,
                   limits: tuple[float | None, float | None] = (None, None),
                   title: str | None = None, gid: str | None = None) -> dict:
    """One labelled histogram of ``x`` (SI units of ``key``) on ``ax``: counts, the nominal,
    mean and +-1 sigma lines and the spec ``limits`` (min, max; None: none), with a legend.

    Returns what was drawn, in display units: ``{"scale", "unit", "mean", "std",
    "nominal", "limits"}``. With ``gid`` the limit lines and the axes frame get SVG ids
    (``<gid>-min``, ``<gid>-max``, ``<gid>-axes``) so a page can be checked where they sit.
    """
    scale, unit = _unit(key)
    x = np.asarray(x, float) * scale
    x = x[np.isfinite(x)]
    drawn: dict = {"scale": scale, "unit": unit, "mean": None, "std": None,
                   "nominal": None, "limits": [None, None]}
    if x.size:
        ax.hist(x, bins=max(5, int(np.sqrt(x.size))), color="tab:blue", alpha=0.7,
                label=f"{x.size} samples")
        m, s = float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0
        ax.axvline(m, color="k", ls="-", lw=1.2, label=f"mean {m:.4g}")
        ax.axvline(m - s, color="k", ls="--", lw=1, label=f"mean ± 1σ ({s:.3g})")
        ax.axvline(m + s, color="k", ls="--", lw=1)
        drawn.update(mean=m, std=s)
    if nominal is not None and np.isfinite(nominal):
        drawn["nominal"] = nominal * scale
        ax.axvline(drawn["nominal"], color="tab:green", ls=":", lw=1.8,
                   label=f"nominal {drawn['nominal']:.4g}")
    for j, (lim, name) in enumerate(zip(limits, ("min", "max"), strict=True)):
        if lim is None:
            continue
        drawn["limits"][j] = lim * scale
        line = ax.axvline(lim * scale, color="tab:red", ls="-", lw=2,
                          label=f"spec {name} {lim * scale:.4g}")
        if gid:
            line.set_gid(f"{gid}-{name}")
    if gid:
        ax.patch.set_gid(f"{gid}-axes")
    ax.set_xlabel(f"{key} ({unit})" if unit else key)
    ax.set_ylabel("samples (count)")
    ax.set_title(title or key, fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return drawn


def histograms(table: Mapping[str, np.ndarray], keys: Sequence[str], ax=None, *,
               nominal: Mapping[str, float | None] | None = None,
               currents: Sequence[float] | None = None):
    """One histogram per quantity (successful samples): counts, the mean and +-1 sigma,
    the ``nominal`` value where given (report keys), the input current of each rate
    (``currents``, A, in the sweep's order) in its title."""
    import matplotlib.pyplot as plt

    ok = np.asarray(table["ok"], bool)
    n = len(keys)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 3.3 * rows), squeeze=False)
    for ax_, key in zip(axes.flat, keys, strict=False):
        x = np.asarray(table[key], float)[ok]
        nom = (nominal or {}).get(key)
        histogram_axes(ax_, x, key=key, nominal=None if nom is None else float(nom),
                       title=quantity_title(key, currents))
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
    fig = histograms(table, keys, nominal=summary.get("nominal") or {},
                     currents=summary.get("currents_A") or [])
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
