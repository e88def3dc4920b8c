"""gm/Id lookup tables: the data, interpolation and inversion. Pure (numpy, scipy).

A :class:`~lifspice.analysis.gmid.GmidTable` holds one device kind (``nfet`` or ``pfet``) at one
corner and one temperature on a grid of length L, width W, source-bulk V_SB, drain-source V_DS and
gate-source V_GS. Voltages and currents are **magnitudes** for both kinds (a pfet's V_GS of
0.5 means its gate 0.5 V below its source). Arrays have shape (L, W, V_SB, V_DS, V_GS):

``id_w``   drain terminal current per width, A/m (channel plus junction/GIDL leakage)
``gm_w``   transconductance per width, S/m
``gds_w``  output conductance per width, S/m
``gmbs_w`` body transconductance per width, S/m
``vth``    threshold voltage (BSIM4 ``vth``, magnitude), V
``cgg_w``  total gate capacitance per width, F/m

Between grid voltages the table interpolates with cubic splines (log of the currents and
conductances, so weak inversion is exact to the spline's accuracy; V_DS on a log axis, so the
triode region near V_DS = 0 is too: I_D ~ V_DS there); between grid lengths and
widths linearly in log L, log W, which is approximate (the PDK's models are binned).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.interpolate import RegularGridInterpolator

KINDS = ("nfet", "pfet")
QUANTITIES = ("id_w", "gm_w", "gds_w", "gmbs_w", "vth", "cgg_w")
_LOG = ("id_w", "gm_w", "gds_w", "cgg_w")  # positive quantities interpolated in log
_TINY = 1e-30


@dataclass(frozen=True, eq=False)
class GmidTable:
    """gm/Id table of one device kind (see the module docstring for the arrays and units)."""

    kind: str
    corner: str
    temperature_c: float          # degC
    lengths: np.ndarray           # m
    widths: np.ndarray            # m
    vsb: np.ndarray               # V
    vds: np.ndarray               # V
    vgs: np.ndarray               # V
    data: dict[str, np.ndarray]
    model_hash: str = ""
    _interp: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        shape = (self.lengths.size, self.widths.size, self.vsb.size, self.vds.size,
                 self.vgs.size)
        for q in QUANTITIES:
            if q not in self.data or self.data[q].shape != shape:
                raise ValueError(f"GmidTable.data[{q!r}] must have shape {shape}")

    # storage --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write an ``.npz`` file (axes, arrays and metadata)."""
        path = Path(path)
        np.savez_compressed(
            path, kind=self.kind, corner=self.corner, temperature_c=self.temperature_c,
            model_hash=self.model_hash, lengths=self.lengths, widths=self.widths,
            vsb=self.vsb, vds=self.vds, vgs=self.vgs,
            **{f"q_{q}": self.data[q] for q in QUANTITIES})
        return path

    @classmethod
    def load(cls, path: str | Path) -> GmidTable:
        """Read a table written by :meth:`save` (``.npz``) or :meth:`save_netcdf` (``.nc``)."""
        path = Path(path)
        if path.suffix == ".nc":
            import xarray as xr

            with xr.open_dataset(path) as ds:
                ds = ds.load()
            return cls(kind=ds.attrs["kind"], corner=ds.attrs["corner"],
                       temperature_c=float(ds.attrs["temperature_c"]),
                       model_hash=ds.attrs.get("model_hash", ""),
                       lengths=ds["l"].values, widths=ds["w"].values, vsb=ds["vsb"].values,
                       vds=ds["vds"].values, vgs=ds["vgs"].values,
                       data={q: ds[q].values for q in QUANTITIES})
        with np.load(path) as z:
            return cls(kind=str(z["kind"]), corner=str(z["corner"]),
                       temperature_c=float(z["temperature_c"]), model_hash=str(z["model_hash"]),
                       lengths=z["lengths"], widths=z["widths"], vsb=z["vsb"], vds=z["vds"],
                       vgs=z["vgs"], data={q: z[f"q_{q}"] for q in QUANTITIES})

    def to_xarray(self):
        """An :class:`xarray.Dataset` with dimensions l, w, vsb, vds, vgs (needs xarray)."""
        import xarray as xr

        dims = ("l", "w", "vsb", "vds", "vgs")
        return xr.Dataset(
            {q: (dims, self.data[q]) for q in QUANTITIES},
            coords={"l": self.lengths, "w": self.widths, "vsb": self.vsb, "vds": self.vds,
                    "vgs": self.vgs},
            attrs={"kind": self.kind, "corner": self.corner,
                   "temperature_c": self.temperature_c, "model_hash": self.model_hash})

    def save_netcdf(self, path: str | Path) -> Path:
        """Write a NetCDF file (needs the ``sweep`` extra: xarray, h5netcdf)."""
        path = Path(path)
        self.to_xarray().to_netcdf(path, engine="h5netcdf")
        return path

    # interpolation ------------------------------------------------------------------------
    def _geometry(self, length: float, w: float) -> list[tuple[int, int, float]]:
        """Grid neighbours (L index, W index, weight) for a device, linear in log size."""
        out = []
        li = _bracket(self.lengths, length, "L")
        wi = _bracket(self.widths, w, "W")
        for a, fa in li:
            for b, fb in wi:
                if fa * fb > 0:
                    out.append((a, b, fa * fb))
        return out

    def _slice_interp(self, q: str, li: int, wi: int) -> RegularGridInterpolator:
        key = (q, li, wi)
        f = self._interp.get(key)
        if f is None:
            y = self.data[q][li, wi]
            if q in _LOG:
                y = np.log(np.maximum(np.abs(y), _TINY))
            # V_DS on a log axis: I_D ~ V_DS near 0 (triode), so log I_D is smooth in log V_DS
            axes, method = (self.vsb, np.log(self.vds), self.vgs), "cubic"
            if self.vsb.size < 4:  # cubic needs 4 points per axis
                y, axes = y[0], axes[1:]
                method = "cubic" if self.vds.size >= 4 else "linear"
            f = RegularGridInterpolator(axes, y, method=method)
            self._interp[key] = f
        return f

    def at(self, q: str, length: float, w: float, vgs, vds: float, vsb: float = 0.0):
        """Quantity ``q`` (per width for the ``*_w`` ones) at a device and bias.

        ``vgs`` may be an array; sizes m, voltages V (magnitudes).
        """
        if q not in QUANTITIES:
            raise KeyError(f"unknown quantity {q!r}; choose one of {QUANTITIES}")
        vgs_a = np.atleast_1d(np.asarray(vgs, float))
        _check_range("V_GS", vgs_a, self.vgs)
        _check_range("V_DS", np.asarray([vds]), self.vds)
        _check_range("V_SB", np.asarray([vsb]), self.vsb)
        total = np.zeros(vgs_a.shape)
        for li, wi, f in self._geometry(length, w):
            interp = self._slice_interp(q, li, wi)
            lv = np.full_like(vgs_a, math.log(vds))
            if self.vsb.size < 4:
                pts = np.column_stack([lv, vgs_a])
            else:
                pts = np.column_stack([np.full_like(vgs_a, vsb), lv, vgs_a])
            total += f * interp(pts)
        if q in _LOG:
            total = np.exp(total)
        return total if np.ndim(vgs) else float(total[0])

    def i_d(self, length: float, w: float, vgs, vds: float, vsb: float = 0.0):
        """Drain current, A."""
        return self.at("id_w", length, w, vgs, vds, vsb) * w

    def gm_id(self, length: float, w: float, vgs, vds: float, vsb: float = 0.0):
        """g_m / I_D, 1/V."""
        return (self.at("gm_w", length, w, vgs, vds, vsb)
                / self.at("id_w", length, w, vgs, vds, vsb))

    def leakage(self, length: float, w: float, vds: float, vsb: float = 0.0) -> float:
        """Drain current at V_GS = 0 (the off-state leak of the device), A."""
        return float(self.i_d(length, w, 0.0, vds, vsb))

    def curves(self, length: float, w: float, vds: float, vsb: float = 0.0) -> dict:
        """Classic curves on the V_GS grid: ``vgs``, ``id_w`` (A/m), ``gm_id`` (1/V),
        ``gain`` g_m/g_ds, ``ft`` g_m/(2 pi C_gg) (Hz), ``vth`` (V)."""
        v = self.vgs
        id_w = self.at("id_w", length, w, v, vds, vsb)
        gm = self.at("gm_w", length, w, v, vds, vsb)
        gds = self.at("gds_w", length, w, v, vds, vsb)
        cgg = self.at("cgg_w", length, w, v, vds, vsb)
        return {"vgs": v, "id_w": id_w, "gm_id": gm / id_w, "gain": gm / gds,
                "ft": gm / (2 * math.pi * cgg), "vth": self.at("vth", length, w, v, vds, vsb)}

    def vgs_at_id(self, i_d: float, length: float, w: float, vds: float,
                  vsb: float = 0.0) -> float:
        """V_GS (V) at which the device carries ``i_d`` (A): inverse of :meth:`i_d`.

        Raises ValueError below the V_GS = 0 leakage or above the swept range.
        """
        v = np.linspace(self.vgs[0], self.vgs[-1], 8 * self.vgs.size - 7)
        lg = np.log(self.i_d(length, w, v, vds, vsb))
        target = math.log(i_d)
        if not lg[0] <= target <= lg[-1]:
            raise ValueError(f"{i_d:.3g} A is outside what a {self.kind} W={w:.3g} m "
                             f"L={length:.3g} m carries at V_GS 0 .. {v[-1]:g} V "
                             f"({math.exp(lg[0]):.3g} .. {math.exp(lg[-1]):.3g} A)")
        lg = np.maximum.accumulate(lg)
        k = int(np.searchsorted(lg, target))
        k = min(max(k, 1), v.size - 1)
        v0 = float(np.interp(target, lg[k - 1:k + 1], v[k - 1:k + 1]))
        # one Newton step on the spline itself
        g = self.gm_id(length, w, v0, vds, vsb)
        return float(v0 + (target - math.log(self.i_d(length, w, v0, vds, vsb))) / g)

    def id_w_at_gm_id(self, gm_id: float, length: float, w: float, vds: float,
                      vsb: float = 0.0) -> float:
        """Current density I_D/W (A/m) at which the device has ``gm_id`` (1/V).

        Uses the branch above the peak of g_m/I_D (moderate and strong inversion; deep weak
        inversion is a plateau where I_D/W is not determined by g_m/I_D).
        """
        c = self.curves(length, w, vds, vsb)
        k = int(np.argmax(c["gm_id"]))
        g, j = c["gm_id"][k:][::-1], c["id_w"][k:][::-1]
        if not g[0] <= gm_id <= g[-1]:
            raise ValueError(f"gm/Id {gm_id:g} 1/V is outside {g[0]:.3g} .. {g[-1]:.3g} 1/V "
                             f"for this {self.kind}")
        return float(np.exp(np.interp(gm_id, g, np.log(j))))


@dataclass(frozen=True)
class GmidTables:
    """Both device kinds at one corner and one or more temperatures."""

    corner: str
    tables: dict[tuple[str, float], GmidTable] = field(default_factory=dict)
    pdk: str = "sky130"   # the PDK whose devices were swept

    def get(self, kind: str, temperature_c: float = 27.0) -> GmidTable:
        try:
            return self.tables[(kind, float(temperature_c))]
        except KeyError:
            raise KeyError(f"no {kind} table at {temperature_c:g} degC; have "
                           f"{sorted(self.tables)}") from None

    @property
    def temperatures(self) -> list[float]:
        return sorted({t for _, t in self.tables})


def _bracket(grid: np.ndarray, x: float, name: str) -> list[tuple[int, float]]:
    """Indices and linear-in-log weights of the grid points around ``x``."""
    tol = 1e-9
    if not grid[0] * (1 - tol) <= x <= grid[-1] * (1 + tol):
        raise ValueError(f"{name} = {x:.4g} m is outside the table's {grid[0]:.4g} .. "
                         f"{grid[-1]:.4g} m (sizes in metres)")
    k = int(np.searchsorted(grid, x))
    if k < grid.size and abs(grid[k] - x) <= tol * x:
        return [(k, 1.0)]
    if k > 0 and abs(grid[k - 1] - x) <= tol * x:
        return [(k - 1, 1.0)]
    lo, hi = grid[k - 1], grid[k]
    f = math.log(x / lo) / math.log(hi / lo)
    return [(k - 1, 1.0 - f), (k, f)]


def _check_range(name: str, v: np.ndarray, axis: np.ndarray) -> None:
    if v.min() < axis[0] - 1e-12 or v.max() > axis[-1] + 1e-12:
        raise ValueError(f"{name} {v.min():g} .. {v.max():g} V is outside the table's "
                         f"{axis[0]:g} .. {axis[-1]:g} V")


__all__ = ["KINDS", "QUANTITIES", "GmidTable", "GmidTables"]
