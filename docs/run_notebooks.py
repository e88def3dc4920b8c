"""Execute notebooks in place and store their outputs (``make notebooks``).

    python docs/run_notebooks.py [notebooks/*.ipynb]

Each notebook runs top to bottom in a fresh ``python3`` kernel of the interpreter that runs
this script (the project venv under ``make``), with its working directory set to a temporary
folder so that nothing it writes lands in the work tree, and Matplotlib's inline backend (not
``Agg``, which would drop the figures) so figures are stored as PNG outputs. Code cells are not touched; only outputs, execution counts
and the kernel metadata change. A notebook that raises is reported and left as it was on
disk; the script then exits non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def execute_in_place(path: Path, *, timeout: float = 900.0) -> float:
    """Run one notebook, write it back with outputs; return the wall time in s."""
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lifspice-nb-") as cwd:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": cwd}})
        client.execute()
    elapsed = time.perf_counter() - t0
    # nbclient stamps per-cell timing metadata; drop it so re-runs diff only in outputs
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path,
                    default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    ap.add_argument("--timeout", type=float, default=900.0, help="per cell, s")
    args = ap.parse_args(argv)
    # inherited by the kernel: a figure becomes an image/png output (Agg would show nothing)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    failed = []
    for path in args.notebooks:
        try:
            elapsed = execute_in_place(path, timeout=args.timeout)
        except CellExecutionError as exc:
            failed.append(path)
            print(f"FAILED {path}:\n{str(exc)[-2000:]}", file=sys.stderr)
            continue
        print(f"ok {path} ({elapsed:.0f} s)")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
