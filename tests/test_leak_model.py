"""Leak classification (lifspice.analysis.leak_model) on synthetic I-V curves of known kind."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifspice.analysis.leak_model import classify_leak

V = np.linspace(0.0, 1.2, 601)


@given(g=st.floats(1e-12, 1e-6), v0=st.floats(0.1, 1.0))
def test_a_resistor_is_linear(g, v0):
    m = classify_leak(V, g * (V - v0))
    assert m.kind == "linear" and m.lif_variant == "ideal"
    assert m.g == pytest.approx(g, rel=1e-6) and m.v_rest == pytest.approx(v0, abs=1e-9)


@given(i_b=st.floats(1e-12, 1e-7), v_lin=st.floats(0.15, 0.5), v0=st.floats(0.45, 0.75))
def test_an_ota_is_saturating(i_b, v_lin, v0):
    m = classify_leak(V, i_b * np.tanh((V - v0) / v_lin))
    assert m.kind == "saturating" and m.lif_variant == "saturating"
    assert m.i_b == pytest.approx(i_b, rel=1e-3)
    assert m.g == pytest.approx(i_b / v_lin, rel=1e-3)


@given(i0=st.floats(1e-12, 1e-8), v_knee=st.floats(0.02, 0.08), clm=st.floats(0.0, 0.1))
def test_one_transistor_is_a_current_sink(i0, v_knee, clm):
    """A transistor from the membrane to ground: off at 0 V, saturated above a few U_T, with
    channel-length modulation."""
    i = i0 * (1 - np.exp(-V / v_knee)) * (1 + clm * V)
    m = classify_leak(V, i)
    assert m.kind == "current sink"
    assert m.i_b == pytest.approx(i0 * (1 + clm * 0.6), rel=0.1)


def test_no_current_is_no_leak():
    assert classify_leak(V, np.zeros_like(V)).kind == "none"
