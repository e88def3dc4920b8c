"""Short texts for the terminal: a characterization's report, a Monte Carlo summary, a
sizing result (what the CLI prints and the results' ``summary()`` return)."""

from __future__ import annotations

import math


def _topology(design) -> str:
    """`` (lean topology)`` for a transistor design that says so, else empty."""
    topology = design.get("topology") if isinstance(design, dict) else None
    return f" ({topology} topology)" if topology else ""


def characterization_summary(rep: dict) -> str:
    """A few lines for the terminal."""

    def si(x, unit):
        if x is None:
            return "n/a"
        for scale, prefix in ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"),
                              (1e-3, "m"), (1.0, "")):
            if abs(x) < scale * 1000:
                return f"{x / scale:.4g} {prefix}{unit}"
        return f"{x:.4g} {unit}"

    def rms(fit):
        if fit.get("rms_rel_error") is None:  # exactly determined: the message says so
            return "RMS error n/a (" + str(fit.get("message", "no error estimate")).split(
                ":")[0] + ")"
        return f"RMS error {100 * fit['rms_rel_error']:.3g}%"

    fit = rep["fit"]
    fp = fit["params"]
    lines = [
        f"circuit        {rep['circuit']}" + _topology(rep.get("design")),
        f"tau_m          {si(rep['tau_m_s'], 's')} (step)   C/g_m {si(rep['tau_pred_s'], 's')}"
        f"   g_m {si(rep['gm_S'], 'S')}",
        f"V_th           {si(rep['v_th_V'], 'V')}   V_reset {si(rep['v_reset_V'], 'V')}"
        f"   t_ref {si(rep['t_ref_s'], 's')}",
        f"rheobase       {si(rep['rheobase_A'], 'A')}",
        *_fi_range_lines(rep.get("fi_range"), si),
        f"ideal LIF fit  C {si(fp['c_mem'], 'F')}  g {si(fp['g_leak'], 'S')}"
        f"  tau {si(fp['c_mem'] / fp['g_leak'], 's')}  t_ref {si(fp['t_ref'], 's')}"
        f"  {rms(fit)}",
        f"saturating fit {rms(rep['fit_saturating'])}"
        f"   prediction (no fit) {100 * (rep['prediction_rms_rel_error'] or math.nan):.3g}%",
    ]
    if rep.get("spontaneous"):
        lines.append("spontaneous    v_rest >= v_th: this neuron fires with no input")
    if "energy_per_spike_J" in rep:
        lines.append(f"energy/spike   {si(rep['energy_per_spike_J'], 'J')}"
                     f"   static power {si(rep.get('static_power_W'), 'W')}")
    return "\n".join(lines)


def _fi_range_lines(r: dict | None, si) -> list[str]:
    """The F-I range line: up to which current and rate, limited by what."""
    if not r:
        return []
    line = (f"F-I range      up to {si(r['i_max_A'], 'A')} ({si(r['f_max_Hz'], 'Hz')}), "
            f"limited by {r['limited_by']}: {r['reason']}")
    if r.get("currents") == "given":
        line += " (currents given by the caller)"
    return [line]


def _num(x, spec: str) -> str:
    """``format(x, spec)``, or ``-`` padded to the same width for None / not a number."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return format(x, spec)
    width = "".join(c for c in spec.split(".")[0] if c.isdigit())
    return format("-", f">{width or 1}")


def montecarlo_summary(s: dict) -> str:
    """Short text of a summary.json: n, failures, mean/std/cv per quantity, the floor.
    Missing or None values print as ``-`` (a sweep whose samples all failed has no mean)."""
    lines = [f"{s.get('n_samples')} samples ({s.get('n_failed')} failed), seed {s.get('seed')}, "
             f"corner {s.get('corner')}, {_num(s.get('samples_per_s'), '.3g')} samples/s",
             f"{'quantity':<20}{'mean':>12}{'std':>12}{'cv':>9}{'n':>6}{'floor/std':>11}"]
    for k in s.get("quantities", []):
        q = s.get(k) or {}
        if q.get("mean") is None:
            continue
        lines.append(f"{k:<20}{_num(q['mean'], '12.5g')}{_num(q.get('std'), '12.4g')}"
                     f"{_num(q.get('cv'), '9.4f')}{_num(q.get('n'), '6d')}"
                     f"{_num(q.get('floor_over_std'), '11.3g')}")
    nf = s.get("noise_floor")
    if nf:
        verdict = "under" if nf.get("under_limit") else "NOT under"
        single = nf.get("worst_single_sample_over_std")
        lines.append(f"numerical floor ({nf.get('samples', 1)} samples rerun with 1 uV nudges, "
                     f"{nf.get('reruns')} runs): worst floor/std "
                     f"{_num(nf.get('worst_floor_over_std'), '.3g')}"
                     + (f" (noisiest single sample {_num(single, '.3g')})" if single is not None
                        else "")
                     + f", {verdict} the {_num(nf.get('limit'), 'g')} limit"
                     + (f" (no resolved spread, not counted: {', '.join(nf['no_resolved_spread'])})"
                        if nf.get("no_resolved_spread") else ""))
    for f in s.get("failures", [])[:5]:
        lines.append(f"failed sample {f.get('sample')} (seed {f.get('seed')}): {f.get('error')}")
    for key in ("process_mc_note", "draw_note"):
        if s.get(key):
            lines.append(f"note: {s[key]}")
    return "\n".join(lines)


def sizing_summary(result) -> str:
    """A few lines: targets, chosen sizes, predicted and simulated tau_m."""
    d, n = result.design, result.neuron
    um = 1e6
    lines = [
        f"tau_m target {d.targets.tau_m * 1e3:.4g} ms: tables predict "
        f"{result.tau_predicted * 1e3:.4g} ms, first simulation {result.history[0][1] * 1e3:.4g}"
        f" ms; final {result.tau_simulated * 1e3:.4g} ms ({result.error * 100:+.2f} %, "
        f"{len(result.history)} simulation(s))",
        f"C_mem {n.c_mem_nominal * 1e12:.4g} pF (MIM {n.mim_size[0] * um:.3g} um square), "
        f"i_b {n.i_b * 1e12:.4g} pA",
        f"OTA pair W/L {n.w_ota_in * um:g}/{n.l_ota_in * um:g} um, mirror "
        f"{n.w_ota_mirror * um:g}/{n.l_ota_mirror * um:g}, tail {n.w_ota_tail * um:g}/"
        f"{n.l_ota_tail * um:g}; comparator pair {n.w_cmp_in * um:g}/{n.l_cmp_in * um:g}; "
        f"reset {n.w_reset * um:g}/{n.l_reset * um:g}",
        f"refractory c_ref {n.c_ref * 1e15:.3g} fF, i_ref {n.i_ref * 1e12:.3g} pA"
        + ("" if result.t_ref_simulated is None else
           f": t_ref simulated {result.t_ref_simulated * 1e3:.4g} ms (target "
           f"{d.targets.t_ref * 1e3:.4g} ms)"),
        "leakage into the membrane: " + ", ".join(
            f"{v * 1e12:.3g} pA at {t:g} C" for t, v in d.leakage.items()),
        f"sigma(tau)/tau {d.sigma_tau_rel * 100:.2g} %, sigma(V_th) {d.sigma_vth * 1e3:.3g} mV,"
        f" area {d.area['total'] * 1e12:.0f} um^2, static power {d.power * 1e9:.3g} nW",
    ]
    rng = f"input current range: rheobase ~{d.rheobase * 1e12:.4g} pA"
    if result.i_in_max is not None:
        rng += (f" .. {result.i_in_max * 1e12:.4g} pA for {d.targets.max_rate:g} Hz "
                f"(simulated {result.rate_at_i_in_max:.4g} Hz; predicted "
                f"{d.i_in_max * 1e12:.4g} pA)")
    lines.append(rng)
    for temp, tau in result.tau_by_temperature.items():
        lines.append(f"simulated tau_m at {temp:g} C: "
                     + ("no fit" if tau is None else f"{tau * 1e3:.4g} ms"))
    lines += list(d.notes) + [result.message]
    return "\n".join(lines)
