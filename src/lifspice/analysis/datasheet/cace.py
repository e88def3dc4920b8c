"""The CACE-style YAML subset a datasheet spec may be written in (CACE: PyPI ``cace``, the
open-source analog characterization engine), turned into the tables of
:func:`lifspice.analysis.datasheet.spec.spec_from_dict`."""

from __future__ import annotations

from typing import Any

from lifspice.circuits.params import ParameterError


def parse_cace_yaml(text: str, where: str = "spec") -> dict:
    """The tables of :func:`~lifspice.analysis.datasheet.spec.spec_from_dict` from a
    CACE-style YAML datasheet.

    Read: ``parameters: NAME: {description, spec: {minimum, typical, maximum}, conditions}``;
    a limit is a number, ``any``, or ``{value: x}`` (CACE's ``fail`` etc. are ignored);
    conditions ``corner`` (a list or ``{enumerate: [...]}``), ``temperature`` (a list,
    ``{enumerate: [...]}`` or ``{minimum, typical, maximum}``) put the parameter over the
    corner grid, ``vdd`` over the supply condition, ``montecarlo``/``iterations`` over Monte
    Carlo, and ``current`` sets a rate's input; no condition: nominal. Other top-level keys
    (CACE's ``name``, ``PDK``, ``pins``, ``paths``, ...) are ignored.
    """
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ParameterError(f"{where}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("parameters"), dict):
        raise ParameterError(f"{where}: a CACE-style datasheet holds a 'parameters' mapping")
    grid: dict[str, list] = {"corners": [], "temperatures_c": [], "vdd_V": []}
    params = {}
    for name, entry in doc["parameters"].items():
        if not isinstance(entry, dict):
            raise ParameterError(f"{where}: parameter {name!r}: give a mapping")
        table = {k: v for k, v in entry.items() if k in ("quantity", "description",
                                                       "statistic", "yield_min", "current")}
        for key, limit in (entry.get("spec") or {}).items():
            if key not in ("minimum", "typical", "maximum"):
                raise ParameterError(f"{where}: parameter {name!r}: spec key {key!r}; valid: "
                                     "minimum, typical, maximum")
            table[key] = limit.get("value") if isinstance(limit, dict) else limit
        table.update(_cace_conditions(entry.get("conditions") or {}, grid, f"{where}: "
                                      f"parameter {name!r}"))
        params[str(name)] = table
    cond = {k: sorted(set(v), key=v.index) for k, v in grid.items() if v}
    return {"title": str(doc.get("description", doc.get("name", ""))),
            "conditions": cond, "parameters": params}


def _enumerate(value: Any) -> list:
    if isinstance(value, dict):
        if "enumerate" in value:
            return list(value["enumerate"])
        return [value[k] for k in ("minimum", "typical", "maximum") if k in value]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _cace_conditions(cond: Any, grid: dict[str, list], where: str) -> dict:
    if not isinstance(cond, dict):
        raise ParameterError(f"{where}: conditions must be a mapping")
    out: dict[str, Any] = {}
    names: list[str] = []
    for key, value in cond.items():
        k = str(key).lower()
        if k == "corner":
            out["corners"] = [str(c).lower() for c in _enumerate(value)]
            grid["corners"] += out["corners"]
            names.append("corners")
        elif k == "temperature":
            out["temperatures_c"] = [float(t) for t in _enumerate(value)]
            grid["temperatures_c"] += out["temperatures_c"]
            names.append("corners")
        elif k == "vdd":
            grid["vdd_V"] += [float(v) for v in _enumerate(value)]
            names.append("supply")
        elif k in ("montecarlo", "iterations"):
            names.append("montecarlo")
        elif k == "current":
            out["current"] = _enumerate(value)[0]
        else:
            raise ParameterError(f"{where}: unknown condition {key!r}; valid conditions: "
                                 "corner, temperature, vdd, montecarlo, iterations, current")
    out["conditions"] = sorted(set(names), key=names.index) or ["nominal"]
    return out


__all__ = ["parse_cace_yaml"]
