# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install lock wheel-check lint format worker beat clean messages translations

run: setup
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Compile the translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo); the
# compiled files are built, never committed. Needs msgfmt (Debian's gettext).
messages: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var

# Gather new and changed messages into locale/<language>/LC_MESSAGES/*.po for
# translating (README: Languages); tests/test_catalogue.py fails until they are.
MAKEMESSAGES = DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages --all --no-obsolete \
	--ignore=.venv --ignore=var --ignore=static/vendor --ignore=tests --ignore=bench
translations: install
	$(MAKEMESSAGES) -d django
	$(MAKEMESSAGES) -d djangojs

# Install, migrate, load the gazetteer, the shipped trials, the terminology
# (skipped when its files are unchanged) and the vocabulary. Idempotent.
setup: install messages
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_places
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py import_trials data/NCT*.json
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_prescreen data/prescreen.json
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_terminology
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_vocabulary

install: $(VENV)/.installed

# The tested set: every package at the version and hash requirements-dev.lock
# pins (the site runs from the checkout, as in the Docker image). The dry run
# resolves pyproject.toml against what is installed, without an index: a
# dependency added there but not to the lock fails here, not later.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@$(BIN)/python -m pip install --quiet --dry-run --no-index --no-build-isolation ".[test]" \
		|| { echo "pyproject.toml asks for packages requirements-dev.lock lacks: run make lock" >&2; exit 1; }
	touch $@

# Pin the newest versions pyproject.toml's ranges allow that the lock files do
# not already pin; LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves pins
# on. requirements.lock is the site's (the Docker image, the wheel check),
# requirements-dev.lock adds the tests' tools at the same versions.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock" $(LOCK_ARGS)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra test --constraint requirements.lock -o requirements-dev.lock

# Build the wheel, install it into a fresh venv and run the site from it.
wheel-check: install
	bash .ci/wheel-check

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
