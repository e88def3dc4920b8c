"""lifspice: design silicon leaky integrate-and-fire neurons with ngspice, check them
against LIF theory.

The package imports light: simulators (PySpice) and matplotlib load only when used.
"""

from lifspice.circuits.params import LifParams, ParameterError, SaturatingLifParams

__version__ = "0.1.0"

__all__ = ["LifParams", "ParameterError", "SaturatingLifParams", "__version__"]
