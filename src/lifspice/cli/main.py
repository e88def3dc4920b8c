"""The ``lifspice`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from lifspice import __version__
from lifspice.circuits.kinds import make_bench
from lifspice.circuits.params import ParameterError
from lifspice.cli import datasheet as cli_datasheet
from lifspice.cli import export as cli_export
from lifspice.cli import fit as cli_fit
from lifspice.cli import montecarlo as cli_montecarlo
from lifspice.cli import size as cli_size
from lifspice.cli.options import WORKERS_HINT, whole_number
from lifspice.cli.progress import progress_printer
from lifspice.flows.characterize import characterize
from lifspice.flows.fi import MIN_FIRING_POINTS
from lifspice.io.design import design_summary, load_design, reference_designs
from lifspice.io.golden import design_netlists
from lifspice.io.netlists import bundled_files, write_netlists
from lifspice.io.subckt_files import write_subckt
from lifspice.pdk.sky130 import PdkNotFoundError
from lifspice.sim.result import NgspiceNotFoundError, SimulationError

# Modules adding subcommands: each has ``register(subparsers)``, which adds its parsers and
# sets ``handler=<function(args) -> int>`` on them with ``set_defaults``. They must import
# nothing heavy at module level (the parser is built for every command).
SUBCOMMAND_MODULES = (cli_montecarlo, cli_size, cli_export, cli_fit, cli_datasheet)

EPILOG = """\
designs: a TOML or JSON file of flat keys in SI units (c_mem, g_leak, v_rest, v_th,
v_reset, t_ref, plus circuit keys), or the name of a shipped reference design
(`lifspice designs` lists them).  Examples:

  lifspice characterize                       # the default behavioral neuron into ./out
  lifspice characterize --design my.toml --out results/my
  lifspice netlist --design behavioral_saturating --out netlists/
"""


def _add_design(p):
    p.add_argument("--design", default="behavioral",
                   help="design file (.toml/.json) or reference design name "
                        "(default: behavioral)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="lifspice",
        description="Design silicon LIF neurons in ngspice and check them against theory.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"lifspice {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what is being run")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("characterize", help="simulate a design and write report.json, plots",
                       description="Simulate a design with ngspice: leak DC sweep, step "
                       "response, firing transient and F-I curve; fit the ideal and the "
                       "saturating-leak LIF; write netlists/, report.json, fi.csv and PNG "
                       "plots into --out and print a summary.")
    _add_design(c)
    c.add_argument("--out", default="out", type=Path, help="output folder (default: out)")
    c.add_argument("--points", default=16,
                   type=whole_number(MIN_FIRING_POINTS, "fewer points leave the "
                                              "fits no error estimate"),
                   help=f"F-I points (default 16; at least {MIN_FIRING_POINTS}, which all "
                        "fire: every point beyond that up to 3 goes below rheobase)")
    c.add_argument("--workers", type=whole_number(1, WORKERS_HINT),
                   default=None,
                   help="parallel ngspice processes for the F-I curve (default: all cores)")
    c.add_argument("--backend", choices=("shared", "batch"), default="shared",
                   help="ngspice shared library in-process (default) or `ngspice -b`")
    c.add_argument("--no-plots", action="store_true", help="skip the PNG plots")

    n = sub.add_parser("netlist", help="only write the netlists a characterization runs")
    _add_design(n)
    n.add_argument("--out", default="netlists", type=Path, help="output folder")
    n.add_argument("--subckt", action="store_true",
                   help="write the neuron as a .subckt file and a circuit = \"subckt\" design "
                        "file that measures it through its pins")
    n.add_argument("--bundle", action="store_true",
                   help="also copy the PDK model files the netlists include into OUT/models/ "
                        "(included by relative paths), so the folder runs on a machine "
                        "without the PDK")

    sub.add_parser("designs", help="list the shipped reference designs")
    for mod in SUBCOMMAND_MODULES:
        mod.register(sub)
    return ap


def cmd_characterize(args) -> int:
    ch = characterize(args.design, n_fi=args.points, workers=args.workers,
                      backend=args.backend, progress=progress_printer())
    ch.save(args.out, plots=not args.no_plots)
    print(ch.summary())
    print(f"\nwrote {args.out / 'report.json'}, fi.csv, netlists/"
          + ("" if args.no_plots else ", membrane.png, fi.png"))
    return 0


def cmd_netlist(args) -> int:
    design = load_design(args.design)
    if args.subckt:
        for path in write_subckt(design, args.out):
            print(path)
        return 0
    bench = make_bench(design)
    written = write_netlists(design_netlists(design), bench, args.out, bundle=args.bundle)
    for path in written.values():
        print(path)
    if args.bundle and bench.model_library is not None:
        print(bundled_files(args.out / bench.model_library.name).summary())
    return 0


def cmd_designs(args) -> int:

    names = reference_designs()
    width = max(len(n) for n in names)
    print("\n".join(f"{n:<{width}}  {design_summary(n)}" for n in names))
    return 0


def check_out_folder(out: Path) -> None:
    """Make the output folder, or refuse it before any simulation: an existing file, a path
    under a file, a folder without write permission."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                what = "is a file" if folder == out else f"is under the file {folder}"
                raise ParameterError(f"--out {out} {what}; give a folder (new or existing)")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise ParameterError(f"--out {out}: {folder} is not writable; give a folder "
                                     "you may write to")
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ParameterError(f"--out {out}: cannot create it ({e.strerror}); give a folder "
                             "you may write to") from None


def _interrupted(args) -> str:
    hint = ""
    if args.command == "montecarlo":
        hint = (f"; finished batches are kept in {args.out}: run the same command with "
                "--resume to continue")
    elif args.command == "datasheet":
        hint = (f"; finished stages and batches are kept in {args.out}: run the same command "
                "again to continue")
    return f"lifspice: interrupted{hint}"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message="Unsupported Ngspice version")
    handlers = {"characterize": cmd_characterize, "netlist": cmd_netlist,
                "designs": cmd_designs}
    handler = getattr(args, "handler", None) or handlers[args.command]
    try:
        out = getattr(args, "out", None)
        if isinstance(out, Path):  # a folder; for export, the file's
            check_out_folder(out.parent if args.command == "export" else out)
        return handler(args)
    except (ParameterError, FileNotFoundError, NgspiceNotFoundError, PdkNotFoundError,
            SimulationError) as e:
        print(f"lifspice: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
