"""Sphinx configuration of the lifspice documentation (``make docs``)."""

from __future__ import annotations

from importlib.metadata import version as _version

project = "lifspice"
author = "lifspice maintainers"
copyright = "the lifspice maintainers"
# from the installed metadata, not `import lifspice`: a package that fails to import shows
# as autodoc warnings (which fail `make docs`), not as a configuration error
release = version = _version("lifspice")

extensions = [
    "myst_nb",                      # MyST markdown and notebooks (brings myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",          # the numpydoc docstring style of the kit
    "sphinx.ext.mathjax",
]

# notebooks/ is a link to the repository's notebooks/, which also holds the scripts that
# write them; only the .ipynb files are pages
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# --- notebooks: stored executed (make notebooks); the docs show those outputs as they are
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# the guides name repository files (`notebooks/05_...ipynb`) in plain text: no link targets

# --- API reference
autosummary_generate = True
autosummary_imported_members = False
# members defined in each module only: a package that re-exports (``__all__``) does not
# document the same object a second time
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True,
                           "ignore-module-all": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_mock_imports = ["brian2", "nest"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" as fields: dataclass fields are documented once
napoleon_preprocess_types = True
# Every Python cross-reference in a docstring must resolve (`make docs` and the test build
# with -W: a dangling one fails them). Names outside the kit have no inventory here (the build is offline:
# no intersphinx), so the standard library's, numpy's and numpydoc's type words are known
# not to link; the kit's short names in "Parameters" sections map to their full paths.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|pathlib|collections\.abc|os|typing|dataclasses|concurrent|importlib|"
               r"multiprocessing|threading|xarray|distributed|dask|matplotlib|scipy)(\..*)?"),
    (r"py:.*", r"(array_like|array-like|sequence|callable|mapping|path|ndarray|optional|"
               r"shape|default|True|False|None|int|float|str|bool|dict|list|tuple|object|"
               r"iterable|generator|file|Path|Sequence|Mapping|Callable|Iterable|Iterator|"
               r"Any|TypeVar)"),
    # numpydoc type fields are prose as much as types ("shape (n, 4)", "callable(stage,
    # done, total)", "float or None"): the pieces that are no identifier do not link
    (r"py:class", r".*[\s()\[\]|,].*"),
    (r"py:class", r"[a-z_][a-z0-9_]*"),
    (r"py:class", r"[0-9.eE+-]+"),
    (r"py:.*", r"lifspice\..*\.[TR]"),     # TypeVars of generic signatures
    (r"py:.*", r".*\._[A-Za-z]\w*"),       # private helpers named in a signature
]
_KIT_TYPES = {
    "LifParams": "lifspice.circuits.params.LifParams",
    "SaturatingLifParams": "lifspice.circuits.params.SaturatingLifParams",
    "ParameterError": "lifspice.circuits.params.ParameterError",
    "BehavioralNeuron": "lifspice.circuits.behavioral.neuron.BehavioralNeuron",
    "Sky130Neuron": "lifspice.circuits.cmos.neuron.Sky130Neuron",
    "CmosNeuron": "lifspice.circuits.cmos.neuron.CmosNeuron",
    "Gf180Neuron": "lifspice.circuits.cmos.gf180.Gf180Neuron",
    "CmosBench": "lifspice.circuits.cmos.bench.CmosBench",
    "Process": "lifspice.pdk.process.Process",
    "Stimulus": "lifspice.circuits.stimulus.Stimulus",
    "Bench": "lifspice.circuits.bench.Bench",
    "Probes": "lifspice.circuits.bench.Probes",
    "Simulator": "lifspice.sim.result.Simulator",
    "SimResult": "lifspice.sim.result.SimResult",
    "SimulationError": "lifspice.sim.result.SimulationError",
    "SimPool": "lifspice.sim.pool.SimPool",
    "LifFit": "lifspice.analysis.fit.LifFit",
    "GmidTable": "lifspice.analysis.gmid.GmidTable",
    "GmidTables": "lifspice.analysis.gmid.GmidTables",
    "Mismatch": "lifspice.analysis.sizing.mismatch.Mismatch",
    "SizingTargets": "lifspice.analysis.sizing.targets.SizingTargets",
    "Characterization": "lifspice.flows.characterize.Characterization",
    "Spreads": "lifspice.flows.montecarlo.sample.Spreads",
    "SampleSpec": "lifspice.flows.montecarlo.sample.SampleSpec",
    "SweepPlan": "lifspice.flows.montecarlo.sweep.SweepPlan",
}
napoleon_type_aliases = {k: f"~{v}" for k, v in _KIT_TYPES.items()}

# --- HTML
# alabaster (Sphinx's default): light, and its collapsed sidebar keeps the build fast with
# one page per module (furo's full navigation tree per page costs ~40 % more build time)
html_theme = "alabaster"
html_title = f"lifspice {release}"
html_theme_options = {
    "description": "Leaky integrate-and-fire neurons in ngspice, checked against theory",
    "fixed_sidebar": True,
    "sidebar_collapse": True,
    "page_width": "1100px",
    "sidebar_width": "260px",
}
html_static_path: list[str] = []
