"""LIF theory, pure numpy/scipy, SI units: the names of every theory module in one namespace.

* :mod:`~lifspice.analysis.theory.ideal`: the textbook LIF in closed form and event-exact;
* :mod:`~lifspice.analysis.theory.saturating`: the LIF whose leak saturates like an OTA's;
* :mod:`~lifspice.analysis.theory.comparator`: a comparator that fires a delay after the
  trip point;
* :mod:`~lifspice.analysis.theory.noise`: diffusion (Siegert) theory of the noisy LIF, and
  :mod:`~lifspice.analysis.theory.noise_sim` its independent event simulators;
* :mod:`~lifspice.analysis.theory.adaptation`: the adaptive-threshold LIF.

The modules import each other by their full names, never through this package.
"""

from lifspice.analysis.theory.adaptation import (
    AdaptFit,
    adapted_rate,
    adapting_spikes,
    fit_adaptation,
    free_time,
)
from lifspice.analysis.theory.comparator import rate_with_delay
from lifspice.analysis.theory.ideal import (
    LifTrace,
    current_for_rate,
    first_spike_time,
    isi,
    membrane,
    membrane_pwl,
    rate,
    rheobase,
    simulate,
)
from lifspice.analysis.theory.noise import (
    cv_siegert,
    isi_siegert,
    isi_siegert_saturating,
    membrane_std,
    rate_siegert,
    rate_siegert_saturating,
    sigma_v,
)
from lifspice.analysis.theory.noise_sim import (
    NoisyIsis,
    simulate_interpolated_noise,
    simulate_noisy,
)
from lifspice.analysis.theory.saturating import (
    SaturationDeviation,
    isi_saturating,
    membrane_pwl_saturating,
    rate_saturating,
    rheobase_saturating,
    saturation_deviation,
    simulate_saturating,
)

__all__ = [
    "AdaptFit", "LifTrace", "NoisyIsis", "SaturationDeviation", "adapted_rate",
    "adapting_spikes", "current_for_rate", "cv_siegert", "first_spike_time", "fit_adaptation",
    "free_time", "isi", "isi_saturating", "isi_siegert", "isi_siegert_saturating", "membrane",
    "membrane_pwl", "membrane_pwl_saturating", "membrane_std", "rate", "rate_saturating",
    "rate_siegert", "rate_siegert_saturating", "rate_with_delay", "rheobase",
    "rheobase_saturating", "saturation_deviation", "sigma_v", "simulate",
    "simulate_interpolated_noise", "simulate_noisy", "simulate_saturating",
]
