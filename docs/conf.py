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
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_mock_imports = ["brian2", "nest"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = True
# Python cross-references in docstrings are resolved where they can be; a dangling one is
# not a build error (run `make docs NITPICKY=1` to list them)
nitpicky = False

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
