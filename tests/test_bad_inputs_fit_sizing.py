"""Bad inputs of the F-I / fit, export, gm/Id and sizing commands: one line, exit 2, the
option or key named, found before any simulation (every case runs in milliseconds: nothing
is simulated, no PDK is located). Format: tests/badinput.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
from badinput import check_error

from lifspice.analysis.sizing import SizingTargets
from lifspice.analysis.theory.saturating import rate_saturating
from lifspice.circuits.params import ParameterError, SaturatingLifParams
from lifspice.flows.fi import MIN_FIRING_POINTS, default_currents
from lifspice.flows.gmid import gmid_tables
from lifspice.sim.pool import SimPool

SKY = 'circuit = "sky130"\n'
REPORT = {"fit": {"params": {"c_mem": 4e-12, "g_leak": 4e-9, "v_rest": 0.4, "v_th": 0.8,
                             "v_reset": 0.4, "t_ref": 1e-4}},
          "measured_params": {"c_mem": 4e-12, "g_leak": 4e-9, "v_rest": 0.4, "v_th": 0.8,
                              "v_reset": 0.4, "t_ref": 1e-4, "i_b": 3e-10}}


def size(*extra: str) -> list[str]:
    return ["size", "--tau", "1ms", "--out", "{tmp}/o", *extra]


def netlist(design: str) -> list[str]:
    return ["netlist", "--design", design, "--out", "{tmp}/out"]


CASES = [
    # characterize: F-I points and workers
    (["characterize", "--points", "0"], ["--points", ">= 6"], {}),
    (["characterize", "--points", "-3"], ["--points", ">= 6"], {}),
    (["characterize", "--points", "5"], ["--points", "error estimate"], {}),
    (["characterize", "--points", "6.5"], ["--points", "whole number"], {}),
    (["characterize", "--workers", "-1"], ["--workers", ">= 1"], {}),
    (["characterize", "--workers", "0"], ["--workers", "all cores"], {}),
    # gmid
    (["gmid", "--workers", "0", "--out", "{tmp}/g"], ["--workers", ">= 1"], {}),
    (["gmid", "--corner", "xx", "--out", "{tmp}/g"], ["--corner", "xx"], {}),
    (["gmid", "--temp", "nan", "--out", "{tmp}/g"], ["--temp", "-40 .. 125"], {}),
    (["gmid", "--temp", "1000", "--out", "{tmp}/g"], ["--temp", "-40 .. 125"], {}),
    (["gmid", "--temp=-40,200", "--out", "{tmp}/g"], ["--temp", "200"], {}),
    (["gmid", "--temp", ",", "--out", "{tmp}/g"], ["--temp"], {}),
    # size: options and targets
    (size("--tau=-1ms"), ["--tau", "positive"], {}),
    (size("--tau", "1000s"), ["tau_m", "--tau", "plausible"], {}),
    (size("--tau", "1ns"), ["tau_m", "--tau", "plausible"], {}),
    (size("--tref", "0"), ["--tref", "positive"], {}),
    (size("--vth", "0.3", "--vreset", "0.4"), ["v_th", "v_reset", "--vth"], {}),
    (size("--vrest", "0.9"), ["v_rest", "--vrest"], {}),
    (size("--vth", "2.5"), ["v_th", "--vth", "supply"], {}),
    (size("--corner", "xx"), ["--corner", "xx"], {}),
    (size("--temp", "1000"), ["--temp", "125"], {}),
    (size("--temp", "nan"), ["--temp"], {}),
    (size("--temp-range=-40..300"), ["--temp-range", "300"], {}),
    (size("--tol", "0"), ["--tol", "fraction"], {}),
    (size("--max-rate", "1MHz"), ["max_rate", "--max-rate", "t_ref"], {}),
    (size("--sigma-vth", "5"), ["sigma_vth", "--sigma-vth", "plausible"], {}),
    (size("--area", "0"), ["--area", "positive"], {}),
    (size("--power", "1e999"), ["--power", "finite"], {}),
    # sky130 design keys outside their plausible ranges
    (netlist("d.toml"), ["i_b", "plausible"], {"d.toml": SKY + "i_b = 1.0\n"}),
    (netlist("d.toml"), ["i_ref", "plausible"], {"d.toml": SKY + "i_ref = 1e-30\n"}),
    (netlist("d.toml"), ["i_lim", "plausible"], {"d.toml": SKY + "i_lim = 1e-3\n"}),
    (netlist("d.toml"), ["i_cmp", "plausible"], {"d.toml": SKY + "i_cmp = 0.5\n"}),
    (netlist("d.toml"), ["vdd", "1.2 .. 1.98"], {"d.toml": SKY + "vdd = 0.5\n"}),
    (netlist("d.toml"), ["temperature_c", "-40 .. 125"],
     {"d.toml": SKY + "temperature_c = 130.0\n"}),
    (netlist("d.toml"), ["w_ota_in", "metres"], {"d.toml": SKY + "w_ota_in = 4.0\n"}),
    (netlist("d.toml"), ["c_ref", "MIM"], {"d.toml": SKY + "c_ref = 1e-9\n"}),
    # export
    (["export", "{tmp}/r.json", "--to", "nest"], ["r.json", "list", "report"],
     {"r.json": "[1, 2, 3]"}),
    (["export", "{tmp}/r.json", "--to", "brian2"], ["r.json", "str", "report"],
     {"r.json": '"report"'}),
    (["export", "{tmp}/r.json", "--to", "nest"], ["--params fit"],
     {"r.json": json.dumps({**REPORT, "fit": [1, 2]})}),
    (["export", "{tmp}/r.json", "--to", "nest", "--set", "v_rest"], ["--set", "v_rest"],
     {"r.json": json.dumps(REPORT)}),
    (["export", "{tmp}/r.json", "--to", "nest", "--set", "v_rest=nan"], ["--set"],
     {"r.json": json.dumps(REPORT)}),
]


@pytest.mark.parametrize("argv,named,files", CASES, ids=lambda c: None)
def test_bad_input_is_one_line(argv, named, files, tmp_path, capsys):
    check_error(argv, named, files, tmp_path, capsys)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_pool_refuses_workers_below_one(workers):
    # 0 used to mean "all cores" silently; None is the way to ask for that
    with pytest.raises(ValueError, match="workers"):
        SimPool(workers=workers)
    assert SimPool(workers=None).workers >= 1


@pytest.mark.parametrize("kwargs,named", [
    ({"corner": "xx"}, "corner"), ({"temperatures": (float("nan"),)}, "temperature"),
    ({"temperatures": (1000.0,)}, "temperature"), ({"workers": 0}, "workers")])
def test_gmid_tables_refuse_before_any_sweep(kwargs, named):
    with pytest.raises(ParameterError, match=named):
        gmid_tables(**kwargs)


@pytest.mark.parametrize("kwargs,named", [
    ({"tau_m": -1e-3}, "tau_m"), ({"v_th": 0.4, "v_reset": 0.4}, "v_reset"),
    ({"temperature_range": (-40.0, 300.0)}, "temperature_range"), ({"corner": "xx"}, "corner"),
    ({"i_cmp": 1.0}, "i_cmp"), ({"vdd": 5.0}, "vdd"), ({"max_rate": 600.0}, "max_rate")])
def test_sizing_targets_checked(kwargs, named):
    with pytest.raises(ParameterError, match=named):
        SizingTargets(**{"tau_m": 1e-3, **kwargs})


# designs the default F-I currents are placed for: a strongly saturating leak (v_lin 10 mV
# against a 400 mV climb), the sky130 reference numbers, a linear one, a spontaneous one
PLACED = [
    SaturatingLifParams(c_mem=4e-12, g_leak=3.86e-9, v_rest=0.4, v_th=0.8, v_reset=0.4,
                        t_ref=1.3e-4, i_b=3e-10),
    SaturatingLifParams(c_mem=1e-12, g_leak=1e-9, v_rest=0.2, v_th=0.6, v_reset=0.1,
                        t_ref=0.0, i_b=1e-11),
    SaturatingLifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.25, v_reset=0.1,
                        t_ref=1e-3, i_b=1e-10),
    SaturatingLifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.7, v_th=0.6, v_reset=0.1,
                        t_ref=1e-3, i_b=1e-10),
]


@pytest.mark.parametrize("p", PLACED)
@pytest.mark.parametrize("n", [6, 7, 8, 9, 16])
def test_default_currents_give_enough_firing_points(p, n):
    """At least MIN_FIRING_POINTS (3 free parameters + 3) currents above the rheobase of the
    model that places them, so no fit is exactly determined. The old split (3 points below
    rheobase whatever n) gave 3 firing points for --points 6: the ideal fit went through
    all three with an 'RMS error' of 3.85e-14 %."""
    i = default_currents(p, n)
    assert i.size == n
    assert np.all(np.diff(i) > 0)
    assert np.sum(np.asarray(rate_saturating(p, i)) > 0) >= MIN_FIRING_POINTS
    if n >= MIN_FIRING_POINTS + 3 and p.rheobase > 0:
        assert np.sum(i < p.rheobase) == 3  # points to spare go below rheobase


def test_default_currents_refuse_no_points():
    with pytest.raises(ParameterError, match="--points"):
        default_currents(PLACED[0], 0)
