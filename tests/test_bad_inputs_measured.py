"""Bad inputs of ``lifspice fit``: one line, exit 2, the file, line and column (or option)
named, found before any fit or simulation. Format: tests/badinput.py."""

from __future__ import annotations

import io

import numpy as np
import pytest
from badinput import check_error

FI = "i_A,f_Hz\n5e-11,20\n6e-11,35\n8e-11,60\n1e-10,80\n"


def fit(*files: str, extra=()) -> list[str]:
    return ["fit", *[f"{{tmp}}/{f}" for f in files], "--out", "{tmp}/o", "--bootstrap", "0",
            *extra]


def _npz_bytes() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, i_A=np.array([1e-10, 2e-10]), f_Hz=np.array([1.0]))
    return buf.getvalue()


CASES = [
    # files that cannot be read
    (fit("nope.csv"), ["nope.csv", "no such file"], {}),
    (fit("e.csv"), ["e.csv", "empty"], {"e.csv": "# only a comment\n"}),
    (fit("h.csv"), ["h.csv", "no rows"], {"h.csv": "i_A,f_Hz\n"}),
    (fit("b.csv"), ["b.csv", "not a text file"], {"b.csv": b"\xff\xfe\x00\x81binary"}),
    (fit("n.npz"), ["n.npz", "NPZ"], {"n.npz": b"not a zip"}),
    (fit("l.npz"), ["l.npz", "different lengths"], {"l.npz": _npz_bytes()}),
    # columns
    (fit("c.csv"), ["c.csv", "i_A, f_Hz", "t_s, v_V"], {"c.csv": "x,y\n1,2\n"}),
    (fit("k.csv"), ["k.csv", "f_kHz", "SI"], {"k.csv": "i_A,f_kHz\n1e-10,0.02\n"}),
    (fit("p.csv"), ["p.csv", "i_pA", "SI"], {"p.csv": "i_pA,f_Hz\n100,20\n"}),
    (fit("d.csv"), ["d.csv", "line 1", "f_Hz", "twice"], {"d.csv": "i_A,f_Hz,f_Hz\n1,2,3\n"}),
    # cells: file, line, column
    (fit("x.csv"), ["x.csv", "line 3", "f_Hz", "'abc'"],
     {"x.csv": "i_A,f_Hz\n5e-11,20\n6e-11,abc\n"}),
    (fit("u.csv"), ["u.csv", "line 2", "i_A", "'100p'"], {"u.csv": "i_A,f_Hz\n100p,20\n"}),
    (fit("r.csv"), ["r.csv", "line 4", "cells"], {"r.csv": "i_A,f_Hz\n5e-11,20\n# note\n1,2,3\n"}),
    (fit("g.csv"), ["g.csv", "line 3", "f_Hz", "negative"],
     {"g.csv": "i_A,f_Hz\n5e-11,20\n6e-11,-3\n"}),
    (fit("s.csv"), ["s.csv", "line 2", "f_std_Hz", "negative"],
     {"s.csv": "i_A,f_Hz,f_std_Hz\n5e-11,20,-1\n"}),
    (fit("i.csv"), ["i.csv", "line 3", "f_Hz", "infinite"],
     {"i.csv": "i_A,f_Hz\n5e-11,20\n6e-11,inf\n"}),
    (fit("t.csv"), ["t.csv", "line 4", "t_s", "does not increase"],
     {"t.csv": "t_s,v_V\n0,0.1\n1e-4,0.2\n1e-4,0.3\n"}),
    (fit("te.csv"), ["te.csv", "line 3", "t_s", "empty"],
     {"te.csv": "t_s,v_V\n0,0.1\n,0.2\n"}),
    (fit("ni.csv"), ["ni.csv", "i_A", "no value"], {"ni.csv": "i_A,f_Hz\n,20\nnan,30\n"}),
    # data a fit cannot use: the neuron named
    (fit("one.csv"), ["neuron one", "fewer than two firing"],
     {"one.csv": "i_A,f_Hz\n5e-11,0\n6e-11,35\n"}),
    (fit("dn.csv"), ["neuron dn", "do not rise"],
     {"dn.csv": "i_A,f_Hz\n5e-11,90\n6e-11,60\n8e-11,40\n1e-10,41\n"}),
    (fit("tr.csv"), ["tr.csv", "--current"],
     {"tr.csv": "t_s,v_V\n" + "".join(f"{k * 1e-4},{0.1 + (k % 10) * 0.05}\n"
                                      for k in range(60))}),
    (fit("flat.csv", extra=["--current", "1e-10"]), ["flat", "0 spike"],
     {"flat.csv": "t_s,v_V\n" + "".join(f"{k * 1e-4},0.3\n" for k in range(60))}),
    # options
    (fit("fi.csv", extra=["--montecarlo", "{tmp}/mc"]), ["--montecarlo", "sweep.json"],
     {"fi.csv": FI, "mc": None}),
    (fit("fi.csv", extra=["--montecarlo", "{tmp}/mc2"]), ["samples.csv", "--resume"],
     {"fi.csv": FI, "mc2": None, "mc2/sweep.json": "{}"}),
    (fit("fi.csv", extra=["--model", "exotic"]), ["--model", "exotic"], {"fi.csv": FI}),
    (fit("fi.csv", extra=["--bootstrap", "-1"]), ["--bootstrap", ">= 0"], {"fi.csv": FI}),
    (fit("fi.csv", extra=["--current", "abc"]), ["--current", "abc"], {"fi.csv": FI}),
    (fit("fi.csv", extra=["--current", "nan"]), ["--current", "finite"], {"fi.csv": FI}),
    (fit("fi.csv", extra=["--design", "nosuchdesign"]), ["nosuchdesign"], {"fi.csv": FI}),
    (["fit", "{tmp}/fi.csv", "--out", "{tmp}/fi.csv"], ["--out", "is a file"],
     {"fi.csv": FI}),
]


@pytest.mark.parametrize("argv, named, files", CASES,
                         ids=[f"{k}-{c[1][0]}" for k, c in enumerate(CASES)])
def test_bad_input(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)


def test_parquet_without_pyarrow_names_the_fix(tmp_path, capsys):
    import pandas  # noqa: F401  (the sweep extra's; make test installs it)

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        check_error(fit("m.parquet"), ["m.parquet", "pyarrow"], {"m.parquet": b"PAR1"},
                    tmp_path, capsys)
    else:
        check_error(fit("m.parquet"), ["m.parquet", "Parquet"], {"m.parquet": b"PAR1"},
                    tmp_path, capsys)
