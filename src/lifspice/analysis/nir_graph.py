"""A population's LIF as Neuromorphic Intermediate Representation (NIR) parameters, the
snnTorch normalisation, and numpy simulations of both (no torch, no ``nir`` import here).

NIR's LIF node is ``tau dv/dt = (v_leak - v) + r I``, a spike when ``v > v_threshold``,
then ``v <- v_reset``; it has **no refractory period**. A silicon neuron
``C dv/dt = g (v_rest - v) + I`` is that node with ``tau = C/g``, ``r = 1/g``,
``v_leak = v_rest`` (:func:`physical_lif`, SI units: s, Ohm, V, input in A).

snnTorch 1.0's importer (``snntorch/import_nir.py``, lines 242-276, the ``nir.LIF`` case)
assumes a time step of 1e-4 s, refuses ``v_leak != 0``, sets ``beta = 1 - 1e-4/tau``,
divides the threshold by ``r 1e-4 / tau`` and always resets to zero
(:func:`snntorch_leaky_from_nir`). :func:`snntorch_normalized` therefore writes the neuron
in coordinates it reads as intended: the membrane ``u = (v - v_reset)/(v_th - v_reset)``
(threshold 1, reset 0), the leak's pull toward ``u_rest = (v_rest - v_reset)/(v_th -
v_reset)`` moved into the bias of an Affine node before the LIF (``v_leak = 0``), graph
time stretched so that one snnTorch step of 1e-4 s is the chosen ``dt`` (``tau' = 1e-4
tau/dt``, ``r' = tau'/1e-4``: weight scale 1). The Affine node takes the input current in
A: weight ``dt / (C (v_th - v_reset))`` per A, bias ``u_rest dt / tau``. snnTorch then
steps ``u <- (1 - dt/tau) u + w I + b`` (forward Euler of the neuron at ``dt``), which is
the intended beta and threshold; only ``t_ref`` is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifspice.analysis.population import Population

#: Time step snnTorch 1.0's NIR importer assumes, s (``import_nir.py`` line 243).
SNNTORCH_DT = 1e-4


@dataclass(frozen=True)
class LifNode:
    """Arrays of one NIR ``LIF`` node (graph units; SI in physical mode)."""

    tau: np.ndarray
    r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray


@dataclass(frozen=True)
class NormalizedGraph:
    """The snnTorch-normalised graph: ``Affine(weight, bias) -> LIF``, and how to read it.

    Attributes
    ----------
    weight : numpy.ndarray
        Diagonal Affine weight, per A of input current (shape ``(n, n)``).
    bias : numpy.ndarray
        Affine bias per step (dimensionless membrane units).
    lif : LifNode
        The LIF node (``v_leak`` 0, ``v_threshold`` 1, ``v_reset`` 0).
    dt : float
        Physical time of one step, s.
    beta : numpy.ndarray
        The intended decay per step, ``1 - dt / tau_m``.
    """

    weight: np.ndarray
    bias: np.ndarray
    lif: LifNode
    dt: float
    beta: np.ndarray


def physical_lif(pop: Population) -> LifNode:
    """The population as a NIR LIF node in SI units (tau s, r Ohm, voltages V, input A)."""
    return LifNode(tau=pop.tau_m.copy(), r=1.0 / pop.g_leak, v_leak=pop.v_rest.copy(),
                   v_threshold=pop.v_th.copy(), v_reset=pop.v_reset.copy())


def snntorch_normalized(pop: Population, dt: float) -> NormalizedGraph:
    """The population normalised for snnTorch's importer at time step ``dt`` (s).

    Raises
    ------
    ValueError
        ``dt`` not > 0, or not below every tau_m (``beta`` would be <= 0).
    """
    dt = float(dt)
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 s, got {dt!r}")
    tau = pop.tau_m
    if np.any(dt >= tau):
        raise ValueError(f"dt {dt!r} s must be below every tau_m (shortest "
                         f"{tau.min():.4g} s): beta = 1 - dt/tau_m must be > 0")
    swing = pop.v_th - pop.v_reset
    if np.any(swing <= 0):
        raise ValueError("v_th must be above v_reset for every neuron")
    u_rest = (pop.v_rest - pop.v_reset) / swing
    tau_graph = SNNTORCH_DT * tau / dt
    lif = LifNode(tau=tau_graph, r=tau_graph / SNNTORCH_DT, v_leak=np.zeros(pop.n),
                  v_threshold=np.ones(pop.n), v_reset=np.zeros(pop.n))
    return NormalizedGraph(weight=np.diag(dt / (pop.c_mem * swing)),
                           bias=u_rest * dt / tau, lif=lif, dt=dt, beta=1.0 - dt / tau)


def snntorch_leaky_from_nir(tau, r, v_leak, v_threshold) -> tuple[np.ndarray, float]:
    """What snnTorch 1.0's ``import_from_nir`` makes of a NIR ``LIF`` node: ``(beta,
    threshold)`` of its ``snn.Leaky`` (reset to zero, no reset delay).

    A transcription of ``snntorch/import_nir.py`` lines 242-276 (snntorch 1.0.0 wheel):
    ``dt = 1e-4``; ``assert np.allclose(node.v_leak, 0.0)``; one threshold for all;
    ``beta = 1 - (dt / node.tau)``; ``w_scale = node.r * dt / node.tau``; unless
    ``np.allclose(w_scale, 1.0)`` the threshold is divided by ``np.unique(w_scale)[0]``;
    ``assert np.unique(vthr).size == 1``.

    Raises
    ------
    ValueError
        Where snnTorch's assertions fail (v_leak not zero, thresholds differ).
    """
    tau, r = np.asarray(tau, float), np.asarray(r, float)
    if not np.allclose(v_leak, 0.0):
        raise ValueError("v_leak not supported (snnTorch asserts v_leak == 0)")
    if np.unique(v_threshold).size != 1:
        raise ValueError("v_threshold must be same for all neurons")
    beta = 1 - (SNNTORCH_DT / tau)
    vthr = np.asarray(v_threshold, float)
    w_scale = r * SNNTORCH_DT / tau
    if not np.allclose(w_scale, 1.0):
        vthr = vthr / np.unique(w_scale)[0]
    if np.unique(vthr).size != 1:
        raise ValueError("LIF v_thr must be same for all neurons")
    return beta, float(np.unique(vthr)[0])


def simulate_leaky_steps(beta, threshold: float, weight, bias, currents,
                         steps: int) -> np.ndarray:
    """Spike counts of snnTorch's ``Leaky`` (reset to zero, ``reset_delay=False``) behind an
    Affine node, driven by constant ``currents`` (A, shape ``(m,)`` for every neuron).

    Per step (``snntorch/_neurons/leaky.py`` ``forward``): ``mem = beta mem + (W I + b)``;
    a spike where ``mem > threshold``, and ``mem`` set to 0 there. Returns the step index
    of the first and last spike and the count, arrays of shape ``(m, n)``.
    """
    beta = np.asarray(beta, float)
    drive = np.asarray(currents, float)[:, None] * np.diag(weight)[None, :] + bias[None, :]
    mem = np.zeros_like(drive)
    count = np.zeros(drive.shape, int)
    first = np.full(drive.shape, -1)
    last = np.full(drive.shape, -1)
    for step in range(int(steps)):
        mem = beta * mem + drive
        spk = mem > threshold
        mem[spk] = 0.0
        count += spk
        first[spk & (first < 0)] = step
        last[spk] = step
    return np.stack([first, last, count])


def steps_rate(first_last_count: np.ndarray, dt: float) -> np.ndarray:
    """Rate (Hz) from :func:`simulate_leaky_steps`'s output: (count - 1) over the steps from
    the first to the last spike, 0 with fewer than two spikes."""
    first, last, count = first_last_count
    span = (last - first) * dt
    return np.where(count >= 2, (count - 1) / np.where(span > 0, span, 1.0), 0.0)


def simulate_lif_node(node: LifNode, currents, duration: float, dt: float, *,
                      t_ref=0.0) -> np.ndarray:
    """Rates (Hz) of a NIR LIF node's neurons under constant currents, numpy only.

    Each step integrates ``tau dv/dt = v_leak - v + r I`` exactly (exponential update);
    a crossing of ``v_threshold`` inside a step is timed exactly, the neuron resets to
    ``v_reset`` there and is held for ``t_ref`` (s; 0 is NIR's own semantics, a value or
    per-neuron array adds the refractory time NIR drops) before it integrates the rest of
    the step. Every neuron starts at ``v_reset``. The rate is (spikes - 1) over the time
    from the first to the last spike (0 with fewer than two).

    Parameters
    ----------
    node : LifNode
        Graph units: seconds, and the input in the unit ``r`` multiplies (A for a physical
        graph).
    currents : array_like
        Constant inputs, shape ``(m,)``; each drives every neuron.
    duration, dt : float
        Simulated time and step, s (``dt`` well below the shortest ISI).

    Returns
    -------
    numpy.ndarray
        Rates, shape ``(m, n)``, Hz.
    """
    i = np.asarray(currents, float)[:, None]
    tau, th, reset = node.tau[None, :], node.v_threshold[None, :], node.v_reset[None, :]
    v_inf = node.v_leak[None, :] + node.r[None, :] * i
    hold_t = np.broadcast_to(np.asarray(t_ref, float), node.tau.shape)[None, :]
    v = np.broadcast_to(reset, v_inf.shape).copy()
    hold = np.zeros_like(v_inf)
    count = np.zeros(v_inf.shape, int)
    first = np.full(v_inf.shape, np.nan)
    last = np.full(v_inf.shape, np.nan)
    for step in range(int(round(duration / dt))):
        t0 = step * dt
        run = np.maximum(dt - hold, 0.0)
        hold = np.maximum(hold - dt, 0.0)
        v_new = v_inf + (v - v_inf) * np.exp(-run / tau)
        spk = v_new > th
        if np.any(spk):
            with np.errstate(divide="ignore", invalid="ignore"):
                t_cross = tau * np.log((v - v_inf) / (th - v_inf))
            t_spike = t0 + (dt - run) + t_cross
            rest = dt - (dt - run) - t_cross - hold_t
            v_after = np.where(rest > 0, v_inf + (reset - v_inf) * np.exp(-np.maximum(rest, 0)
                                                                          / tau), reset)
            v_new = np.where(spk, v_after, v_new)
            hold = np.where(spk, np.maximum(-rest, 0.0), hold)
            first = np.where(spk & np.isnan(first), t_spike, first)
            last = np.where(spk, t_spike, last)
            count += spk
        v = v_new
    span = last - first
    return np.where(count >= 2, (count - 1) / np.where(span > 0, span, 1.0), 0.0)
