"""The ideal LIF fitted to one Monte Carlo sample's short F-I curve.

A sweep with three or more input currents measures a short F-I curve per sample; this fits
the textbook LIF to it (free ``c_mem``, ``g_leak``, ``t_ref``; the sample's measured
``v_rest``, ``v_th``, ``v_reset`` held), as characterization does for the nominal neuron,
so the spread of the *fitted* parameters can be reported beside the measured ones. Arrays
in, numbers out; no simulator.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from lifspice.analysis.fit import fit_fi
from lifspice.circuits.params import LifParams, ParameterError

#: Firing points a sample's F-I fit needs: the ideal LIF has three free parameters here.
MIN_FIRING_POINTS = 3
FIT_KEYS = ("fit_tau_m_s", "fit_g_leak_S", "fit_t_ref_s", "fit_rms_rel_error")


def fit_keys(n_currents: int) -> list[str]:
    """The per-sample fit quantities a sweep with ``n_currents`` currents reports: none below
    :data:`MIN_FIRING_POINTS`; no RMS error at exactly that many (three points for three
    parameters are solved, not fitted: the residual is zero by construction)."""
    if n_currents < MIN_FIRING_POINTS:
        return []
    return list(FIT_KEYS) if n_currents > MIN_FIRING_POINTS else list(FIT_KEYS[:-1])


def fit_sample(currents: Sequence[float], rates: Sequence[float], *, c_mem: float,
               tau_m: float, v_rest: float, v_th: float, v_reset: float,
               t_ref: float) -> dict[str, float]:
    """Ideal LIF fitted to one sample's rates; NaN everywhere when it cannot be.

    Parameters
    ----------
    currents, rates : sequence of float
        The sample's input currents (A) and steady rates (Hz, 0 where silent).
    c_mem, tau_m : float
        Starting point of the fit (F, s); ``g_leak = c_mem / tau_m``.
    v_rest, v_th, v_reset : float
        The sample's measured voltages, V, held fixed.
    t_ref : float
        The sample's measured refractory time, s (starting point).

    Returns
    -------
    dict
        ``fit_tau_m_s`` (= fitted c_mem / g_leak), ``fit_g_leak_S``, ``fit_t_ref_s``,
        ``fit_rms_rel_error`` (RMS relative rate error of the fit; left out with exactly
        :data:`MIN_FIRING_POINTS` currents, NaN when only that many fire). NaN when fewer than
        :data:`MIN_FIRING_POINTS` currents fire, a measured value is missing, or the fit
        fails.
    """
    nan = dict.fromkeys(fit_keys(len(currents)), math.nan)
    i = np.asarray(currents, float)
    f = np.asarray(rates, float)
    values = (c_mem, tau_m, v_rest, v_th, v_reset, t_ref)
    if (i.size != f.size or np.count_nonzero(f > 0) < MIN_FIRING_POINTS
            or not all(math.isfinite(x) for x in values) or not np.all(np.isfinite(f))):
        return nan
    try:
        initial = LifParams(c_mem=c_mem, g_leak=c_mem / tau_m, v_rest=v_rest, v_th=v_th,
                            v_reset=v_reset, t_ref=max(t_ref, 0.0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # conditioning notes: the fit says success
            fit = fit_fi(i, f, model="ideal", initial=initial)
    except (ParameterError, ValueError):
        return nan
    # exactly determined (as many firing points as parameters): the parameters are the
    # solution through every point, only the RMS error is no measure (NaN)
    if not (fit.success or fit.message.startswith("exactly determined")):
        return nan
    p = fit.params
    out = {"fit_tau_m_s": p.c_mem / p.g_leak, "fit_g_leak_S": p.g_leak,
           "fit_t_ref_s": p.t_ref, "fit_rms_rel_error": float(fit.rms_rel_error)}
    return {k: out[k] for k in nan}
