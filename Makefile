# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format install install-dev messages e2e clean

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

clean:
	rm -rf var/broker var/celerybeat-schedule* var/staticfiles
