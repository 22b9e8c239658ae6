# Set-up and test entry points.  `make lab` and `make test` work on a fresh machine
# (Python 3.11, Node 20, apt); everything else here is a step they use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
JLPM := $(BIN)/jlpm
# torch's CPU build, installed before the test extra: a bare torch requirement would pull
# the CUDA build (GBs).  pip must be able to find it (pip's find-links, or
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu); PyPI's own Linux wheels are CUDA.
TORCH ?= torch==2.13.0
# Where `make hub` serves JupyterHub.
HUB_PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
LAB_ARGS ?= $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# Tools call each other by name (jupyter -> jupyter-builder -> jlpm): the venv comes first.
export PATH := $(BIN):$(PATH)
# A comma inside $(call ...) arguments.
, := ,

.PHONY: lab hub test install install-lab system-deps lint pytest jest ui-test bench bench-ui clean

## Install what the lab needs and start JupyterLab with the extension (SQLite + local artifacts).
lab: install-lab
	$(BIN)/jupyter lab $(LAB_ARGS)

## The team set-up to try: JupyterHub 5 on http://127.0.0.1:$(HUB_PORT) (users alice and bob, the
## password is printed), one PostgreSQL tracking store, one S3 artifact root (moto's server);
## see docs/team.md.  Ctrl-C stops it all.  The same set-up as tests/hub/.
hub: install system-deps
	MLP_HUB_PORT=$(HUB_PORT) $(PY) -m tests.hub.team

## Install everything and run every test suite: ruff, mypy, pytest, jest, Galata.
test: install system-deps lint pytest jest ui-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# An editable install of the package with extras ($(1)), then the labextension linked in
# development mode.  pip writes the package's shared data into the venv: through the link
# that `labextension develop` leaves there, it would write install.json into our own
# labextension folder, and the next editable build would add that file twice and fail.
# So the link goes before pip runs (with what an earlier install left through it) and
# comes back after.
LABEXT_LINK := $(VENV)/share/jupyter/labextensions/jupyterlab-mlplatform
define install_editable
	if [ -L $(LABEXT_LINK) ]; then rm $(LABEXT_LINK); fi
	rm -f jupyterlab_mlplatform/labextension/install.json
	$(PY) -m pip install --quiet -e ".[$(1)]"
	$(BIN)/jupyter labextension develop . --overwrite
endef

# The lab: the package with the `lab` extra (the labextension's build tools, what deployments
# and the getting-started notebook run) and the `autolog` extra.
$(VENV)/.installed-lab: $(PY) pyproject.toml package.json yarn.lock
	$(call install_editable,lab$(,)autolog)
	touch $@

# Everything the test suites need on top (torch's CPU build first, see TORCH).
$(VENV)/.installed: $(VENV)/.installed-lab
	$(PY) -m pip install --quiet "$(TORCH)"
	$(call install_editable,lab$(,)autolog$(,)dev$(,)test)
	touch $@

install-lab: $(VENV)/.installed-lab
	cd $(CURDIR) && $(JLPM) build

install: $(VENV)/.installed
	cd $(CURDIR) && $(JLPM) build

## Debian's chromium (browser tests), PostgreSQL (store tests) and buildah, podman, runc and
## debootstrap (the container build test), when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	for tool in buildah podman runc debootstrap; do \
	  PATH="$$PATH:/usr/sbin:/sbin" command -v $$tool >/dev/null || missing="$$missing $$tool"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check jupyterlab_mlplatform tests $(wildcard bench)
	$(BIN)/ruff format --check jupyterlab_mlplatform tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(JLPM) lint:check

pytest: $(VENV)/.installed system-deps
	MLP_REQUIRE_POSTGRES=1 MLP_REQUIRE_CONTAINERS=1 MLP_REQUIRE_HUB=1 $(PY) -m pytest

jest: $(VENV)/.installed
	$(JLPM) test

ui-tests/node_modules/.installed: ui-tests/package.json ui-tests/yarn.lock $(VENV)/.installed
	cd ui-tests && $(JLPM) install
	touch $@

ui-test: install system-deps ui-tests/node_modules/.installed
	cd ui-tests && CI=1 $(JLPM) playwright test

## Speed and memory side by side with MLflow (not part of `make test`).
bench: install
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/run.py

## Experiments panel speed in Chromium (prints the figures; not part of `make test`).
bench-ui: install system-deps ui-tests/node_modules/.installed
	$(PY) -m pip install --quiet -e ".[bench]"
	cd ui-tests && CI=1 PYTHON=$(PY) $(JLPM) playwright test -c playwright.measure.config.js

clean:
	rm -rf $(VENV) node_modules ui-tests/node_modules lib jupyterlab_mlplatform/labextension
