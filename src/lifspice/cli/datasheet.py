"""``lifspice datasheet``: a spec-driven datasheet of one design (JSON, Markdown, HTML).

Registered through :data:`lifspice.cli.main.SUBCOMMAND_MODULES`; imports nothing heavy at
module level. A failing spec is a result: exit 0, unless ``--strict`` (then 1, with the
failing rows printed)."""

from __future__ import annotations

import sys
from pathlib import Path

from lifspice.api import datasheet
from lifspice.cli.options import WORKERS_HINT, whole_number
from lifspice.cli.progress import progress_printer
from lifspice.flows.datasheet import failing_text


def register(sub) -> None:
    d = sub.add_parser(
        "datasheet", help="measure a design against a spec: datasheet.json/.md/.html",
        description="Measure DESIGN over the conditions of a spec (nominal characterization, "
        "process corners x temperatures, supply voltages, mismatch Monte Carlo; each once) "
        "and write datasheet.json, datasheet.md (CACE's columns plus theory) and a "
        "self-contained datasheet.html into --out. Without --spec, the spec is derived from "
        "the sizing targets (a design written by `lifspice size`) or the design's own values. "
        "Running the same command again continues an interrupted run.")
    d.add_argument("design", help="design file or reference design name (lifspice designs)")
    d.add_argument("--spec", type=Path, default=None, metavar="SPEC",
                   help="spec file: TOML, or a CACE-style YAML datasheet (.yaml)")
    d.add_argument("--samples", type=whole_number(0, "give 0 for no Monte Carlo"),
                   default=None, metavar="N",
                   help="Monte Carlo samples (default: the spec's, else 100)")
    d.add_argument("--seed", type=whole_number(0), default=None, metavar="S",
                   help="Monte Carlo master seed (default: the spec's, else 1)")
    d.add_argument("--points", type=whole_number(6, "the F-I fits need 6 points"), default=12,
                   metavar="N",
                   help="F-I points of the nominal characterization (default 12)")
    d.add_argument("--workers", type=whole_number(1, WORKERS_HINT), default=None, metavar="N",
                   help="parallel ngspice processes (default: all cores)")
    d.add_argument("--strict", action="store_true",
                   help="exit 1 when a parameter fails (and print the failing rows)")
    d.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    d.set_defaults(handler=cmd_datasheet)


def cmd_datasheet(args) -> int:
    res = datasheet(args.design, spec=args.spec, samples=args.samples, seed=args.seed,
                    out=args.out, workers=args.workers, points=args.points,
                    progress=progress_printer())
    print(res.markdown)
    print(f"wrote {res.paths['json']}, datasheet.md, datasheet.html")
    if args.strict and res.failing:
        print(failing_text(res), file=sys.stderr)
        return 1
    return 0
