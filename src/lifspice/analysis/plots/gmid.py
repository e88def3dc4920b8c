"""Classic gm/Id design curves from :class:`~lifspice.analysis.gmid.GmidTable` (matplotlib).

gm/Id against the current density I_D/W, the intrinsic gain gm/gds and the transit
frequency gm/(2 pi C_gg) against gm/Id, one line per channel length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lifspice.analysis.gmid import GmidTable, GmidTables
from lifspice.pdk.registry import get_pdk


def plot_gmid(table: GmidTable, *, vds: float = 0.9, w: float | None = None,
              lengths=None, axes=None, pdk: str = "sky130"):
    """Three panels for ``table`` at ``vds`` (V) and width ``w`` (m; default 2 um or the
    nearest stored), titled with ``pdk``'s device (``sky130``, ``gf180mcu``: the
    :class:`~lifspice.analysis.gmid.GmidTables`'s ``pdk``); returns the figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    else:
        fig = axes[0].figure
    w = w if w is not None else float(table.widths[np.argmin(abs(np.log(table.widths / 2e-6)))])
    lengths = table.lengths if lengths is None else lengths
    for length in lengths:
        c = table.curves(length, w, vds)
        keep = c["gm_id"] > 0.5  # drop strong-inversion tails where the curves fold
        label = f"L = {length * 1e6:g} um"
        axes[0].semilogx(c["id_w"][keep] * 1e-6, c["gm_id"][keep], label=label)
        axes[1].semilogy(c["gm_id"][keep], c["gain"][keep], label=label)
        axes[2].semilogy(c["gm_id"][keep], c["ft"][keep], label=label)
    axes[0].set(xlabel="I_D / W (A/um)", ylabel="g_m / I_D (1/V)")
    axes[1].set(xlabel="g_m / I_D (1/V)", ylabel="g_m / g_ds")
    axes[2].set(xlabel="g_m / I_D (1/V)", ylabel="g_m / (2 pi C_gg) (Hz)")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    device = get_pdk(pdk).devices[table.kind]  # sky130_fd_pr__nfet_01v8, nmos_3p3
    fig.suptitle(f"{pdk} {device}, {table.corner}, {table.temperature_c:g} degC, "
                 f"W = {w * 1e6:g} um, V_DS = {vds:g} V, V_SB = 0")
    return fig


def save_gmid_figures(tables: GmidTables, out: str | Path, *, vds: float = 0.9) -> list[Path]:
    """One PNG per table: ``gmid_<kind>_<corner>_<T>C.png``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = Path(out)
    paths = []
    for (kind, temp), table in sorted(tables.tables.items()):
        fig = plot_gmid(table, vds=vds, pdk=tables.pdk)
        p = out / f"gmid_{kind}_{tables.corner}_{temp:g}C.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths
