"""gm/Id lookup tables of the sky130 ``nfet_01v8`` / ``pfet_01v8`` from ngspice DC sweeps.

One netlist per device kind and source-bulk voltage holds a copy of the transistor for every
(L, W, V_DS) of the grid, each with its own drain source, all sharing one gate source that
is swept; ngspice records the drain terminal current ``i(vd...)`` (channel plus junction and
GIDL leakage: what a real drain sinks) and the model's ``gm``, ``gds``, ``gmbs``, ``vth`` and
``cgg`` (``@m.<instance>.m<model>[...]``: the PDK's devices are subcircuits around one BSIM4
``M`` card). The pfet is swept with the source at 0 and negative gate/drain voltages;
the table stores magnitudes for both kinds (see :mod:`lifspice.analysis.gmid`).

Tables are cached as ``.npz`` under ``cache_dir()/gmid/`` with a key made of the model
files' contents (sha256), the corner, the temperature and the grid, so that later calls load
in milliseconds. Nothing runs at import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lifspice.analysis.gmid import KINDS, QUANTITIES, GmidTable, GmidTables
from lifspice.analysis.sizing import Mismatch
from lifspice.circuits.cmos.neuron import TEMPERATURE_RANGE_C
from lifspice.circuits.netlist import assemble, spice_number
from lifspice.circuits.params import ParameterError
from lifspice.pdk import sky130 as pdk
from lifspice.sim.batch import NgspiceBatch

log = logging.getLogger(__name__)

MODELS = {"nfet": pdk.DEVICES["nfet"], "pfet": pdk.DEVICES["pfet"]}
_FORMAT = "2"  # bumped when the netlist or the stored arrays change
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
        if min(self.lengths) < 0.15e-6 or min(self.widths) < 0.42e-6:
            raise ValueError("GmidGrid sizes are in metres and at least L 0.15e-6, W 0.42e-6")
        if not 0 < self.vgs_step <= 0.1 or not 0.2 < self.vgs_max <= 1.98:
            raise ValueError("GmidGrid: need 0 < vgs_step <= 0.1 V and vgs_max <= 1.98 V")

    @property
    def vgs(self) -> np.ndarray:
        """Gate-source voltages of the sweep, V."""
        n = round(self.vgs_max / self.vgs_step)
        return np.round(np.arange(n + 1) * self.vgs_step, 9)

    def key(self) -> str:
        return repr(sorted(asdict(self).items()))


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


def _vec(kind: str, dev: _Device, param: str) -> str:
    return f"@m.{dev.name}.m{MODELS[kind]}[{param}]"


def sweep_netlist(kind: str, grid: GmidGrid, *, vsb: float, lib_path: str,
                  temperature_c: float) -> tuple[str, list[str]]:
    """DC sweep netlist of every (L, W, V_DS) copy of ``kind`` at one V_SB, and its vectors.

    Pure text. The pfet is mirrored: source 0, gate and drain at minus the magnitudes, bulk
    at ``+vsb``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    sign = 1.0 if kind == "nfet" else -1.0
    s = spice_number
    lines = [f'.include "{lib_path}"', f".temp {s(temperature_c)}",
             # pA-scale currents: gmin would add a 1e-12 S fake leak per node
             ".options gmin=1e-15 abstol=1e-16 reltol=1e-5",
             "VG g 0 DC 0", f"VB b 0 DC {s(-sign * vsb)}"]
    vectors: list[str] = []
    for dev in _devices(grid):
        w, length = grid.widths[dev.wi], grid.lengths[dev.li]
        node = f"d{dev.li}_{dev.wi}_{dev.di}"
        lines.append(f"VD{dev.name[2:]} {node} 0 DC {s(sign * grid.vds[dev.di])}")
        lines.append(f"{dev.name.upper()} {node} g 0 b {MODELS[kind]} "
                     f"W={s(round(w * 1e6, 6))} L={s(round(length * 1e6, 6))} nf=1")
        vectors.append(f"i(vd{dev.name[2:]})")
        vectors += [_vec(kind, dev, p) for p in _PARAMS]
    lines.append(".save " + " ".join(vectors))
    lines.append(f".dc VG 0 {s(sign * grid.vgs_max)} {s(sign * grid.vgs_step)}")
    return assemble(f"lifspice gm/Id sweep {kind} vsb={vsb:g}", lines), vectors


def _collect(kind: str, grid: GmidGrid, res, out: dict[str, np.ndarray], k_vsb: int) -> None:
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
            v = np.asarray(res[_vec(kind, dev, param)], float)
            if q in ("gm", "gds", "gmbs", "cgg"):
                out[q + "_w"][idx] = v / w
            else:
                out[q][idx] = abs(v) if kind == "pfet" else v


def model_hash(corner: str, lib: Path | None = None) -> str:
    """sha256 (16 hex digits) of the corner library and every model file it includes."""
    lib_path = pdk.corner_lib(corner, lib=lib)
    h = hashlib.sha256(lib_path.read_bytes())
    for line in lib_path.read_text().splitlines():
        m = re.match(r'\.include\s+"(.+)"', line)
        if m:
            h.update(Path(m.group(1)).read_bytes())
    return h.hexdigest()[:16]


def table_path(kind: str, corner: str, temperature_c: float, grid: GmidGrid,
               lib: Path | None = None) -> Path:
    """Cache file of one table: ``cache_dir()/gmid/<models>/<kind>_<corner>_<T>C_<grid>.npz``."""
    g = hashlib.sha256((_FORMAT + grid.key()).encode()).hexdigest()[:10]
    return (pdk.cache_dir() / "gmid" / model_hash(corner, lib)
            / f"{kind}_{corner}_{temperature_c:g}C_{g}.npz")


def check_sweep_request(corner: str, temperatures: Sequence[float], workers: int) -> None:
    """Refuse, before any sweep, a corner the PDK lacks, a temperature outside the models'
    :data:`~lifspice.circuits.cmos.neuron.TEMPERATURE_RANGE_C` (1000 degC would sweep for minutes
    to no purpose) or fewer
    than one worker; :class:`~lifspice.circuits.params.ParameterError` names the option."""
    if corner not in pdk.CORNERS:
        raise ParameterError(f"unknown sky130 corner {corner!r} (corner, --corner); choose "
                             f"one of {', '.join(pdk.CORNERS)}")
    lo, hi = TEMPERATURE_RANGE_C
    for t in temperatures:
        if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not lo <= t <= hi:
            raise ParameterError(f"temperature {t!r} degC is outside {lo:g} .. {hi:g} degC "
                                 "(temperature_c, --temp), where the sky130 models are "
                                 "valid; give temperatures in degC inside it")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ParameterError(f"workers must be a whole number >= 1 (workers, --workers), got "
                             f"{workers!r}; 1 runs the sweeps one by one")


def _simulator(timeout: float = 600.0):
    """``ngspice -b`` with the sky130 ``.spiceinit`` (one process per sweep)."""

    return NgspiceBatch(init_commands=tuple(pdk.spiceinit_lines()), timeout=timeout)


def sweep_table(kind: str, corner: str = "tt", temperature_c: float = 27.0, *,
                grid: GmidGrid | None = None, workers: int = 1,
                progress: Progress | None = None, lib: Path | None = None) -> GmidTable:
    """Run the sweeps of one device kind (no cache) and return its
    :class:`~lifspice.analysis.gmid.GmidTable`.

    ``workers`` > 1 runs the V_SB sweeps in parallel, each its own ngspice process.
    """
    check_sweep_request(corner, (temperature_c,), workers)
    grid = grid or GmidGrid()
    lib_path = str(pdk.corner_lib(corner, lib=lib))
    sim = _simulator()
    shape = (len(grid.lengths), len(grid.widths), len(grid.vsb), len(grid.vds), grid.vgs.size)
    out = {q: np.full(shape, np.nan) for q in QUANTITIES}
    t0 = time.perf_counter()

    def one(k: int):
        net, vectors = sweep_netlist(kind, grid, vsb=grid.vsb[k], lib_path=lib_path,
                                     temperature_c=temperature_c)
        return k, sim.run(net, vectors=vectors)

    done = 0
    if progress:
        progress(f"gm/Id {kind} {corner} {temperature_c:g} C", 0, len(grid.vsb))
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for k, res in ex.map(one, range(len(grid.vsb))):
            _collect(kind, grid, res, out, k)
            done += 1
            if progress:
                progress(f"gm/Id {kind} {corner} {temperature_c:g} C", done, len(grid.vsb))
    log.info("gm/Id %s %s %g C swept in %.1f s", kind, corner, temperature_c,
             time.perf_counter() - t0)
    return GmidTable(kind=kind, corner=corner, temperature_c=float(temperature_c),
                     lengths=np.asarray(grid.lengths), widths=np.asarray(grid.widths),
                     vsb=np.asarray(grid.vsb), vds=np.asarray(grid.vds), vgs=grid.vgs,
                     data=out, model_hash=model_hash(corner, lib))


def gmid_table(kind: str, corner: str = "tt", temperature_c: float = 27.0, *,
               grid: GmidGrid | None = None, regenerate: bool = False, workers: int = 2,
               progress: Progress | None = None, lib: Path | None = None) -> GmidTable:
    """The gm/Id table of ``kind`` at a corner and temperature, from the cache if present.

    Parameters
    ----------
    kind : {'nfet', 'pfet'}
    corner : str
        Process corner (``tt ss ff sf fs``).
    temperature_c : float
        degC, inside -40 .. 125 (:data:`~lifspice.circuits.cmos.neuron.TEMPERATURE_RANGE_C`,
        where the models hold).
    grid : GmidGrid, optional
        Sweep grid (default :class:`GmidGrid`). Part of the cache key.
    regenerate : bool
        Sweep again even if a cached table exists.
    workers : int
        Parallel ngspice processes (default 2).
    progress : callable(stage, done, total), optional
        Called as the sweeps finish.
    """
    check_sweep_request(corner, (temperature_c,), workers)
    grid = grid or GmidGrid()
    path = table_path(kind, corner, temperature_c, grid, lib)
    if path.is_file() and not regenerate:
        try:
            return GmidTable.load(path)
        except (OSError, ValueError, KeyError) as exc:  # a damaged cache is regenerated
            log.warning("ignoring unreadable gm/Id cache %s (%s)", path, exc)
    table = sweep_table(kind, corner, temperature_c, grid=grid, workers=workers,
                        progress=progress, lib=lib)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    table.save(tmp)
    os.replace(tmp, path)
    return table


def gmid_tables(corner: str = "tt", temperatures: Sequence[float] = (27.0,), *,
                grid: GmidGrid | None = None, regenerate: bool = False, workers: int = 2,
                progress: Progress | None = None) -> GmidTables:
    """nfet and pfet tables at every temperature in ``temperatures`` (degC), cached."""
    check_sweep_request(corner, temperatures, workers)
    tables = {}
    for t in temperatures:
        for kind in KINDS:
            tables[(kind, float(t))] = gmid_table(kind, corner, t, grid=grid,
                                                  regenerate=regenerate, workers=workers,
                                                  progress=progress)
    return GmidTables(corner, tables)


def pelgrom_coefficients(corner: str = "tt", lib: Path | None = None):
    """The PDK's own mismatch coefficients, read from the model files the corner includes.

    Returns a :class:`~lifspice.analysis.sizing.mismatch.Mismatch` in SI units: the
    ``sw_mm_vth0_sky130_fd_pr__{n,p}fet_01v8`` values (V um in the files: per-device sigma(V_th) =
    value / sqrt(W L / um^2)) and ``sw_mm_cmim`` (sigma(C)/C times sqrt of the area in um^2),
    converted to V m and m.
    """

    names = {"sw_mm_vth0_sky130_fd_pr__nfet_01v8": "a_vt_nfet",
             "sw_mm_vth0_sky130_fd_pr__pfet_01v8": "a_vt_pfet", "sw_mm_cmim": "a_mim"}
    found: dict[str, float] = {}
    for line in pdk.corner_lib(corner, lib=lib).read_text().splitlines():
        m = re.match(r'\.include\s+"(.+)"', line)
        if not m:
            continue
        for name, value in re.findall(r"(?im)^\+?\s*(sw_mm_\w+)\s*=\s*([-+0-9.eE]+)",
                                      Path(m.group(1)).read_text(errors="replace")):
            if name.lower() in names:
                found[names[name.lower()]] = float(value) * 1e-6  # um -> m
    if len(found) != len(names):
        raise pdk.PdkNotFoundError(f"mismatch parameters {sorted(set(names.values()) - set(found))}"
                                   " not found in the sky130 model files")
    return Mismatch(**found)


def op_point_netlist(kind: str, *, w: float, length: float, vgs: float, vds: float,
                     vsb: float = 0.0, lib_path: str, temperature_c: float = 27.0) -> str:
    """One device at one bias (magnitudes, V; sizes m), ``.op``: for independent checks."""
    sign = 1.0 if kind == "nfet" else -1.0
    s = spice_number
    lines = [f'.include "{lib_path}"', f".temp {s(temperature_c)}",
             ".options gmin=1e-15 abstol=1e-16 reltol=1e-5",
             f"VG g 0 DC {s(sign * vgs)}", f"VD d 0 DC {s(sign * vds)}",
             f"VB b 0 DC {s(-sign * vsb)}",
             f"XOP d g 0 b {MODELS[kind]} W={s(round(w * 1e6, 6))} "
             f"L={s(round(length * 1e6, 6))} nf=1",
             ".save i(vd) " + " ".join(f"@m.xop.m{MODELS[kind]}[{p}]" for p in _PARAMS),
             ".op"]
    return assemble(f"lifspice op point {kind}", lines)


def op_point_vectors(kind: str) -> list[str]:
    return ["i(vd)", *(f"@m.xop.m{MODELS[kind]}[{p}]" for p in _PARAMS)]


__all__ = ["MODELS", "GmidGrid", "pelgrom_coefficients", "gmid_table", "gmid_tables", "model_hash",
           "op_point_netlist", "op_point_vectors", "sweep_netlist", "sweep_table",
           "table_path"]
