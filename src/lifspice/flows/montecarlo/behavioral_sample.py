"""The Monte Carlo sample of a behavioral neuron: spreads drawn in Python, ideal elements.

The spreads are drawn here with a seeded :class:`numpy.random.Generator` (:class:`~lifspice.
flows.montecarlo.sample.Spreads`), and the drawn neuron is measured with the behavioral bench
(step response for tau_m, one transient per current,
:func:`~lifspice.flows.montecarlo.sample.measure_firing`); the drawn values are returned too
(``drawn_*``), so statistics can be checked against the draws.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lifspice.analysis import extract
from lifspice.circuits.behavioral.bench import BehavioralBench
from lifspice.circuits.behavioral.neuron import BehavioralNeuron
from lifspice.circuits.stimulus import DC
from lifspice.flows.montecarlo.sample import (
    SampleSpec,
    Spreads,
    firing_keys,
    measure_firing,
    with_fit,
)

DRAWN_KEYS = ("drawn_c_mem_F", "drawn_g_leak_S", "drawn_v_th_V", "drawn_v_reset_V",
              "drawn_t_ref_s")


def behavioral_keys(n_currents: int) -> list[str]:
    """The float quantities a behavioral sample returns for ``n_currents`` currents."""
    firing, rates = firing_keys(n_currents)
    return ["tau_m_s", *firing, *rates, *DRAWN_KEYS]


def draw_behavioral(design: BehavioralNeuron, spreads: Spreads,
                    rng: np.random.Generator) -> BehavioralNeuron:
    """A behavioral neuron with its LIF parameters drawn around ``design``'s.

    Always five standard normals in the order C, g_m, V_th, V_reset, t_ref, so a sample's draw does
    not depend on which spreads are zero. Raises :class:`~lifspice.circuits.params.ParameterError`
    for an impossible draw.
    """
    z = rng.standard_normal(5)
    p, s = design.lif, spreads
    lif = replace(p, c_mem=p.c_mem * (1 + s.sigma_c_rel * z[0]),
                  g_leak=p.g_leak * (1 + s.sigma_gm_rel * z[1]),
                  v_th=p.v_th + s.sigma_v_th * z[2], v_reset=p.v_reset + s.sigma_v_reset * z[3],
                  t_ref=p.t_ref * (1 + s.sigma_t_ref_rel * z[4]))
    # the OTA keeps its saturation current, so its linear range scales as 1/g_m
    v_lin = design.i_b / lif.g_leak
    return replace(design, lif=lif, v_lin=v_lin)


def measure_behavioral(sim, spec: SampleSpec) -> dict:
    """Draw (``spec.seed``) and measure one behavioral neuron on ``sim``; the quantities of
    :func:`behavioral_keys` (SI units). The F-I fit holds the nominal C and v_rest."""
    design = spec.design
    if spec.seed is not None:
        if spec.spreads is None:
            raise ValueError("a behavioral draw needs spreads")
        design = draw_behavioral(design, spec.spreads, np.random.default_rng(spec.seed))
    if spec.nudge_v:
        design = replace(design, lif=replace(design.lif, v_th=design.lif.v_th + spec.nudge_v))
    bench = BehavioralBench(design)
    pr = bench.probes
    p = design.lif
    out = dict(zip(DRAWN_KEYS, (p.c_mem, p.g_leak, p.v_th, p.v_reset, p.t_ref), strict=True))
    net, t0, _ = bench.step_test()
    res = sim.run(net, vectors=[pr.mem])
    out["tau_m_s"] = extract.fit_step_response(res.time, res[pr.mem], t0).tau
    guess = design.saturating_params()

    def run(i, t_stop, max_step, level):
        r = sim.run(bench.transient(DC(i), t_stop=t_stop, max_step=max_step,
                                    v_mem0=p.v_reset), vectors=list(pr.transient_vectors))
        return r.time, {k: r[k] for k in pr.transient_vectors}

    out.update(measure_firing(spec, guess, pr, run))
    nominal = spec.design.lif
    return with_fit(out, spec, c_mem=nominal.c_mem, v_rest=nominal.v_rest)
