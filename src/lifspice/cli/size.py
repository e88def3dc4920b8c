"""``lifspice gmid`` and ``lifspice size``: gm/Id tables of the PDK and the tau_m sizer.

Only argparse at module level (the parser is built for every command); the handlers import
what they need.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from lifspice.analysis.plots.gmid import save_gmid_figures
from lifspice.analysis.sizing import NEURONS, SizingTargets
from lifspice.circuits.cmos.neuron import TEMPERATURE_RANGE_C
from lifspice.cli.options import whole_number
from lifspice.cli.progress import progress_printer
from lifspice.flows.gmid import gmid_tables
from lifspice.flows.sizing import init_commands, load_inputs, size_and_verify, write_sizing
from lifspice.io.summaries import sizing_summary
from lifspice.pdk.sky130 import CORNERS
from lifspice.sim.backends import make_simulator

_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3, "": 1.0,
           "k": 1e3, "meg": 1e6, "M": 1e6, "G": 1e9}
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(meg|[fpnuµmkMG]?)"
                     r"\s*(.*?)\s*$")


def parse_si(text: str, unit: str = "") -> float:
    """A number with an optional SI prefix and unit: ``20ms``, ``100us``, ``5pF``, ``0.9``,
    ``1e-3``, ``5%`` (a fraction). ``unit`` is the expected unit (``s``, ``F``, ``V``, ``W``,
    ``Hz``, ``A``, ``um2`` for areas: ``20000um2`` is 2e-8 m^2)."""
    s = str(text).strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    if unit == "um2":
        m = re.match(r"^(.*?)(um2|um\^2)$", s)
        if m:
            return float(m.group(1)) * 1e-12
        return float(s)  # m^2
    m = _NUMBER.match(s)
    if not m:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    value, prefix, rest = m.groups()
    if rest and rest != unit:
        # "m" alone could be a prefix without unit ("20m" = 0.02)
        raise argparse.ArgumentTypeError(f"{text!r}: expected a value in {unit or 'SI units'}")
    return float(value) * _PREFIX[prefix]


def _si(unit: str = "", *, positive: bool = False):
    def conv(text: str) -> float:
        try:
            value = parse_si(text, unit)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        if not math.isfinite(value) or (positive and not value > 0):
            raise argparse.ArgumentTypeError(
                f"{text!r} must be a finite{' positive' if positive else ''} value"
                + (f" in {unit}" if unit else ""))
        return value
    conv.__name__ = f"value in {unit}" if unit else "number"
    return conv


def _temperature(text: str) -> float:
    """One temperature in degC inside the models' range
    (:data:`~lifspice.circuits.cmos.neuron.TEMPERATURE_RANGE_C`)."""
    lo, hi = TEMPERATURE_RANGE_C
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a temperature in degC: {text!r}") from None
    if not lo <= value <= hi:  # also NaN
        raise argparse.ArgumentTypeError(
            f"{text!r} degC is outside {lo:g} .. {hi:g} degC, where the models (sky130, "
            "gf180mcu) are valid; give a temperature in degC inside it")
    return value


def _temps(text: str) -> tuple[float, ...]:
    """``-40,85`` or ``-40..85`` (the two ends and 27 degC) or ``27``."""
    parts = re.split(r"\s*(?:,|\.\.)\s*", text.strip())
    values = [_temperature(p) for p in parts if p]
    if not values:
        raise argparse.ArgumentTypeError(f"temperatures in degC, e.g. -40,85: {text!r}")
    if ".." in text and len(values) == 2 and values[0] < 27 < values[1]:
        values.append(27.0)
    return tuple(sorted(set(values)))


def _fraction(text: str) -> float:
    """A tolerance: a fraction in (0, 0.5], e.g. 0.02 or 2%."""
    value = parse_si(text)
    if not 0 < value <= 0.5:  # also NaN
        raise argparse.ArgumentTypeError(f"{text!r} must be a fraction in (0, 0.5], e.g. "
                                         "0.02 or 2%")
    return value


def register(subparsers) -> None:
    g = subparsers.add_parser(
        "gmid", help="(re)generate a PDK's gm/Id tables and plot the classic curves",
        description="Sweep the PDK's nMOS and pMOS (sky130 nfet_01v8 / pfet_01v8, gf180mcu "
        "nmos_3p3 / pmos_3p3) with ngspice (L, W, V_GS, V_DS, V_SB), "
        "cache the tables and plot gm/Id against I_D/W, the intrinsic gain gm/gds and "
        "gm/(2 pi Cgg) into PNGs; the tables are also written as NetCDF (or .npz).")
    g.add_argument("--corner", default="tt", choices=CORNERS, help="process corner (default tt)")
    g.add_argument("--pdk", default="sky130", choices=tuple(NEURONS),
                   help="PDK whose devices are swept (default sky130)")
    g.add_argument("--temp", type=_temps, default=(27.0,),
                   help="temperature(s) in degC, e.g. 27 or -40,27,85 (default 27; the models hold "
                        "over -40 .. 125 degC)")
    g.add_argument("--out", type=Path, default=Path("gmid"), help="output folder (default gmid)")
    g.add_argument("--use-cache", action="store_true",
                   help="reuse cached tables instead of sweeping again")
    g.add_argument("--vds", type=_si("V"), default=0.9, help="V_DS of the plots (default 0.9)")
    g.add_argument("--workers", type=whole_number(1, "--workers 1 runs the sweeps one by one"),
                   default=2,
                   help="parallel ngspice processes (2)")
    g.set_defaults(handler=cmd_gmid)

    s = subparsers.add_parser(
        "size", help="size a sky130 or gf180mcu neuron for a target tau_m and verify it by "
        "simulation",
        description="Choose C, the OTA bias and W/L, comparator, reset and refractory sizes "
        "for a target tau_m from the gm/Id tables, then simulate the neuron and correct the "
        "bias until the simulated tau_m is within --tol. Writes DIR/design.toml (for "
        "`lifspice characterize --design`), DIR/netlists/ and DIR/sizing.json. Values take "
        "SI prefixes: 20ms, 100us, 5pF, 1uW.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("--tau", type=_si("s", positive=True), required=True,
                   help="target tau_m, e.g. 20ms")
    s.add_argument("--vth", type=_si("V"), default=0.8, help="threshold, V")
    s.add_argument("--vrest", type=_si("V"), default=0.4, help="resting potential, V")
    s.add_argument("--vreset", type=_si("V"), default=0.4, help="reset potential, V")
    s.add_argument("--tref", type=_si("s", positive=True), default=2e-3, help="refractory time, s")
    s.add_argument("--max-rate", type=_si("Hz", positive=True), default=None,
                   help="highest firing rate wanted, Hz (reports the input current it needs)")
    s.add_argument("--sigma-tau", type=_si(positive=True), default=0.05,
                   help="budget of sigma(tau_m)/tau_m (0.05 or 5%%)")
    s.add_argument("--sigma-vth", type=_si("V", positive=True), default=0.01,
                   help="budget of sigma(V_th), V")
    s.add_argument("--area", type=_si("um2", positive=True), default=20000e-12,
                   help="area budget, m^2 or e.g. 20000um2")
    s.add_argument("--power", type=_si("W", positive=True), default=1e-6,
                   help="static power budget, W")
    s.add_argument("--corner", default="tt", choices=CORNERS, help="process corner")
    s.add_argument("--temp", type=_temperature, default=27.0,
                   help="degC at which tau_m is met (-40 .. 125)")
    s.add_argument("--temp-range", type=_temps, default=None,
                   help="degC where the design must work (leakage), e.g. -40..85 "
                        "(default: --temp only)")
    s.add_argument("--topology", choices=("reference", "lean"), default="reference",
                   help="topology: reference (31 transistors) or lean (24)")
    s.add_argument("--pdk", choices=tuple(NEURONS), default="sky130",
                   help="PDK of the neuron: sky130 (1.8 V devices, circuit sky130) or gf180mcu "
                        "(3.3 V nmos_3p3 / pmos_3p3, circuit gf180; its own gm/Id tables, "
                        "0.28 um shortest channel)")
    s.add_argument("--vdd", type=_si("V", positive=True), default=None,
                   help="supply, V (default: the PDK's nominal, 1.8 V sky130, 3.3 V gf180mcu)")
    s.add_argument("--tol", type=_fraction, default=0.02, help="tolerance on simulated tau_m")
    s.add_argument("--backend", choices=("shared", "batch"), default="shared",
                   help="ngspice backend for the verification")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.set_defaults(handler=cmd_size)


def cmd_gmid(args) -> int:
    tables = gmid_tables(args.corner, args.temp, regenerate=not args.use_cache,
                         workers=args.workers, progress=progress_printer(), pdk=args.pdk)
    args.out.mkdir(parents=True, exist_ok=True)
    for (kind, temp), table in sorted(tables.tables.items()):
        stem = args.out / (f"{kind}_{args.corner}_{temp:g}C" if args.pdk == "sky130"
                           else f"{args.pdk}_{kind}_{args.corner}_{temp:g}C")
        try:
            path = table.save_netcdf(stem.with_suffix(".nc"))
        except ImportError:  # xarray / h5netcdf are the optional 'sweep' extra
            path = table.save(stem.with_suffix(".npz"))
        print(path)
    for path in save_gmid_figures(tables, args.out, vds=args.vds):
        print(path)
    return 0


def cmd_size(args) -> int:
    targets = SizingTargets(
        tau_m=args.tau, v_rest=args.vrest, v_th=args.vth, v_reset=args.vreset, t_ref=args.tref,
        max_rate=args.max_rate, sigma_tau_rel=args.sigma_tau, sigma_vth=args.sigma_vth,
        area_max=args.area, power_max=args.power, corner=args.corner, temperature_c=args.temp,
        temperature_range=args.temp_range or (args.temp,), topology=args.topology,
        pdk=args.pdk, vdd=args.vdd)
    progress = progress_printer()
    tables, mm = load_inputs(targets, progress=progress)
    sim = make_simulator(args.backend, init_commands(targets))
    result = size_and_verify(targets, tables=tables, mismatch=mm, sim=sim, tol=args.tol,
                             progress=progress)
    paths = write_sizing(result, args.out)
    print(sizing_summary(result))
    print(f"\nwrote {paths['design']}, {paths['sizing']}, {args.out / 'netlists'}/")
    return 0 if result.success else 1
