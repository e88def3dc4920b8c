"""Write a neuron or a population as a NIR graph (``nir`` package, HDF5 file).

Physical mode (default): ``input -> lif -> output`` with ``lif`` a ``nir.LIF`` in SI units
(``tau`` s, ``r`` Ohm, ``v_leak``, ``v_threshold``, ``v_reset`` V; the input is the current
into each neuron, A), one entry per neuron. ``normalize="snntorch"``: ``input -> affine ->
lif -> output`` in the coordinates snnTorch 1.0's importer reads as intended
(:mod:`lifspice.analysis.nir_graph`). Either way the LIF node's metadata carries what NIR
cannot: ``t_ref_s`` (per neuron), ``c_mem_F``, ``g_leak_S``, ``i_b_A`` (saturating leak),
the comparator delay, the design, circuit, corner, temperature and seed, and ``dropped``
naming what readers lose.

``nir`` is imported inside the functions (an optional extra: ``pip install lifspice[nir]``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lifspice.analysis.nir_graph import SNNTORCH_DT, physical_lif, snntorch_normalized
from lifspice.analysis.population import Population
from lifspice.io.export import ExportError
from lifspice.io.population import json_meta

NORMALIZE = ("snntorch",)


def _nir():
    try:
        import nir
    except ImportError as exc:
        raise ExportError("the nir package is not installed; pip install nir (or the "
                          "lifspice[nir] extra)") from exc
    return nir


def lif_metadata(pop: Population) -> dict:
    """What the kit knows that a NIR LIF node cannot hold (HDF5-writable values)."""
    meta = {"generator": "lifspice", "t_ref_s": pop.t_ref.copy(),
            "c_mem_F": pop.c_mem.copy(), "g_leak_S": pop.g_leak.copy(),
            "dropped": "t_ref (NIR has no refractory period): t_ref_s holds it per neuron",
            **json_meta(pop.meta)}
    if pop.i_b is not None:
        meta["i_b_A"] = np.asarray(pop.i_b, float)
        meta["v_lin_V"] = np.asarray(pop.i_b, float) / pop.g_leak
        meta["dropped"] += "; the saturating leak (i_b_A, v_lin_V): NIR's leak is linear"
    if pop.sample is not None:
        meta["sample"] = np.asarray(pop.sample, int)
    if pop.currents_A.size:
        meta["montecarlo_currents_A"] = pop.currents_A.copy()
        meta["montecarlo_rates_Hz"] = pop.rates_Hz.copy()
    return meta


def nir_graph(pop: Population, *, normalize: str | None = None, dt: float | None = None):
    """The population as a ``nir.NIRGraph`` (module docstring)."""
    nir = _nir()
    meta = lif_metadata(pop)
    shape = np.array([pop.n])
    if normalize is None:
        node = physical_lif(pop)
        meta["units"] = "tau s, r Ohm, v_leak/v_threshold/v_reset V, input current A"
        nodes = {"input": nir.Input(input_type=shape)}
        edges = [("input", "lif")]
    elif normalize == "snntorch":
        if dt is None:
            raise ExportError("--normalize snntorch needs --dt (the simulation step, s)")
        try:
            norm = snntorch_normalized(pop, dt)
        except ValueError as exc:
            raise ExportError(str(exc)) from exc
        node = norm.lif
        meta.update({
            "normalize": "snntorch", "dt_s": float(dt),
            "graph_seconds_per_step": SNNTORCH_DT,
            "units": ("membrane u = (v - v_reset) / (v_th - v_reset); graph time = physical "
                      f"time x {SNNTORCH_DT:g} / dt_s; input current A into 'affine'"),
            "beta": norm.beta, "v_reset_V": pop.v_reset.copy(),
            "v_swing_V": pop.v_th - pop.v_reset, "v_rest_V": pop.v_rest.copy(),
            "dropped": meta["dropped"] + "; snnTorch's v_leak and v_reset are 0 here, the "
                       "leak's pull toward v_rest is the affine bias"})
        nodes = {"input": nir.Input(input_type=shape),
                 "affine": nir.Affine(weight=norm.weight, bias=norm.bias)}
        edges = [("input", "affine"), ("affine", "lif")]
    else:
        raise ExportError(f"unknown normalisation {normalize!r}; valid: "
                          + ", ".join(NORMALIZE))
    nodes["lif"] = nir.LIF(tau=node.tau, r=node.r, v_leak=node.v_leak,
                           v_threshold=node.v_threshold, v_reset=node.v_reset, metadata=meta)
    nodes["output"] = nir.Output(output_type=shape)
    edges.append(("lif", "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges,
                        metadata={"generator": "lifspice", "n_neurons": pop.n})


def write_nir(pop: Population, path: str | os.PathLike, *, normalize: str | None = None,
              dt: float | None = None) -> Path:
    """Write :func:`nir_graph` to ``path`` (HDF5, ``nir.write``); returns the path."""
    nir = _nir()
    graph = nir_graph(pop, normalize=normalize, dt=dt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nir.write(path, graph)
    return path


def read_nir(path: str | os.PathLike):
    """A NIR file read back (``nir.read``)."""
    return _nir().read(Path(path))
