"""lifspice: design silicon leaky integrate-and-fire neurons with ngspice, check them
against LIF theory.

>>> import lifspice as ls
>>> ch = ls.characterize("sky130_lean", points=8)   # doctest: +SKIP
>>> print(ch.summary())                            # doctest: +SKIP

The package imports light: simulators (PySpice), matplotlib, Dask and xarray load only
when used.
"""

from lifspice.api import (
    characterize,
    corners,
    datasheet,
    fit_measurements,
    load_design,
    montecarlo,
    nominal_rheobase,
    size,
)
from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams

__version__ = "0.1.0"

__all__ = ["LifParams", "ParameterError", "SaturatingLifParams", "__version__", "characterize",
           "corners", "datasheet", "fit_measurements", "load_design", "montecarlo",
           "nominal_rheobase", "size"]
