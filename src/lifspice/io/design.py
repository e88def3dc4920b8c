"""Design files: TOML or JSON, flat keys in SI units, or a shipped reference design by name.

A behavioral design needs only the six LIF keys::

    c_mem = 1e-12     # F
    g_leak = 1e-10    # S
    v_rest = 0.2      # V
    v_th = 0.6        # V
    v_reset = 0.1     # V
    t_ref = 2e-3      # s

plus, optionally, ``circuit = "behavioral"`` and the circuit keys of
:class:`lifspice.circuits.behavioral.neuron.BehavioralNeuron` (``v_lin``, ``w_cmp``, ``t_edge``,
``t_hold_min``).  ``circuit = "sky130"`` selects the transistor-level neuron, whose keys are
those of :class:`lifspice.circuits.cmos.neuron.Sky130Neuron`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from lifspice.circuits.kinds import KINDS, kind_of
from lifspice.circuits.params import ParameterError

DEFAULT_DESIGN = "behavioral"


def reference_designs() -> list[str]:
    """Names of the shipped reference designs (``lifspice characterize --design NAME``)."""
    folder = resources.files("lifspice") / "designs"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def _shipped_text(name: str) -> str:
    return (resources.files("lifspice") / "designs" / f"{name}.toml").read_text()


def design_summary(name: str) -> str:
    """First sentence of a shipped design's header comment (what ``lifspice designs`` shows)."""
    words = []
    for line in _shipped_text(name).splitlines():
        if not line.startswith("#"):
            break
        words += line.lstrip("#").split()
    head = " ".join(words)
    end = head.find(". ")
    return head if end < 0 else head[: end + 1]


def read_design_file(spec: str | Path) -> dict[str, Any]:
    """The raw key/value table of a design file or of a reference design named ``spec``."""
    path = Path(spec)
    if path.suffix.lower() in (".toml", ".json") or path.exists():
        if path.is_dir():
            raise ParameterError(f"design {path} is a folder; give a .toml or .json file")
        if not path.is_file():
            raise FileNotFoundError(f"design file {path} does not exist")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise ParameterError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); "
                                 "save the design file as UTF-8") from None
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as e:
                raise ParameterError(f"{path}: not valid JSON ({e})") from None
        else:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                raise ParameterError(f"{path}: not valid TOML ({e})") from None
        if not isinstance(data, dict):
            raise ParameterError(f"{path}: a design file holds a table of keys")
        return _relative_to(check_values(data, str(path)), path.parent)
    name = str(spec)
    if name not in reference_designs():
        raise ParameterError(
            f"no design file {name!r} and no reference design of that name; reference "
            f"designs: {', '.join(reference_designs())}"
        )
    return tomllib.loads(_shipped_text(name))


#: Design keys that hold a table (a subckt design's ``[pins]``).
TABLE_KEYS = ("pins",)
#: Design keys naming a file, read relative to the design file.
FILE_KEYS = ("netlist",)


def _relative_to(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    for key in FILE_KEYS:
        if isinstance(data.get(key), str) and not Path(data[key]).is_absolute():
            data[key] = str((folder / data[key]).resolve())
    return data


def check_values(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Refuse values no design key takes: JSON null, tables and lists (every key is a
    number in SI units or a short text such as ``circuit``; :data:`TABLE_KEYS` hold a table).
    """
    for key, value in data.items():
        if key in TABLE_KEYS and isinstance(value, dict):
            continue
        if value is None:
            raise ParameterError(f"{where}: key {key!r} is null; give a number in SI units "
                                 "or leave the key out for its default")
        if isinstance(value, (dict, list)):
            raise ParameterError(f"{where}: key {key!r} holds a {type(value).__name__}; "
                                 "design keys are flat: a number in SI units or a text")
    return data


def load_design(spec: str | Path | Mapping[str, Any] | None = None):
    """A neuron design from a file path, a reference-design name or a mapping of keys.

    The ``circuit`` key picks the kind (:data:`lifspice.circuits.kinds.KINDS`; default
    ``"behavioral"``).  A design object is returned as it is.
    """
    if spec is None:
        spec = DEFAULT_DESIGN
    if not isinstance(spec, (str, Path, Mapping)):
        kind_of(spec)  # a design object: TypeError when it is no known kind
        return spec
    data = (check_values(dict(spec), "design") if isinstance(spec, Mapping)
            else read_design_file(spec))
    circuit = data.pop("circuit", "behavioral")
    if circuit not in KINDS:
        raise ParameterError(f"unknown circuit {circuit!r}; choose one of {sorted(KINDS)}")
    data.pop("name", None)
    return KINDS[circuit].from_dict(data)


def design_to_dict(design) -> dict[str, Any]:
    """Flat key table of a design (what a design file holds)."""
    return dict(design.to_dict())
