"""Bad datasheet inputs: one line, exit 2, the spec key, quantity, condition, option or file
at fault named (with the valid choices where there is a list), no traceback (the format of
test_bad_inputs.py, :func:`badinput.check_error`). All are found before any simulation."""

from __future__ import annotations

import pytest
from badinput import check_error


def ds(*extra: str, spec: str | None = "spec.toml", design: str = "behavioral") -> list[str]:
    return ["datasheet", design, *(["--spec", f"{{tmp}}/{spec}"] if spec else []),
            "--samples", "2", "--workers", "1", "--out", "{tmp}/out", *extra]


def spec(body: str, name: str = "spec.toml") -> dict[str, str]:
    return {name: body}


TAU = "[parameters.tau_m]\nminimum = 1e-3\n"

CASES = [
    # quantities, conditions, statistics: the valid ones listed
    (ds(), ["quantity", "'tau'", "tau_m", "rheobase", "yield"],
     spec("[parameters.tau]\nminimum = 1\n")),
    (ds(), ["quantity", "'gain'", "fi_gain"],
     spec("[parameters.g]\nquantity = \"gain\"\n")),
    (ds(), ["condition", "'hot'", "nominal", "corners", "montecarlo"],
     spec(TAU + "conditions = [\"hot\"]\n")),
    (ds(), ["condition 'corners'", "valid conditions: nominal, montecarlo"],
     spec(TAU + "conditions = [\"corners\"]\n")),  # behavioral: no PDK
    (ds(), ["rheobase", "'montecarlo'", "valid conditions for it: nominal"],
     spec("[parameters.rheobase]\nconditions = [\"montecarlo\"]\n")),
    (ds(), ["statistic", "'median'", "mean", "std", "cv"],
     spec(TAU + "statistic = \"median\"\nconditions = [\"montecarlo\"]\n")),
    (ds(), ["statistic 'cv'", "montecarlo"],
     spec(TAU + "statistic = \"cv\"\n")),
    # keys and values
    (ds(), ["'tau_m'", "unknown key 'minimun'", "minimum"],
     spec("[parameters.tau_m]\nminimun = 1e-3\n")),
    (ds(), ["'tau_m'", "minimum", "not a number"],
     spec("[parameters.tau_m]\nminimum = \"1ms\"\n")),
    (ds(), ["'tau_m'", "minimum 0.002 is above maximum 0.001"],
     spec("[parameters.tau_m]\nminimum = 2e-3\nmaximum = 1e-3\n")),
    (ds(), ["'tau_m'", "yield_min", "0..1"], spec(TAU + "yield_min = 1.5\n")),
    (ds(), ["'r'", "rate needs current"], spec("[parameters.r]\nquantity = \"rate\"\n")),
    (ds(), ["'r'", "current", "no current"],
     spec("[parameters.r]\nquantity = \"rate\"\ncurrent = \"-2x\"\n")),
    (ds(), ["no parameters", "[parameters.NAME]"], spec("title = \"empty\"\n")),
    (ds(), ["unknown key 'params'"], spec("[params.tau_m]\nminimum = 1\n")),
    (ds(), ["[conditions]", "'sample'", "samples"], spec("[conditions]\nsample = 3\n" + TAU)),
    (ds(), ["conditions.corners", "'xx'", "tt"],
     spec("[conditions]\ncorners = [\"xx\"]\n" + TAU)),
    (ds(), ["conditions.samples", ">= 0"], spec("[conditions]\nsamples = -1\n" + TAU)),
    # the spec file itself
    (ds(), ["--spec", "not valid TOML"], spec("[parameters.tau_m\n")),
    (ds(), ["spec file", "does not exist"], {}),
    (ds(spec="spec.yaml"), ["not valid YAML"], spec("parameters: [a: b\n", "spec.yaml")),
    (ds(spec="spec.yaml"), ["'parameters' mapping"], spec("name: x\n", "spec.yaml")),
    (ds(spec="spec.yaml"), ["unknown condition 'vcc'", "corner", "temperature", "vdd"],
     spec("parameters:\n  tau_m:\n    spec: {minimum: 1e-3}\n    conditions: {vcc: 1.8}\n",
          "spec.yaml")),
    (ds(spec="spec.yaml"), ["spec key 'min'", "minimum"],
     spec("parameters:\n  tau_m:\n    spec: {min: 1e-3}\n", "spec.yaml")),
    # options, design, output folder
    (ds("--samples", "-1", spec=None), ["--samples", ">= 0"], {}),
    (ds("--points", "3", spec=None), ["--points", ">= 6"], {}),
    (ds(spec=None, design="nosuch"), ["nosuch", "reference designs"], {}),
    (["datasheet", "behavioral", "--out", "{tmp}/f"], ["--out", "is a file"], {"f": "x"}),
    (ds("--samples", "0"), ["Monte Carlo", "samples >= 1"],
     spec(TAU + "conditions = [\"montecarlo\"]\n")),
]


@pytest.mark.parametrize("argv,named,files", CASES, ids=lambda c: None)
def test_bad_datasheet_input_is_one_line(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)
