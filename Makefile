# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install lint format worker beat clean

run: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Install, migrate, load the gazetteer and the shipped trials. Idempotent.
setup: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_places
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py import_trials data/NCT*.json
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_prescreen data/prescreen.json
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_vocabulary

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The real stack without Docker: run these beside `make run` with REDIS_URL set.
worker: install
	$(BIN)/celery -A trialfinder worker --loglevel=info

beat: install
	$(BIN)/celery -A trialfinder beat --loglevel=info --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache
