"""Redraw the README figures from the kit itself (``make figures``).

    python docs/make_figures.py [--design sky130] [--points 12] [--samples 200] [--out docs/figures]

Writes, at 100 dpi, for the design (``sky130``, ``gf180``; ``make figures`` draws both):

* ``fi_<design>.png``: the neuron's F-I curve from ngspice against the textbook LIF
  (design parameters), the saturating-leak LIF predicted from the measurements and the
  ideal-LIF fit, with the residuals (``Characterization.plot_fi``);
* ``membrane_<design>.png``: its membrane trace over the ideal and saturating LIF;
* ``mc_<design>.png``: a mismatch Monte Carlo of the same design (the PDK's device
  mismatch, seeded): histograms of tau_m, V_th and the rate at twice the rheobase.

Everything goes through the one-call API (:func:`lifspice.api.characterize`,
:func:`lifspice.api.montecarlo`) and the kit's plotting functions; a run takes a minute or
two on two cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lifspice as ls  # noqa: E402
from lifspice.analysis.plots.montecarlo import histograms  # noqa: E402

DPI = 100
ROOT = Path(__file__).resolve().parents[1]
MC_KEYS = ("tau_m_s", "v_th_V", "rate_Hz_i0")


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def characterization_figures(out: Path, *, design: str, points: int,
                             workers: int | None) -> list[Path]:
    """F-I curve against theory and the membrane trace of ``design``."""
    ch = ls.characterize(design, points=points, workers=workers)
    return [_save(ch.plot_fi(), out / f"fi_{design}.png"),
            _save(ch.plot_membrane(), out / f"membrane_{design}.png")]


def montecarlo_figure(out: Path, *, design: str, samples: int, seed: int,
                      workers: int | None) -> Path:
    """Histograms of a small seeded mismatch Monte Carlo of ``design``."""
    with tempfile.TemporaryDirectory(prefix="lifspice-figures-mc-") as tmp:
        res = ls.montecarlo(design, samples=samples, seed=seed, out=tmp, currents=("2x",),
                            batch_size=max(1, samples // 4), workers=workers)
    fig = histograms(res.table, MC_KEYS)
    n_ok = int(res.table["ok"].sum())
    fig.suptitle(f"{design}: mismatch Monte Carlo, {n_ok} samples (seed {seed}), "
                 f"rate at 2x rheobase", fontsize=10)
    fig.tight_layout()
    return _save(fig, out / f"mc_{design}.png")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--design", default="sky130")
    ap.add_argument("--points", type=int, default=12, help="F-I points")
    ap.add_argument("--samples", type=int, default=200, help="Monte Carlo samples")
    ap.add_argument("--seed", type=int, default=1, help="Monte Carlo master seed")
    ap.add_argument("--workers", type=int, default=None, help="ngspice processes")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    characterization_figures(args.out, design=args.design, points=args.points,
                             workers=args.workers)
    montecarlo_figure(args.out, design=args.design, samples=args.samples, seed=args.seed,
                      workers=args.workers)
    print(f"done in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
