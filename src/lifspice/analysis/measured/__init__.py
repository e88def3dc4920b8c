"""Measured silicon: fits of bench data with honest uncertainty, model choice, population
statistics against a Monte Carlo, and attribution of a difference to a parameter. Pure
numpy/scipy; the files are read by :mod:`lifspice.io.measurements` and the design simulated
by :mod:`lifspice.flows.measured`."""

from lifspice.analysis.measured.attribution import Attribution, Candidate, attribute_difference
from lifspice.analysis.measured.choice import ModelChoice, bootstrap, select_model
from lifspice.analysis.measured.data import FiData, clean_fi, rates_from_spikes
from lifspice.analysis.measured.estimate import Estimate
from lifspice.analysis.measured.fi import MeasuredFit, fit_fi_measured
from lifspice.analysis.measured.population import (
    PopulationComparison,
    QuantityComparison,
    compare_population,
)
from lifspice.analysis.measured.synthetic import synthetic_fi, synthetic_spikes, synthetic_trace
from lifspice.analysis.measured.trace import TraceFit, fit_trace_measured

__all__ = [
    "Attribution", "Candidate", "Estimate", "FiData", "MeasuredFit", "ModelChoice",
    "PopulationComparison", "QuantityComparison", "TraceFit", "attribute_difference",
    "bootstrap", "clean_fi", "compare_population", "fit_fi_measured", "fit_trace_measured",
    "rates_from_spikes", "select_model", "synthetic_fi", "synthetic_spikes", "synthetic_trace",
]
