"""What a sweep folder holds before a run, checked before any simulation: the plan it was
started with (``sweep.json``), temporary files a killed run left, and batch files that cannot
be read (a run killed while the disk was full, a copy cut short).

A new sweep refuses a folder that holds one; a resumed sweep refuses another plan (naming the
settings that differ) and an unreadable ``sweep.json`` (naming the file and the fix). An
unreadable or foreign batch or floor file is renamed aside (``<name>.bad``) with a warning
and its batch is run again; stale ``.*.tmp`` files are removed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lifspice.circuits.params import ParameterError
from lifspice.flows.montecarlo.sweep_files import batch_path, read_rows

log = logging.getLogger(__name__)

MANIFEST = "sweep.json"
NOMINAL = "nominal.json"

# sweep.json key -> the option that sets it, for the message of a plan that differs
OPTION_OF = {"seed": "--seed", "n_samples": "--samples", "batch_size": "--batch-size",
             "currents_A": "--currents", "spreads": "--sigma", "corner": "--corner",
             "temperature_c": "--temp", "mismatch": "--no-mismatch", "mc": "--mc",
             "draw": "--draw", "design": "DESIGN", "circuit": "DESIGN"}


def check_folder(out: Path, plan_dict: dict, resume: bool) -> None:
    """Refuse ``out`` if it holds a sweep and this is not a resume, or holds another plan
    (or an unreadable one) and this is a resume. Writes nothing."""
    manifest = out / MANIFEST
    has_batches = any((out / "batches").glob("batch_*.nc"))
    if not resume:
        if manifest.exists() or has_batches:
            raise ParameterError(
                f"--out {out} already holds a Monte Carlo sweep ({manifest.name}"
                f"{', batches/' if has_batches else ''}); add --resume to finish it "
                "(resume=True), or choose another --out")
        return
    if not manifest.exists():
        if has_batches:
            raise ParameterError(
                f"--resume: {manifest} is missing, so the batches in {out / 'batches'} "
                "cannot be checked against this run's settings; delete the folder "
                f"{out} and run again without --resume, or choose another --out")
        return
    try:
        old = json.loads(manifest.read_text())
        if not isinstance(old, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as e:
        raise ParameterError(
            f"--resume: {manifest} is not a readable sweep plan ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:80]}), so the batches cannot be checked against this "
            f"run's settings; delete the folder {out} and run again without --resume, or "
            "choose another --out") from None
    old.setdefault("floor_samples", plan_dict["floor_samples"])  # sweeps before the key
    new = json.loads(json.dumps(plan_dict))
    if json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True):
        raise ParameterError(
            f"--resume: {out} holds a different sweep ({manifest.name}): "
            f"{plan_differences(old, new)}; resume with the settings it was started with, or "
            "choose another --out for the new settings")


def plan_differences(old: dict, new: dict) -> str:
    """``"--seed 9 there, 10 here; ..."``: the settings two plans differ in."""
    parts = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True):
            continue
        name = OPTION_OF.get(k, k)
        if k in ("design", "spreads") and isinstance(a, dict) and isinstance(b, dict):
            keys = [x for x in sorted(set(a) | set(b)) if a.get(x) != b.get(x)]
            parts.append(f"{name} ({', '.join(keys[:4])}) differs")
        else:
            parts.append(f"{name} {_short(a)} there, {_short(b)} here")
    return "; ".join(parts[:4]) or "the plan differs"


def _short(x) -> str:
    text = json.dumps(x)
    return text if len(text) <= 40 else text[:37] + "..."


def write_manifest(out: Path, plan_dict: dict) -> None:
    manifest = out / MANIFEST
    if not manifest.exists():
        manifest.write_text(json.dumps(plan_dict, indent=2) + "\n")


def remove_stale_tmp(out: Path) -> list[Path]:
    """Remove the ``.<name>.<pid>.tmp`` files (half-written batches) of runs that are gone;
    returns them."""
    removed = []
    for path in [*out.glob(".*.tmp"), *(out / "batches").glob(".*.tmp")]:
        pid = path.name.rsplit(".", 2)[-2]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another live run is writing it
        path.unlink(missing_ok=True)
        removed.append(path)
    if removed:
        log.info("removed %d stale temporary file(s) in %s", len(removed), out)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_nominal(out: Path) -> dict | None:
    """The nominal row in ``nominal.json``, or None (missing or unreadable: measured again)."""
    path = out / NOMINAL
    try:
        row = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        log.warning("%s is unreadable; measuring the nominal neuron again", path)
        return None
    return row if isinstance(row, dict) and "ok" in row else None


def set_aside(path: Path, why: str) -> Path:
    """Rename an unusable file to ``<name>.bad`` (replacing an older one), with a warning."""
    bad = path.with_name(path.name + ".bad")
    os.replace(path, bad)
    log.warning("%s %s; renamed it to %s and running its samples again", path, why, bad.name)
    return bad


def read_table_or_set_aside(path: Path, samples: Sequence[int] | None = None,
                            seeds: Sequence[int] | None = None) -> dict | None:
    """The columns of ``path``, or None after setting it aside: unreadable (truncated,
    corrupt), or not the expected ``samples`` / ``seeds`` (another sweep's file)."""
    try:
        cols = read_rows(path)
    except Exception as e:  # h5py/netCDF errors have no common base: any failure is "bad"
        set_aside(path, f"cannot be read ({type(e).__name__}: {str(e).splitlines()[0][:80]})"
                  if str(e) else f"cannot be read ({type(e).__name__})")
        return None
    if samples is not None and not np.array_equal(cols["sample"], np.asarray(samples)):
        set_aside(path, "holds other samples than its batch")
        return None
    if seeds is not None and not np.array_equal(cols["seed"], np.asarray(seeds)):
        set_aside(path, "holds other seeds than this sweep's")
        return None
    return cols


def written_batches(out: Path, n_batches: int, samples_of, seeds_of) -> dict[int, dict]:
    """Batch -> columns of the batch files ``out`` holds that are whole and this sweep's
    (``samples_of(b)``, ``seeds_of(b)``: what batch ``b`` must hold); the others are set
    aside, so their batches run again."""
    tables = {}
    for b in range(n_batches):
        path = batch_path(out, b)
        if path.exists():
            cols = read_table_or_set_aside(path, samples_of(b), seeds_of(b))
            if cols is not None:
                tables[b] = cols
    return tables
