"""Readers of bench measurements: F-I tables, spike times, membrane traces.

The kind is detected from the columns (SI units in the names, as everywhere in the kit):

* F-I table: ``i_A, f_Hz`` (optional ``f_std_Hz`` or ``n_spikes``);
* spike times: ``i_A, t_s`` (one row per spike; an empty ``t_s`` marks a silent current);
* membrane trace: ``t_s, v_V`` (optional ``i_A``, the input at each sample).

Any of them may carry a ``neuron`` column (and a ``die`` column) for many neurons in one
file. CSV (comma, semicolon or tab separated; ``#`` comment lines), NPZ (one array per
column) and Parquet (with pyarrow installed). Empty and ``nan`` cells are kept as NaN and
dropped, with a note, by the fit. A file that cannot be read raises
:class:`MeasurementFileError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lifspice.circuits.params import ParameterError

__all__ = ["KINDS", "Measurement", "MeasurementFileError", "read_measurements"]

#: kind -> (required columns, optional numeric columns)
KINDS = {
    "trace": (("t_s", "v_V"), ("i_A",)),
    "spikes": (("i_A", "t_s"), ()),
    "fi": (("i_A", "f_Hz"), ("f_std_Hz", "n_spikes")),
}
LABELS = ("neuron", "die")
_NOT_SI = re.compile(r"^(i|f|t|v|f_std)_(p|n|u|µ|m|k|M|G)(A|Hz|s|V)$")


class MeasurementFileError(ParameterError):
    """A measurement file cannot be read; the message names the file, line and column."""


@dataclass(frozen=True)
class Measurement:
    """The columns of one measurement file.

    Attributes
    ----------
    path : pathlib.Path
    kind : {"fi", "spikes", "trace"}
    columns : dict
        column name -> float array (SI).
    neuron : numpy.ndarray
        Label of each row (``"<file stem>"`` when the file has no ``neuron`` column; with a
        ``die`` column, ``"<die>/<neuron>"``).
    lines : numpy.ndarray
        The file line of each row (for messages).
    """

    path: Path
    kind: str
    columns: dict
    neuron: np.ndarray
    lines: np.ndarray = field(repr=False)

    def neurons(self) -> list[str]:
        """Labels in the order they first appear."""
        return list(dict.fromkeys(self.neuron.tolist()))

    def rows_of(self, label: str) -> dict:
        """The columns of one neuron's rows."""
        m = self.neuron == label
        return {k: v[m] for k, v in self.columns.items()}


def _kind(path: Path, names: list[str]) -> str:
    for name in names:
        if _NOT_SI.match(name):
            raise MeasurementFileError(
                f"{path}: column {name!r} is not in SI units; convert it and name it "
                f"{name.split('_')[0] + '_' + _NOT_SI.match(name).group(3)}")
    for kind, (required, _) in KINDS.items():
        if all(r in names for r in required):
            return kind
    raise MeasurementFileError(
        f"{path}: columns {names} are none of an F-I table (i_A, f_Hz), spike times (i_A, "
        "t_s) or a trace (t_s, v_V); name the columns with their SI units")


def _float(text: str, path: Path, line: int, name: str) -> float:
    text = text.strip()
    if text == "" or text.lower() in ("nan", "na", "n/a"):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise MeasurementFileError(f"{path} line {line}, column {name}: {text[:40]!r} is not a "
                                   "number; give SI values (1e-10, not 100p)") from None


def _read_csv(path: Path) -> tuple[list[str], dict[str, list[str]], list[int]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MeasurementFileError(f"{path}: not a text file (CSV expected; NPZ and Parquet "
                                   "need their extension)") from None
    lines = [(k + 1, ln) for k, ln in enumerate(text.splitlines())
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise MeasurementFileError(f"{path}: the file is empty; it needs a header line of "
                                   "column names and rows of values")
    sample = "\n".join(ln for _, ln in lines[:5])
    delim = max(",;\t", key=sample.count)
    rows = list(csv.reader([ln for _, ln in lines], delimiter=delim))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) < len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise MeasurementFileError(f"{path} line {lines[0][0]}: column {dup[0]} appears twice")
    cells: dict[str, list[str]] = {h: [] for h in header}
    for (number, _), row in zip(lines[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise MeasurementFileError(f"{path} line {number}: {len(row)} cells for "
                                       f"{len(header)} columns ({', '.join(header)})")
        for h, c in zip(header, row, strict=True):
            cells[h].append(c)
    if not rows[1:]:
        raise MeasurementFileError(f"{path}: a header and no rows of values")
    return header, cells, [n for n, _ in lines[1:]]


def _read_table(path: Path) -> tuple[list[str], dict[str, list], list[int]]:
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                cells = {k: [str(x) for x in np.ravel(z[k])] for k in z.files}
        except (OSError, ValueError) as e:
            raise MeasurementFileError(f"{path}: not a readable NPZ file ({e})") from None
    elif suffix in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq
            frame = pq.read_table(path).to_pydict()
        except ImportError:
            raise MeasurementFileError(f"{path}: reading Parquet needs pyarrow (pip install "
                                       "pyarrow), or give the table as CSV") from None
        except (OSError, ValueError) as e:
            raise MeasurementFileError(f"{path}: not a readable Parquet file ({e})") from None
        cells = {str(k): [str(x) for x in v] for k, v in frame.items()}
    else:
        return _read_csv(path)
    sizes = {len(v) for v in cells.values()}
    if len(sizes) > 1:
        raise MeasurementFileError(f"{path}: columns of different lengths {sorted(sizes)}")
    n = sizes.pop() if sizes else 0
    return list(cells), cells, list(range(1, n + 1))


def read_measurements(path: str | os.PathLike[str]) -> Measurement:
    """Read one measurement file (CSV, NPZ, Parquet); its kind from its columns.

    Raises
    ------
    MeasurementFileError
        Naming the file, and the line and column of the first bad cell.
    """
    path = Path(path)
    if not path.is_file():
        raise MeasurementFileError(f"{path}: no such file; give a CSV, NPZ or Parquet file "
                                   "of measurements")
    header, cells, lines = _read_table(path)
    kind = _kind(path, header)
    required, optional = KINDS[kind]
    columns = {}
    for name in (*required, *optional):
        if name in cells:
            columns[name] = np.array([_float(c, path, ln, name)
                                      for c, ln in zip(cells[name], lines, strict=True)])
    _check_values(path, kind, columns, np.asarray(lines))
    neuron = np.array(cells["neuron"] if "neuron" in cells else [path.stem] * len(lines),
                      dtype=object).astype(str)
    if "die" in cells:
        neuron = np.array([f"{d}/{n}" for d, n in zip(cells["die"], neuron, strict=True)])
    return Measurement(path, kind, columns, neuron, np.asarray(lines))


def _check_values(path: Path, kind: str, columns: dict, lines: np.ndarray) -> None:
    def refuse(name, mask, what):
        k = int(np.argmax(mask))
        raise MeasurementFileError(f"{path} line {lines[k]}, column {name}: "
                                   f"{columns[name][k]!r} {what}")

    for name in ("f_Hz", "f_std_Hz", "n_spikes"):
        if name in columns and np.any(columns[name] < 0):
            refuse(name, columns[name] < 0, "is negative; rates, their spread and spike "
                                            "counts are >= 0")
    for name, col in columns.items():
        if np.any(np.isinf(col)):
            refuse(name, np.isinf(col), "is infinite; give a finite value or leave it empty")
    if kind == "trace":
        t = columns["t_s"]
        if np.any(np.isnan(t)):
            refuse("t_s", np.isnan(t), "is empty: every trace sample needs its time")
        back = np.diff(t) <= 0
        if np.any(back):
            k = int(np.argmax(back)) + 1
            raise MeasurementFileError(
                f"{path} line {lines[k]}, column t_s: time {t[k]!r} s does not increase "
                f"(previous {t[k - 1]!r} s); a trace's samples must be in time order")
    elif np.all(np.isnan(columns["i_A"])):
        raise MeasurementFileError(f"{path}: column i_A holds no value")
