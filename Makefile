# `make demo` renders the default project and starts it; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= build
WORKERS ?= 2

PROVISION_DIR := $(VENV)/provision

.PHONY: demo test lint bench bench-smoke services

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=python3.x)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.cookiecutter: $(VENV)/.python
	$(BIN)/python -m pip install --quiet cookiecutter==2.7.1
	touch $@

$(VENV)/.installed: $(VENV)/.python requirements-dev.txt {{cookiecutter.project_slug}}/requirements.txt {{cookiecutter.project_slug}}/requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.cookiecutter
	$(BIN)/cookiecutter --no-input --overwrite-if-exists --output-dir $(DEMO_DIR) .
	$(MAKE) -C $(DEMO_DIR)/realtime_api run PYTHON=$(abspath $(BIN)/python)

# What the rendered suites use (PostgreSQL, Redis, Chromium, Node.js), provided by a
# rendering's own `make services` and `make tools` steps.
services: $(VENV)/.installed
	rm -rf $(PROVISION_DIR)
	$(BIN)/cookiecutter --no-input --output-dir $(PROVISION_DIR) . \
		project_slug=provision channel_layer=redis database=postgresql
	DJANGO_DEBUG=1 $(BIN)/python $(PROVISION_DIR)/provision/scripts/provision.py services
	$(BIN)/python $(PROVISION_DIR)/provision/scripts/provision.py tools

test: services $(VENV)/.bench
	$(BIN)/python -m pytest -n $(WORKERS) tests

lint: $(VENV)/.installed
	$(BIN)/ruff check hooks tests benchmarks
	$(BIN)/ruff format --check hooks tests benchmarks

# The benchmark's own environment: djangochannelsrestframework (the reference) and
# matplotlib, never dependencies of the template or of a rendered project.
$(VENV)/.bench: $(VENV)/.installed benchmarks/requirements.txt
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	touch $@

# Side by side with djangochannelsrestframework, echoes and DRF over HTTP, in one Daphne
# process (BENCHMARKS.md); BENCH_ARGS passes options, e.g. BENCH_ARGS="--rounds 5".
bench: $(VENV)/.bench
	$(BIN)/python benchmarks/side_by_side.py $(BENCH_ARGS)

# Every scenario with tiny counts, in seconds: checks that the benchmark runs.
bench-smoke: $(VENV)/.bench
	$(BIN)/python benchmarks/side_by_side.py --smoke --output $(DEMO_DIR)/bench-smoke
