"""Bad Monte Carlo and corner inputs: one line, exit 2, the option or file at fault named, no
traceback (the format of test_bad_inputs.py, :func:`badinput.check_error`).

Most are found before anything is simulated (milliseconds). Three need a simulation to be
found and run it once, never a whole sweep: a nominal neuron that does not fire at the
current, one past the time limit (the nominal run comes first, and its failure stops the
sweep), and a scheduler that does not answer (refused within the 5 s connect timeout)."""

from __future__ import annotations

import json

import pytest
from badinput import check_error

from lifspice.flows.montecarlo.sweep import SweepPlan
from lifspice.io.design import load_design

I_IN = "1e-10"  # A: about 2x the rheobase of the behavioral reference design


def mc(*extra: str, design: str = "behavioral", samples: str = "4") -> list[str]:
    return ["montecarlo", design, "--samples", samples, "--seed", "9", "--currents", I_IN,
            "--no-plots", "--out", "{tmp}/mc", *extra]


def manifest(**changes) -> str:
    """The sweep.json that ``mc()`` writes, with ``changes`` to the plan."""
    plan = SweepPlan(design=load_design("behavioral"), n_samples=4, seed=9,
                     currents=(float(I_IN),), **changes)
    return json.dumps(plan.to_dict())


CASES = [
    # counts and seeds
    (mc(samples="0"), ["--samples", ">= 1"], {}),
    (mc(samples="-1"), ["--samples", ">= 1"], {}),
    (mc("--batch-size", "0"), ["--batch-size", ">= 1"], {}),
    (mc("--seed", "-1"), ["--seed", ">= 0"], {}),
    (mc("--workers", "0"), ["--workers", ">= 1"], {}),
    (mc("--samples", "many"), ["--samples", "invalid int"], {}),  # argparse
    # spreads, currents, limits
    (mc("--sigma", "foo=1"), ["--sigma", "foo", "c_rel"], {}),
    (mc("--sigma", "c_rel=-1"), ["--sigma", "c_rel", ">= 0"], {}),
    (mc("--sigma", "c_rel=abc"), ["--sigma", "c_rel", "number"], {}),
    (mc("--sigma", "c_rel"), ["--sigma", "c_rel", "NAME=VALUE"], {}),
    (mc("--currents=-1"), ["--currents", "> 0"], {}),
    (mc("--currents", "0x"), ["--currents", "> 0"], {}),
    (mc("--currents", "2y"), ["--currents", "rheobase"], {}),  # argparse
    (mc("--time-limit=-1"), ["--time-limit", ">= 0"], {}),
    (mc("--time-limit", "nan"), ["--time-limit", "finite"], {}),
    (mc("--no-worker-timeout", "0"), ["--no-worker-timeout", "> 0"], {}),
    (mc("--mc"), ["--mc", "PDK"], {}),
    (mc("--corner", "ff"), ["--corner", "PDK"], {}),
    (mc("--mc", "--corner", "ss", design="gf180"), ["--mc", "typical", "--corner ss"], {}),
    # the output folder of an earlier sweep
    (mc(), ["--out", "already holds", "--resume"], {"mc": None, "mc/sweep.json": manifest()}),
    (mc(), ["--out", "already holds", "--resume"],
     {"mc": None, "mc/batches": None, "mc/batches/batch_00000.nc": b"x"}),
    (mc("--resume", "--seed", "10"), ["--resume", "different sweep", "--seed 9 there, 10"],
     {"mc": None, "mc/sweep.json": manifest()}),
    (mc("--resume", samples="8"), ["--resume", "--samples 4 there, 8 here"],
     {"mc": None, "mc/sweep.json": manifest()}),
    (mc("--resume", "--sigma", "c_rel=0.02"), ["--resume", "--sigma", "differs"],
     {"mc": None, "mc/sweep.json": manifest()}),
    (mc("--resume"), ["sweep.json", "not a readable sweep plan", "delete the folder"],
     {"mc": None, "mc/sweep.json": '{"format": 1, "seed": 9, "n_sam'}),
    (mc("--resume"), ["sweep.json", "not a readable sweep plan"],
     {"mc": None, "mc/sweep.json": b"\xff\xfe\x00garbage"}),
    (mc("--resume"), ["sweep.json", "missing", "batches"],
     {"mc": None, "mc/batches": None, "mc/batches/batch_00000.nc": b"x"}),
    # found by the nominal run, before any sample
    (mc("--currents", "1e-12"), ["nominal", "silent", "--currents"], {}),
    (mc("--time-limit", "1e-3"), ["nominal", "time limit of 0.001 s"], {}),
    # a scheduler nobody runs: refused within the connect timeout
    (mc("--scheduler", "tcp://127.0.0.1:1"), ["--scheduler", "tcp://127.0.0.1:1", "dask"],
     {}),
    # sky130: process corners and variation
    pytest.param(mc("--mc", "--corner", "ff", design="sky130"), ["--mc", "--corner ff", "tt"],
                 {}, marks=pytest.mark.sky130),
    pytest.param(mc("--sigma", "c_rel=0.1", design="sky130"), ["--sigma", "PDK"], {},
                 marks=pytest.mark.sky130),
    pytest.param(["corners", "--current=-1", "--out", "{tmp}/c"], ["--current", "> 0"], {},
                 marks=pytest.mark.sky130),
    pytest.param(["corners", "--current", "0x", "--out", "{tmp}/c"], ["--current", "> 0"], {},
                 marks=pytest.mark.sky130),
    (["corners", "--design", "behavioral", "--out", "{tmp}/c"], ["--design", "PDK"], {}),
    (["corners", "--workers", "0", "--out", "{tmp}/c"], ["--workers", ">= 1"], {}),
]


@pytest.mark.parametrize("argv,named,files", CASES, ids=lambda c: None)
def test_bad_montecarlo_input_is_one_line(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)
