"""Progress for the command line, on stderr; flows take a callback instead.

On a terminal, one tqdm bar per stage. Elsewhere (CI logs, pipes, a notebook's subprocess)
a bar would be invisible, so a plain line per stage at most every ``LINE_EVERY_S`` seconds,
and one when the stage is done.
"""

from __future__ import annotations

import sys
import time

LINE_EVERY_S = 5.0


def progress_printer(*, stream=None, tty: bool | None = None, **bar_options):
    """``progress(stage, done, total)`` for the CLI; ``bar_options`` go to tqdm (e.g.
    ``unit``). ``tty`` forces bars (True) or lines (False); default: whether ``stream``
    (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    if tty is None:
        tty = bool(getattr(stream, "isatty", lambda: False)())
    return _bars(stream, bar_options) if tty else _lines(stream, bar_options.get("unit", ""))


def _bars(stream, bar_options):
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, leave=True, file=stream,
                               **bar_options)
        bar = bars[stage]
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress


def _lines(stream, unit: str):
    started: dict[str, float] = {}
    last: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        started.setdefault(stage, now)
        if done < total and now - last.get(stage, started[stage]) < LINE_EVERY_S:
            return
        last[stage] = now
        what = f" {unit}s" if unit and total > 1 else ""
        print(f"{stage}: {done}/{total}{what} ({now - started[stage]:.0f} s)", file=stream,
              flush=True)

    return progress
