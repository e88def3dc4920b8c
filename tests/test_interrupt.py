"""Ctrl-C in a Monte Carlo sweep, as a terminal sends it (SIGINT to the whole foreground
process group, the pool workers included): the command ends within seconds with status 130
and one line saying how to continue, leaves no worker process and no temporary file, keeps
its finished batches, and ``--resume`` then gives the numbers of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

LIFSPICE = str(Path(sys.executable).with_name("lifspice"))
# ~12 behavioral samples/s on 2 workers: 200 samples take ~17 s
ARGS = ["montecarlo", "behavioral", "--samples", "200", "--seed", "5", "--batch-size", "5",
        "--workers", "2", "--no-plots"]


def run(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([LIFSPICE, *ARGS, "--out", str(out), *extra], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_ctrl_c_stops_at_once_and_resume_finishes_the_same_sweep(tmp_path):
    out = tmp_path / "a"
    proc = subprocess.Popen([LIFSPICE, *ARGS, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while not list((out / "batches").glob("batch_*.nc")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert workers  # the pool's processes, running samples
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"Ctrl-C: exit {proc.returncode} after {took:.2f} s")
    assert took < 5.0  # measured ~0.5 s
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert f"lifspice: interrupted; finished batches are kept in {out}: run the same " \
           "command with --resume to continue" in err
    time.sleep(1.0)
    assert not [w.pid for w in workers if w.is_running() and
                w.status() != psutil.STATUS_ZOMBIE], "worker processes outlived Ctrl-C"
    kept = sorted(p.name for p in (out / "batches").glob("batch_*.nc"))
    assert 1 <= len(kept) < 40 and not (out / "summary.json").exists()
    assert not list(out.rglob("*.tmp")) and not (out / ".timeouts").exists()

    resumed = run(out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert all((out / "batches" / name).exists() for name in kept)
    full = run(tmp_path / "b")
    assert full.returncode == 0, full.stderr
    assert (out / "samples.csv").read_text() == (tmp_path / "b" / "samples.csv").read_text()
