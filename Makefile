# basketcheck — the two commands a fresh clone needs: `make demo` and `make test`.
# Needs only python3 and make. The venvs are re-installed only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
VENV_TRAIN := .venv-train
EXTRAS := dev,postgres,app
PYTEST_ARGS ?=

export ORT_DISABLE_TELEMETRY := 1
export KIVY_NO_ARGS := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test test-train test-postgres lint bench train clean help

help:
	@echo "make demo        run the whole store on simulated hardware"
	@echo "make test        install into .venv and run the test suite (all but training tests)"
	@echo "make test-train  install the training extra into .venv-train and run the training tests"
	@echo "make lint        ruff and mypy"
	@echo "make bench       run every benchmark and print its figures"

$(VENV)/.installed: pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[$(EXTRAS)]'
	@touch $@

$(VENV_TRAIN)/.installed: pyproject.toml
	@test -x $(VENV_TRAIN)/bin/python || $(PYTHON) -m venv $(VENV_TRAIN)
	$(VENV_TRAIN)/bin/python -m pip install -q --upgrade pip
	$(VENV_TRAIN)/bin/python -m pip install -q -e '.[train,dev]'
	@touch $@

# The staff dashboard's browser tests drive Debian's Chromium (never a browser download).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "install Chromium (Debian package 'chromium') for the browser tests"; exit 2; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The shopper app's UI tests render offscreen (SDL offscreen driver) on Mesa's software EGL: no display needed.
MESA_EGL := /usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0
$(MESA_EGL):
	@command -v apt-get >/dev/null || { echo "install Mesa EGL (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri) for the app's UI tests"; exit 2; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri

demo: $(VENV)/.installed
	$(VENV)/bin/basketcheck demo

test: $(VENV)/.installed $(CHROMIUM) $(MESA_EGL)
	$(VENV)/bin/python -m pytest -m "not train" $(PYTEST_ARGS)

test-train: $(VENV_TRAIN)/.installed
	$(VENV_TRAIN)/bin/python -m pytest -m train $(PYTEST_ARGS)

# The tests that touch the database, against the DATABASE_URL in the environment (PostgreSQL in CI).
test-postgres: $(VENV)/.installed $(CHROMIUM) $(MESA_EGL)
	@test -n "$$DATABASE_URL" || { echo "make test-postgres: set DATABASE_URL=postgresql+psycopg://…"; exit 2; }
	$(VENV)/bin/python -m pytest -m "not train" tests/backend $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	$(VENV)/bin/basketcheck bench all

clean:
	rm -rf $(VENV) $(VENV_TRAIN) .pytest_cache .mypy_cache .ruff_cache
