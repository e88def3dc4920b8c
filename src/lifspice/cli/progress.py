"""Progress bars for the command line (tqdm on stderr); flows take a callback instead."""

from __future__ import annotations

import sys


def progress_printer(**bar_options):
    """``progress(stage, done, total)`` drawing one tqdm bar per stage on stderr;
    ``bar_options`` go to tqdm (e.g. ``unit``)."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, leave=True, file=sys.stderr,
                               disable=None, **bar_options)
        bar = bars[stage]
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress
