"""Netlists written by ``lifspice netlist`` (and ``characterize``) run where they are written
and after the folder is moved: the model library is copied beside them and included by its
bare name, and a ``.spiceinit`` carries the commands the models need."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from lifspice.cli import main
from lifspice.sim.batch import read_raw


@pytest.mark.parametrize("design", [pytest.param("sky130", marks=pytest.mark.sky130),
                                    "behavioral"])
def test_netlists_run_after_the_folder_is_moved(tmp_path, design, capsys):
    assert main(["netlist", "--design", design, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    moved = tmp_path / "elsewhere" / "b"
    shutil.move(tmp_path / "a", moved)
    for cir in ("leak_dc.cir", "step.cir"):
        text = (moved / cir).read_text()
        assert "/.cache/" not in text  # nothing points into the user's cache
        run = subprocess.run(["ngspice", "-b", "-r", "out.raw", cir], cwd=moved,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        data, _ = read_raw(moved / "out.raw")
        assert all(np.all(np.isfinite(np.real(v))) for v in data.values())
    data, _ = read_raw(moved / "out.raw")  # the step: the membrane moves by the step's ~mV
    v = np.real(data["v(mem)"])
    assert 1e-4 < np.ptp(v) < 0.05
