# invgov: install, run and test. `make help` lists the targets.
# Everything runs inside .venv (created with $(PYTHON)); requirements are re-installed only when
# requirements*.txt change (stamp files inside .venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# DEMO=no starts on an empty database (the app then asks the first-run setup questions)
DEMO ?= yes
PYTEST_ARGS ?=
# pytest-xdist workers (auto: one per core; 0 runs the suite in this process)
PYTEST_WORKERS ?= auto
BENCH_ARGS ?=
RUNTIME_STAMP := $(VENV)/.requirements.stamp
TEST_STAMP := $(VENV)/.requirements-test.stamp

.DEFAULT_GOAL := help
.PHONY: help install run worker test lint bench clean

## help: list the targets
help:
	@sed -n 's/^## /  make /p' $(MAKEFILE_LIST)

## install: create .venv and install requirements.txt (only when it changed)
install: $(RUNTIME_STAMP)

## run: install, create/upgrade the database, load the demo brand if empty (DEMO=no: not), serve on PORT (8501)
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py init
	@if [ "$(DEMO)" != no ]; then $(BIN)/python manage.py demo --if-empty; fi
	@echo "run: the weekly cadence (drop folders, detection, digests, review) runs in the worker: 'make worker' in another terminal"
	exec $(BIN)/streamlit run serve.py --server.port $(PORT) --server.headless true

## worker: run the schedule beside `make run` (drop folders, detection, digests, review); stop with Ctrl-C
worker: $(RUNTIME_STAMP)
	$(BIN)/python manage.py init
	exec $(BIN)/python manage.py worker

## test: install (with test tools and system packages), lint, run the whole suite on every core (PYTEST_ARGS=..., PYTEST_WORKERS=N)
test: lint
	bash scripts/apt-deps.sh
	bash scripts/test-postgres.sh $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## lint: ruff check and ruff format --check
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: run the benchmark (python manage.py bench; BENCH_ARGS="--orders N --json")
bench: $(RUNTIME_STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

## clean: remove .venv and data/ (the local database)
clean:
	rm -rf $(VENV) data/

# The virtualenv itself (Python >= 3.11; installs python3-venv on Debian when missing).
$(BIN)/python:
	bash scripts/make-venv.sh $(PYTHON) $(VENV)

# Runtime requirements, re-installed when requirements.txt changes.
$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Test requirements (pytest, ruff, playwright) on top of the runtime ones.
$(TEST_STAMP): requirements-test.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@
