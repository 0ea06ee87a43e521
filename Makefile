# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format install install-dev messages e2e clean bench

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Run the application with demo data: web, Celery worker and beat, SQLite and a filesystem broker.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py run_sweeps
	PORT=$(PORT) PY=$(PY) bash scripts/run-dev.sh

## Run the whole test suite (against PostgreSQL when DATABASE_URL points there).
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Re-extract the strings and compile the Dutch catalogue (needs GNU gettext).
messages: install-dev
	$(PY) manage.py makemessages --locale nl --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --locale nl --ignore '.venv/*'

## Time suggestions and the waiting-list assignment on 10,000 volunteers and 1,000 clients, then
## one round of the reminder sweeps and a second (steady-state) round on 10,000 volunteers and
## on 1,000 (PostgreSQL; each prints one JSON object). Options for the matching benchmark:
## make bench BENCH_ARGS="--runs 20 --keep".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/reclass_bench
BENCH_ARGS ?=
bench: install
	createdb -h 127.0.0.1 -U postgres reclass_bench 2>/dev/null || true
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=true $(PY) manage.py bench_matching $(BENCH_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=true $(PY) manage.py bench_sweeps --compare

clean:
	rm -rf var/broker var/celerybeat-schedule* var/staticfiles
