"""Long commands show progress also when stderr is not a terminal."""

from __future__ import annotations

import io

from lifspice.cli import progress as prog


def test_lines_when_not_a_terminal(monkeypatch):
    clock = iter([0.0, 1.0, 6.0, 7.0, 8.0])
    monkeypatch.setattr(prog.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    p = prog.progress_printer(stream=out, unit="sample")
    for done in (0, 1, 2, 3):
        p("montecarlo", done, 4)
    p("montecarlo", 4, 4)
    lines = out.getvalue().splitlines()
    # t=0 too soon after the start, t=6 is 6 s after it, t=7, 8 too soon, the end always
    assert lines == ["montecarlo: 2/4 samples (6 s)", "montecarlo: 4/4 samples (8 s)"]


def test_bars_on_a_terminal():
    out = io.StringIO()
    p = prog.progress_printer(stream=out, tty=True)
    p("F-I curve", 3, 3)
    assert "F-I curve" in out.getvalue() and "3/3" in out.getvalue()
