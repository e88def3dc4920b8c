"""A run killed with SIGKILL (an out-of-memory kill, a CI timeout) leaves no pool worker
behind: each worker watches its parent and exits within about a second of its death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent("""
    import os, sys, time
    from lifspice.sim.pool import SimPool

    def pid_then_block(sim, k):
        time.sleep(600 if k >= 2 else 2)  # k >= 2: a long simulation
        return os.getpid()

    if __name__ == "__main__":
        pool = SimPool(workers=2)
        pool.start()
        it = pool.imap(pid_then_block, range(4))
        pids = {next(it), next(it)}
        print(" ".join(map(str, sorted(pids))), flush=True)
        time.sleep(600)
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as gone: it holds no memory and no ngspice
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.slow
def test_sigkill_of_the_parent_leaves_no_worker(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(p) for p in pids)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5.0
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [p for p in pids if alive(p)]
        assert not survivors, f"workers {survivors} outlived their killed parent by 5 s"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        for p in pids:
            if alive(p):
                os.kill(p, signal.SIGKILL)
