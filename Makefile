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
	@echo "make train       reproduce the shipped detector (data set, training, export, evaluation; GPU if any)"
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

# The backend benchmark (and its slow test) drives Debian's wrk as the load generator.
WRK := /usr/bin/wrk
$(WRK):
	@command -v apt-get >/dev/null || { echo "install wrk (Debian package 'wrk') for the backend benchmark"; exit 2; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

# The deployment test puts the shipped nginx config (docs/deploy/nginx.conf) in front of two backend processes.
NGINX := /usr/sbin/nginx
$(NGINX):
	@command -v apt-get >/dev/null || { echo "install nginx (Debian package 'nginx-light') for the deployment test"; exit 2; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light

demo: $(VENV)/.installed
	$(VENV)/bin/basketcheck demo

test: $(VENV)/.installed $(CHROMIUM) $(MESA_EGL) $(WRK) $(NGINX)
	$(VENV)/bin/python -m pytest -m "not train" $(PYTEST_ARGS)

# Reproduce the shipped detector: render the synthetic data set, train, export fp32 + INT8 with the card, and
# evaluate on 500 held-out baskets (figures stored on the card). On a GPU (found automatically) this takes
# minutes; on the 2-core CPU hours: set TRAIN_ARGS (e.g. "--time 2 --imgsz 416") to bound it. The runs and the
# data set live in var/vision/ (ignored by git); the model lands in vision/models/ (commit it with its card).
TRAIN_DATA ?= var/vision/synth
TRAIN_RUN ?= var/vision/runs/make
TRAIN_SET ?= --train 8000 --val 400 --test 0 --seed 1
TRAIN_ARGS ?= --imgsz 640 --epochs 100 --batch 16 --seed 0
train: $(VENV_TRAIN)/.installed $(VENV)/.installed
	YOLO_OFFLINE=1 $(VENV_TRAIN)/bin/basketcheck vision dataset --out $(TRAIN_DATA) $(TRAIN_SET) --max-side 1280 --workers 2
	YOLO_OFFLINE=1 $(VENV_TRAIN)/bin/basketcheck vision train --data $(TRAIN_DATA) --out $(TRAIN_RUN) $(TRAIN_ARGS)
	YOLO_OFFLINE=1 $(VENV_TRAIN)/bin/basketcheck vision export --weights $(TRAIN_RUN)/weights/best.pt --data $(TRAIN_DATA) --out vision/models
	$(VENV)/bin/basketcheck vision eval --baskets 500 --json --update-card

test-train: $(VENV_TRAIN)/.installed
	$(VENV_TRAIN)/bin/python -m pytest -m train $(PYTEST_ARGS)

# The tests that touch the database (backend, end-to-end faults and load), against the DATABASE_URL in the
# environment (PostgreSQL in CI).
test-postgres: $(VENV)/.installed $(CHROMIUM) $(MESA_EGL) $(WRK) $(NGINX)
	@test -n "$$DATABASE_URL" || { echo "make test-postgres: set DATABASE_URL=postgresql+psycopg://…"; exit 2; }
	$(VENV)/bin/python -m pytest -m "not train" tests/backend tests/end_to_end $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed $(WRK)
	$(VENV)/bin/basketcheck bench all

clean:
	rm -rf $(VENV) $(VENV_TRAIN) .pytest_cache .mypy_cache .ruff_cache
