"""Sphinx configuration of the lifspice documentation (``make docs``)."""

from __future__ import annotations

import lifspice

project = "lifspice"
author = "lifspice maintainers"
copyright = "the lifspice maintainers"
release = version = lifspice.__version__

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
autodoc_default_options = {"members": True, "show-inheritance": True}
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
html_theme = "furo"
html_title = f"lifspice {release}"
html_static_path: list[str] = []
