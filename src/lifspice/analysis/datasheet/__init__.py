"""Datasheets, the pure part: specs (:mod:`~lifspice.analysis.datasheet.spec`), the default
spec of a design (:mod:`~lifspice.analysis.datasheet.defaults`), limits and yield
(:mod:`~lifspice.analysis.datasheet.limits`) and the theory column
(:mod:`~lifspice.analysis.datasheet.theory_column`). The flow is
:mod:`lifspice.flows.datasheet`; the files :mod:`lifspice.io.datasheet`."""

from lifspice.analysis.datasheet.defaults import spec_from_design, spec_from_sizing
from lifspice.analysis.datasheet.limits import (
    Measurements,
    binomial_interval,
    evaluate,
    overall_status,
)
from lifspice.analysis.datasheet.spec import (
    CONDITIONS,
    QUANTITIES,
    Spec,
    SpecParameter,
    check_for_design,
    read_spec,
    spec_from_dict,
)
from lifspice.analysis.datasheet.theory_column import fi_gain, theory_values

__all__ = ["CONDITIONS", "QUANTITIES", "Measurements", "Spec", "SpecParameter",
           "binomial_interval", "check_for_design", "evaluate", "fi_gain", "overall_status",
           "read_spec", "spec_from_design", "spec_from_dict", "spec_from_sizing",
           "theory_values"]
