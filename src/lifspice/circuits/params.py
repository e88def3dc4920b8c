"""Neuron parameters: SI floats in frozen dataclasses, validated on construction.

Every quantity is in SI units (F, S, V, s, A); names carry the meaning, docstrings the unit.
Sweep a parameter with :func:`dataclasses.replace`, which re-runs the validation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields


class ParameterError(ValueError):
    """A neuron or circuit parameter is out of range; the message names it and the fix."""


def check_finite(owner: str, **values: float | None) -> None:
    """Raise :class:`ParameterError` if any of ``values`` is not a finite real number."""
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(
                f"{owner}.{name} must be a number in SI units, got {value!r} "
                f"({type(value).__name__})"
            )
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond float range (a 400-digit JSON number)
            finite = False
        if not finite:
            raise ParameterError(f"{owner}.{name} must be finite, got {value!r:.40}")


def check_positive(owner: str, unit: str, **values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ParameterError(
                f"{owner}.{name} must be > 0 {unit}, got {value!r}; "
                f"give a positive value in SI units ({unit})"
            )


# Physically plausible ranges of the LIF quantities (SI): far wider than any neuron, silicon
# or biological, but they refuse the absurd values (c_mem = 1e-300 F, g_leak = 1e300 S) that
# would otherwise reach ngspice as a 5e-315 s time step. name -> (low, high, unit).
#: name -> (low, high, unit) of each LIF quantity's plausible range, SI.
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    "c_mem": (1e-18, 1.0, "F"),
    "g_leak": (1e-18, 1e3, "S"),
    "v_rest": (-1e3, 1e3, "V"),
    "v_th": (-1e3, 1e3, "V"),
    "v_reset": (-1e3, 1e3, "V"),
    "t_ref": (0.0, 1e6, "s"),
    "tau_m": (1e-12, 1e6, "s"),
}


def check_plausible(owner: str, **values: float) -> None:
    """Raise :class:`ParameterError` for a value outside its :data:`PLAUSIBLE` range."""
    for name, value in values.items():
        lo, hi, unit = PLAUSIBLE[name]
        if not lo <= value <= hi:
            raise ParameterError(
                f"{owner}.{name} = {value!r} {unit} is outside the plausible range "
                f"[{lo:g}, {hi:g}] {unit}; check the units (SI: {unit})"
            )


class SpontaneousFiringWarning(UserWarning):
    """v_rest >= v_th: the neuron fires with no input at all."""


@dataclass(frozen=True, kw_only=True)
class LifParams:
    """The textbook leaky integrate-and-fire neuron.

    ``c_mem dV/dt = -g_leak (V - v_rest) + I_in``; at ``V = v_th`` a spike is emitted,
    V is set to ``v_reset`` and held there for ``t_ref``.

    Parameters
    ----------
    c_mem : float
        Membrane capacitance, F.
    g_leak : float
        Leak conductance (the OTA transconductance g_m in silicon), S.
    v_rest : float
        Resting potential the leak pulls toward, V.
    v_th : float
        Firing threshold, V.
    v_reset : float
        Reset potential, V. Must be below ``v_th``.
    t_ref : float
        Refractory (hold) time after a spike, s.
    """

    c_mem: float
    g_leak: float
    v_rest: float
    v_th: float
    v_reset: float
    t_ref: float = 0.0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_finite(owner, **{f.name: getattr(self, f.name) for f in fields(self)})
        check_positive(owner, "F", c_mem=self.c_mem)
        check_positive(owner, "S", g_leak=self.g_leak)
        if not self.v_th > self.v_reset:
            raise ParameterError(
                f"{owner}: v_th ({self.v_th!r} V) must be above v_reset ({self.v_reset!r} V); "
                "raise v_th or lower v_reset"
            )
        if self.t_ref < 0:
            raise ParameterError(f"{owner}.t_ref must be >= 0 s, got {self.t_ref!r}")
        check_plausible(owner, **{k: getattr(self, k) for k in PLAUSIBLE if k != "tau_m"},
                        tau_m=self.c_mem / self.g_leak)

    @property
    def tau_m(self) -> float:
        """Membrane time constant c_mem / g_leak, s."""
        return self.c_mem / self.g_leak

    @property
    def r_mem(self) -> float:
        """Membrane resistance 1 / g_leak, ohm."""
        return 1.0 / self.g_leak

    @property
    def spontaneous(self) -> bool:
        """True when v_rest >= v_th: the neuron fires with zero input."""
        return self.v_rest >= self.v_th

    @property
    def rheobase(self) -> float:
        """Smallest constant input current that makes the neuron fire, A (0 if spontaneous)."""
        return max(0.0, self.g_leak * (self.v_th - self.v_rest))

    @property
    def swing(self) -> float:
        """Largest excursion of the membrane from v_rest during firing, V."""
        return max(abs(self.v_th - self.v_rest), abs(self.v_reset - self.v_rest))

    def warn_if_spontaneous(self) -> None:
        if self.spontaneous:
            warnings.warn(
                f"v_rest ({self.v_rest} V) >= v_th ({self.v_th} V): this neuron fires "
                "spontaneously with no input",
                SpontaneousFiringWarning,
                stacklevel=2,
            )

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(LifParams)}


@dataclass(frozen=True, kw_only=True)
class SaturatingLifParams(LifParams):
    """LIF whose leak saturates as an OTA's output current does.

    ``c_mem dV/dt = I_in - i_b tanh((V - v_rest) / v_lin)`` with ``v_lin = i_b / g_leak``:
    for small swings this is the textbook leak ``g_leak (V - v_rest)``, for large swings the
    leak current is capped at ``i_b``.

    Parameters
    ----------
    i_b : float
        Saturation current of the leak (the OTA tail current), A.
    """

    i_b: float

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(type(self).__name__, i_b=self.i_b)
        check_positive(type(self).__name__, "A", i_b=self.i_b)

    @property
    def v_lin(self) -> float:
        """Linear range of the leak, i_b / g_leak, V."""
        return self.i_b / self.g_leak

    @property
    def rheobase(self) -> float:
        """Smallest constant input that fires the neuron: ``i_b tanh((v_th - v_rest)/v_lin)``, A."""
        return max(0.0, self.i_b * math.tanh((self.v_th - self.v_rest) / self.v_lin))

    def as_dict(self) -> dict[str, float]:
        return {**super().as_dict(), "i_b": float(self.i_b)}

    def ideal(self) -> LifParams:
        """The textbook LIF with the same small-signal parameters."""
        return LifParams(**LifParams.as_dict(self))
