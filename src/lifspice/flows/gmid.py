"""gm/Id lookup tables of a PDK's nMOS and pMOS from ngspice DC sweeps: sky130 ``nfet_01v8`` /
``pfet_01v8`` (the default) or gf180mcu ``nmos_3p3`` / ``pmos_3p3`` (``pdk="gf180mcu"``, a
grid of its own: :func:`~lifspice.flows.gmid.default_grid`).

One netlist per device kind and source-bulk voltage holds a copy of the transistor for every
(L, W, V_DS) of the grid (instance lines by the PDK's :meth:`~lifspice.pdk.process.Process.fet`,
in its units), each with its own drain source, all sharing one swept gate source; ngspice
records the drain terminal current ``i(vd...)`` (channel plus junction and GIDL leakage) and
the inner BSIM4 device's ``gm``, ``gds``, ``gmbs``, ``vth`` and ``cgg``. The pfet is swept with
the source at 0 and negative gate/drain voltages; the table stores magnitudes for both kinds
(see :mod:`lifspice.analysis.gmid`).

Tables are cached as ``.npz`` under ``cache_dir()/gmid/``, named by the PDK, the model
files' contents (sha256), the corner, the temperature and the grid. Nothing runs at import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lifspice.analysis.gmid import KINDS, QUANTITIES, GmidTable, GmidTables
from lifspice.analysis.sizing import Mismatch, neuron_class
from lifspice.circuits.netlist import assemble, spice_number
from lifspice.circuits.params import ParameterError
from lifspice.pdk import sky130
from lifspice.pdk.includes import include_targets, resolve_include
from lifspice.pdk.process import Process
from lifspice.pdk.registry import get_pdk
from lifspice.sim.batch import NgspiceBatch

log = logging.getLogger(__name__)

MODELS = {"nfet": sky130.DEVICES["nfet"], "pfet": sky130.DEVICES["pfet"]}  # sky130's
_FORMAT = "3"  # bumped when the netlist or the stored arrays change
# model op-point parameter -> table quantity (the current comes from the drain source)
_PARAMS = {"gm": "gm", "gds": "gds", "gmbs": "gmbs", "vth": "vth", "cgg": "cgg"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, kw_only=True)
class GmidGrid:
    """Sweep grid; sizes in m, voltages in V (magnitudes, source-referred, for both kinds).

    The default covers every L bin of the models from the minimum 0.15 um to 16 um, widths
    from the minimum to 8 um, V_GS from 0 (leakage) to 1.8 V in 25 mV steps (cubic
    interpolation of log I_D between them is exact to ~0.1 %), V_DS dense near 0 (triode),
    around the saturation knee (g_m changes fastest there) and at the top (in the fA range
    the drain junction / GIDL leakage rises ~10 % per 30 mV), and four source-bulk voltages.
    """

    lengths: tuple[float, ...] = (0.15e-6, 0.25e-6, 0.5e-6, 1e-6, 2e-6, 4e-6, 8e-6, 16e-6)
    widths: tuple[float, ...] = (0.42e-6, 1e-6, 2e-6, 4e-6, 8e-6)
    vgs_step: float = 0.025
    vgs_max: float = 1.8
    vds: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.6,
                              0.75, 0.9, 1.05, 1.2, 1.35, 1.5, 1.65, 1.8)
    vsb: tuple[float, ...] = (0.0, 0.3, 0.6, 0.9)

    def __post_init__(self) -> None:
        for name in ("lengths", "widths", "vds", "vsb"):
            v = np.asarray(getattr(self, name), float)
            if v.size == 0 or np.any(np.diff(v) <= 0):
                raise ValueError(f"GmidGrid.{name} must be a non-empty increasing sequence")
        if min(self.lengths) < 0.15e-6 or min(self.widths) < 0.22e-6 or max(
                self.lengths + self.widths) > 1e-3:
            raise ValueError("GmidGrid sizes are in metres: L at least 0.15e-6, W 0.22e-6 "
                             "(the PDK's own limits are checked before a sweep)")
        if not 0 < self.vgs_step <= 0.1 or not 0.2 < self.vgs_max <= 3.63:
            raise ValueError("GmidGrid: need 0 < vgs_step <= 0.1 V and vgs_max <= 3.63 V")

    @property
    def vgs(self) -> np.ndarray:
        """Gate-source voltages of the sweep, V."""
        n = round(self.vgs_max / self.vgs_step)
        return np.round(np.arange(n + 1) * self.vgs_step, 9)

    def key(self) -> str:
        return repr(sorted(asdict(self).items()))

    def check(self, process: Process) -> None:
        """Refuse a grid outside ``process``'s model bins or above its supply."""
        if (min(self.lengths) < process.l_min * (1 - 1e-9) or max(self.lengths) > process.l_max
                or min(self.widths) < process.w_min * (1 - 1e-9)
                or max(self.widths) > process.w_max):
            raise ParameterError(
                f"GmidGrid sizes outside the {process.name} model bins (L {process.l_min:g} .. "
                f"{process.l_max:g} m, W {process.w_min:g} .. {process.w_max:g} m)")
        if max(self.vgs_max, *self.vds, *self.vsb) > process.vdd_range[1]:
            raise ParameterError(f"GmidGrid voltages above {process.vdd_range[1]:g} V")


def default_grid(pdk_name: str = "sky130") -> GmidGrid:
    """The sweep grid of a PDK's devices: :class:`GmidGrid`'s defaults (sky130's) with the
    fields its :class:`~lifspice.pdk.process.Process` sets (``gmid_grid``; gf180mcu: L from
    0.28 um, V_GS and V_DS to 3.3 V)."""
    return GmidGrid(**dict(get_pdk(pdk_name).process.gmid_grid))


def _inner(pdk_name: str, kind: str) -> str:  # the BSIM4 device inside the PDK's subcircuit
    p = get_pdk(pdk_name)
    return p.drawn[p.devices[kind]][0]


@dataclass(frozen=True)
class _Device:
    name: str   # instance, lower case
    li: int
    wi: int
    di: int


def _devices(grid: GmidGrid) -> list[_Device]:
    return [_Device(f"xm{li}_{wi}_{di}", li, wi, di)
            for li in range(len(grid.lengths)) for wi in range(len(grid.widths))
            for di in range(len(grid.vds))]


def _vec(kind: str, dev: _Device, param: str, pdk_name: str = "sky130") -> str:
    return f"@m.{dev.name}.{_inner(pdk_name, kind)}[{param}]"


def sweep_netlist(kind: str, grid: GmidGrid, *, vsb: float, lib_path: str,
                  temperature_c: float, pdk: str = "sky130") -> tuple[str, list[str]]:
    """DC sweep netlist of every (L, W, V_DS) copy of ``kind`` at one V_SB, and its vectors.

    Pure text. The pfet is mirrored: source 0, gate and drain at minus the magnitudes, bulk
    at ``+vsb``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    sign = 1.0 if kind == "nfet" else -1.0
    s = spice_number
    process = neuron_class(pdk).PROCESS
    lines = [f'.include "{lib_path}"', f".temp {s(temperature_c)}",
             # pA-scale currents: gmin would add a 1e-12 S fake leak per node
             ".options gmin=1e-15 abstol=1e-16 reltol=1e-5",
             "VG g 0 DC 0", f"VB b 0 DC {s(-sign * vsb)}"]
    vectors: list[str] = []
    for dev in _devices(grid):
        w, length = grid.widths[dev.wi], grid.lengths[dev.li]
        node = f"d{dev.li}_{dev.wi}_{dev.di}"
        lines.append(f"VD{dev.name[2:]} {node} 0 DC {s(sign * grid.vds[dev.di])}")
        lines.append(process.fet(dev.name[1:], node, "g", "0", "b", kind, w, length))
        vectors.append(f"i(vd{dev.name[2:]})")
        vectors += [_vec(kind, dev, p, pdk) for p in _PARAMS]
    lines.append(".save " + " ".join(vectors))
    lines.append(f".dc VG 0 {s(sign * grid.vgs_max)} {s(sign * grid.vgs_step)}")
    return assemble(f"lifspice gm/Id sweep {kind} vsb={vsb:g}", lines), vectors


def _collect(kind: str, grid: GmidGrid, res, out: dict[str, np.ndarray], k_vsb: int,
             pdk_name: str = "sky130") -> None:
    n_vgs = grid.vgs.size
    for dev in _devices(grid):
        idx = (dev.li, dev.wi, k_vsb, dev.di)
        w = grid.widths[dev.wi]
        # ngspice's branch current flows into the + terminal: minus it is the drain current
        i_d = -np.asarray(res[f"i(vd{dev.name[2:]})"], float)
        if i_d.size != n_vgs:
            raise RuntimeError(f"sweep returned {i_d.size} points, expected {n_vgs}")
        sign = 1.0 if kind == "nfet" else -1.0
        out["id_w"][idx] = sign * i_d / w
        for param, q in _PARAMS.items():
            v = np.asarray(res[_vec(kind, dev, param, pdk_name)], float)
            if q in ("gm", "gds", "gmbs", "cgg"):
                out[q + "_w"][idx] = v / w
            else:
                out[q][idx] = abs(v) if kind == "pfet" else v


def corner_library(corner: str, temperature_c: float = 27.0, *, pdk: str = "sky130",
                   lib: Path | None = None) -> Path:
    """The library a sweep includes (``lib``: another sky130 install; gf180mcu's is per
    temperature)."""
    if pdk == "sky130":
        return sky130.corner_lib(corner, lib=lib)
    return get_pdk(pdk).corner_lib(corner, False, float(temperature_c))


def model_hash(corner: str, lib: Path | None = None, *, pdk: str = "sky130",
               temperature_c: float = 27.0) -> str:
    """sha256 (16 hex digits) of the corner library and every model file it includes."""
    lib_path = corner_library(corner, temperature_c, pdk=pdk, lib=lib)
    h = hashlib.sha256(lib_path.read_bytes())
    for target in include_targets(lib_path.read_text()):
        h.update(Path(resolve_include(str(lib_path), target)).read_bytes())
    return h.hexdigest()[:16]


def table_path(kind: str, corner: str, temperature_c: float, grid: GmidGrid,
               lib: Path | None = None, *, pdk: str = "sky130") -> Path:
    """Cache file of one table:
    ``cache_dir()/gmid/<models>/<pdk>_<kind>_<corner>_<T>C_<grid>.npz``."""
    g = hashlib.sha256((_FORMAT + grid.key()).encode()).hexdigest()[:10]
    return (sky130.cache_dir() / "gmid"
            / model_hash(corner, lib, pdk=pdk, temperature_c=temperature_c)
            / f"{pdk}_{kind}_{corner}_{temperature_c:g}C_{g}.npz")


def check_sweep_request(corner: str, temperatures: Sequence[float], workers: int,
                        pdk: str = "sky130") -> None:
    """Refuse, before any sweep, an unknown PDK, a corner the PDK lacks, a temperature
    outside the models' range (1000 degC would sweep for minutes to no purpose) or fewer
    than one worker; :class:`~lifspice.circuits.params.ParameterError` names the option."""
    cls = neuron_class(pdk)
    if corner not in cls.CORNERS:
        raise ParameterError(f"unknown {pdk} corner {corner!r} (corner, --corner); choose "
                             f"one of {', '.join(cls.CORNERS)}")
    lo, hi = cls.PROCESS.temperature_range_c
    for t in temperatures:
        if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not lo <= t <= hi:
            raise ParameterError(f"temperature {t!r} degC is outside {lo:g} .. {hi:g} degC "
                                 f"(temperature_c, --temp), where the {pdk} models are "
                                 "valid; give temperatures in degC inside it")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ParameterError(f"workers must be a whole number >= 1 (workers, --workers), got "
                             f"{workers!r}; 1 runs the sweeps one by one")


def _simulator(timeout: float = 600.0, pdk: str = "sky130"):
    """``ngspice -b`` with the PDK's init commands (one process per sweep)."""
    return NgspiceBatch(init_commands=tuple(get_pdk(pdk).init_commands()), timeout=timeout)


def sweep_table(kind: str, corner: str = "tt", temperature_c: float = 27.0, *,
                grid: GmidGrid | None = None, workers: int = 1,
                progress: Progress | None = None, lib: Path | None = None,
                pdk: str = "sky130") -> GmidTable:
    """Run the sweeps of one device kind (no cache) and return its
    :class:`~lifspice.analysis.gmid.GmidTable`.

    ``workers`` > 1 runs the V_SB sweeps in parallel, each its own ngspice process.
    """
    check_sweep_request(corner, (temperature_c,), workers, pdk)
    grid = grid or default_grid(pdk)
    grid.check(neuron_class(pdk).PROCESS)
    lib_path = str(corner_library(corner, temperature_c, pdk=pdk, lib=lib))
    sim = _simulator(pdk=pdk)
    shape = (len(grid.lengths), len(grid.widths), len(grid.vsb), len(grid.vds), grid.vgs.size)
    out = {q: np.full(shape, np.nan) for q in QUANTITIES}
    t0 = time.perf_counter()
    stage = f"gm/Id {pdk} {kind} {corner} {temperature_c:g} C"

    def one(k: int):
        net, vectors = sweep_netlist(kind, grid, vsb=grid.vsb[k], lib_path=lib_path,
                                     temperature_c=temperature_c, pdk=pdk)
        return k, sim.run(net, vectors=vectors)

    done = 0
    if progress:
        progress(stage, 0, len(grid.vsb))
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for k, res in ex.map(one, range(len(grid.vsb))):
            _collect(kind, grid, res, out, k, pdk)
            done += 1
            if progress:
                progress(stage, done, len(grid.vsb))
    log.info("%s swept in %.1f s", stage, time.perf_counter() - t0)
    return GmidTable(kind=kind, corner=corner, temperature_c=float(temperature_c),
                     lengths=np.asarray(grid.lengths), widths=np.asarray(grid.widths),
                     vsb=np.asarray(grid.vsb), vds=np.asarray(grid.vds), vgs=grid.vgs,
                     data=out, model_hash=model_hash(corner, lib, pdk=pdk,
                                                     temperature_c=temperature_c))


def gmid_table(kind: str, corner: str = "tt", temperature_c: float = 27.0, *,
               grid: GmidGrid | None = None, regenerate: bool = False, workers: int = 2,
               progress: Progress | None = None, lib: Path | None = None,
               pdk: str = "sky130") -> GmidTable:
    """The gm/Id table of ``kind`` at a corner and temperature, from the cache if present.

    Parameters
    ----------
    kind : {'nfet', 'pfet'}
    corner : str
        Process corner (``tt ss ff sf fs``).
    temperature_c : float
        degC, inside the models' range (-40 .. 125 for both PDKs).
    grid : GmidGrid, optional
        The PDK's :func:`~lifspice.flows.gmid.default_grid` by default; part of the cache key.
    regenerate : bool
        Sweep again even if a cached table exists.
    workers : int
        Parallel ngspice processes (default 2).
    progress : callable(stage, done, total), optional
        Called as the sweeps finish.
    pdk : str
        ``sky130`` or ``gf180mcu`` (:mod:`lifspice.pdk.registry`). Part of the cache file name.
    """
    check_sweep_request(corner, (temperature_c,), workers, pdk)
    grid = grid or default_grid(pdk)
    path = table_path(kind, corner, temperature_c, grid, lib, pdk=pdk)
    if path.is_file() and not regenerate:
        try:
            return GmidTable.load(path)
        except (OSError, ValueError, KeyError) as exc:  # a damaged cache is regenerated
            log.warning("ignoring unreadable gm/Id cache %s (%s)", path, exc)
    table = sweep_table(kind, corner, temperature_c, grid=grid, workers=workers,
                        progress=progress, lib=lib, pdk=pdk)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    table.save(tmp)
    os.replace(tmp, path)
    return table


def gmid_tables(corner: str = "tt", temperatures: Sequence[float] = (27.0,), *,
                grid: GmidGrid | None = None, regenerate: bool = False, workers: int = 2,
                progress: Progress | None = None, pdk: str = "sky130") -> GmidTables:
    """nfet and pfet tables of ``pdk`` at every temperature in ``temperatures`` (degC),
    cached."""
    check_sweep_request(corner, temperatures, workers, pdk)
    tables = {}
    for t in temperatures:
        for kind in KINDS:
            tables[(kind, float(t))] = gmid_table(kind, corner, t, grid=grid,
                                                  regenerate=regenerate, workers=workers,
                                                  progress=progress, pdk=pdk)
    return GmidTables(corner, tables, pdk=pdk)


def pelgrom_coefficients(corner: str = "tt", lib: Path | None = None, *,
                         pdk: str = "sky130") -> Mismatch:
    """The PDK's own mismatch coefficients, read from its model files, as a
    :class:`~lifspice.analysis.sizing.mismatch.Mismatch` (SI: V m and m).

    sky130: the ``sw_mm_vth0_sky130_fd_pr__{n,p}fet_01v8`` values of the files the corner
    includes (V um: per-device sigma(V_th) = value / sqrt(W L / um^2)) and ``sw_mm_cmim``
    (sigma(C)/C times sqrt of the area in um^2). gf180mcu: ``par_vth`` of ``nmos_3p3`` /
    ``pmos_3p3`` (:func:`lifspice.pdk.gf180mcu.pelgrom`, a pair's A_VT; each device draws
    0.7071 of it), and no MIM term: its model file varies the MIM capacitors only globally
    (``mimcap_statistical``), so two capacitors of a neuron match exactly in its Monte Carlo.
    """
    c = get_pdk(pdk).pelgrom(corner, lib)  # an unknown name fails here, listing the known
    return Mismatch(a_vt_nfet=c["nfet"], a_vt_pfet=c["pfet"], a_mim=c["cap"])


def op_point_netlist(kind: str, *, w: float, length: float, vgs: float, vds: float,
                     vsb: float = 0.0, lib_path: str, temperature_c: float = 27.0,
                     pdk: str = "sky130") -> str:
    """One device at one bias (magnitudes, V; sizes m), ``.op``: for independent checks."""
    sign = 1.0 if kind == "nfet" else -1.0
    s = spice_number
    process = neuron_class(pdk).PROCESS
    lines = [f'.include "{lib_path}"', f".temp {s(temperature_c)}",
             ".options gmin=1e-15 abstol=1e-16 reltol=1e-5",
             f"VG g 0 DC {s(sign * vgs)}", f"VD d 0 DC {s(sign * vds)}",
             f"VB b 0 DC {s(-sign * vsb)}",
             process.fet("op", "d", "g", "0", "b", kind, w, length),
             ".save " + " ".join(op_point_vectors(kind, pdk)), ".op"]
    return assemble(f"lifspice op point {kind}", lines)


def op_point_vectors(kind: str, pdk: str = "sky130") -> list[str]:
    return ["i(vd)", *(f"@m.xop.{_inner(pdk, kind)}[{p}]" for p in _PARAMS)]


__all__ = ["MODELS", "GmidGrid", "corner_library", "default_grid", "gmid_table",
           "gmid_tables", "model_hash", "op_point_netlist", "op_point_vectors",
           "pelgrom_coefficients", "sweep_netlist", "sweep_table", "table_path"]
