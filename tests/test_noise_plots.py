"""Noise figures build from NoisyPoint results (here filled by the numpy simulator)."""

from __future__ import annotations

import math

import pytest

from lifspice.analysis import theory as tn
from lifspice.analysis.plots import noise as noise_plots
from lifspice.circuits.params import LifParams
from lifspice.flows.noise import NoisyPoint

P = LifParams(c_mem=1e-12, g_leak=1e-10, v_rest=0.2, v_th=0.6, v_reset=0.1, t_ref=1e-3)
SQ = math.sqrt(P.g_leak * P.c_mem)


def _point(mu, sigma):
    isis = tn.simulate_noisy(P, mu, sigma, n_isi=2, n_trials=100, rng=1).isis.ravel()
    return NoisyPoint(mu=mu, sigma=sigma, isis=isis, theory_rate=tn.rate_siegert(P, mu, sigma),
                      theory_cv=tn.cv_siegert(P, mu, sigma), runs=1, t_stop=1.0,
                      dt_noise=P.tau_m / 400)


@pytest.mark.slow
def test_noise_figures(tmp_path):
    import matplotlib.pyplot as plt

    pts = [_point(m * P.rheobase, s * SQ) for s in (0.1, 0.2) for m in (0.9, 1.5)]
    fig = noise_plots.noisy_fi_figure(pts, P, n_curve=15)
    assert len(fig.axes) == 2
    # two Siegert curves + the deterministic one on the rate axis
    assert len(fig.axes[0].lines) >= 3
    fig.savefig(tmp_path / "fi.png")
    fig2 = noise_plots.isi_histogram_figure(pts[:2], P, reference_isis=400)
    assert len(fig2.axes) == 2
    fig2.savefig(tmp_path / "isi.png")
    assert (tmp_path / "isi.png").stat().st_size > 1000
    plt.close("all")


def test_points_csv(tmp_path):
    import csv

    from lifspice.flows.noise import write_points_csv

    pts = [_point(1.5 * P.rheobase, 0.1 * SQ)]
    write_points_csv(pts, tmp_path / "noise.csv")
    with open(tmp_path / "noise.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    assert float(rows[0]["rate_Hz"]) == pts[0].rate
    assert float(rows[0]["theory_cv"]) == pts[0].theory_cv
