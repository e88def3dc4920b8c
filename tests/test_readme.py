"""The README's Python example runs as written and does what its text says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = [pytest.mark.slow, pytest.mark.sky130]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_example_is_short_and_runs(tmp_path):
    code = python_blocks()[0]
    assert len(code.strip().splitlines()) <= 5
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "tau_m" in run.stdout and "V_th" in run.stdout
    folder = tmp_path / "out" / "lean"
    assert {"report.json", "fi.csv", "fi.png", "membrane.png", "netlists"} <= {
        p.name for p in folder.iterdir()}
    rep = json.loads((folder / "report.json").read_text())
    assert rep["circuit"] == "sky130"
    assert rep["design"]["topology"] == "lean"
    # README: the lean neuron's g_m is 3.857 nS and its trip point 800.0 mV
    assert rep["gm_S"] == pytest.approx(3.857e-9, rel=2e-3)
    assert rep["v_th_V"] == pytest.approx(0.800, abs=1.5e-3)
    assert len(rep["fi"]["i_A"]) == 8
