# The commands of README.md: `make run` (the site on embedded defaults), `make test`, and
# `make stack` (the production topology on this machine). Each installs what it needs first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
WORKERS ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run stack test test-sqlite test-postgres test-stack lint format install install-test install-stack migrate clean lock messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements/lock.txt
	$(PY) -m pip install --quiet -c requirements/lock.txt -e .
	touch $@

# twine 6.2+ allows --skip-existing only for the public index's own hosts; the interop suite
# proves the option against this site with the last twine that allows it for any index.
TWINE_SKIP_EXISTING := $(VENV)/tools/twine-6.1
# axe-core, from npm, audits the pages' accessibility in the browser suite.
AXE_CORE_VERSION := 4.10.3

$(VENV)/.installed-test: $(VENV)/.installed requirements/lock.txt
	scripts/system-deps
	$(PY) -m pip install --quiet -c requirements/lock.txt -e '.[test]'
	$(PYTHON) -m venv $(TWINE_SKIP_EXISTING)
	$(TWINE_SKIP_EXISTING)/bin/python -m pip install --quiet twine==6.1.0
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_CORE_VERSION)
	touch $@

# `make stack`'s machine packages (PostgreSQL, Redis, Varnish and its xkey module) and the
# 'stack' extra (moto's S3 server).
$(VENV)/.installed-stack: $(VENV)/.installed requirements/lock.txt
	scripts/system-deps --stack
	$(PY) -m pip install --quiet -c requirements/lock.txt -e '.[stack]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-stack: $(VENV)/.installed-stack

# Refresh the German and French catalogues from the source, then compile them (the .po and .mo
# files are both committed; tests/test_translations.py runs the same extraction and fails on
# any message without a translation). Needs gettext (scripts/system-deps).
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=var \
	--ignore=test-artifacts --ignore=__pycache__ --ignore='migrations/*'
messages: install
	$(PY) manage.py makemessages -l de -l fr --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l de -l fr --ignore=.venv --ignore=var

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sync_classifiers

# Open the site at SITE_URL (default http://localhost:PORT), the address its mails link to: on
# another origin (http://127.0.0.1:PORT) the browser keeps another login session. gunicorn
# listens on 127.0.0.1 only; browsers and clients try it after ::1 for "localhost".
run: migrate
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Open $${SITE_URL:-http://localhost:$(PORT)}/ (mailed links point there too)"
	$(BIN)/gunicorn -c pypi_site/gunicorn_conf.py pypi_site.wsgi:application \
		--bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile -

# The production topology in the foreground (deploy/stack.py): PostgreSQL, Redis, an S3 server,
# a Celery worker and beat, WEB_NODES gunicorn nodes, and Varnish on PORT in front of them. State
# and logs under STACK_ROOT, kept between runs. Ctrl-C stops every part.
STACK_ROOT ?= var/stack
WEB_NODES ?= 1
stack: install-stack
	$(PY) -m deploy.stack --port $(PORT) --root $(STACK_ROOT) --web-nodes $(WEB_NODES) $(STACK_ARGS)

# The whole suite: SQLite, then a throwaway PostgreSQL cluster started from the machine's
# own binaries (scripts/system-deps installs them on a bare Debian machine), then the real
# parts together (tests/stack: one stack for the whole session, so no xdist).
# The browser suite (Chromium, -m browser) runs once, on SQLite: its pages read and write
# through the same services the PostgreSQL run covers, and the stack's browser login runs on
# PostgreSQL; running it twice cost several minutes of CI for no other code path.
test: install-test
	scripts/system-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-stack

test-sqlite: install-test
	$(BIN)/pytest -n 2 --ignore=tests/stack $(PYTEST_ARGS)

test-postgres: install-test
	$(PY) scripts/with_postgres.py -- $(BIN)/pytest -n 2 --ignore=tests/stack -m "not browser" \
		$(PYTEST_ARGS)

test-stack: install-test
	$(BIN)/pytest -p no:cacheprovider tests/stack $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh requirements/lock.txt from pyproject.toml (run by a developer, never by CI).
lock: $(BIN)/activate
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 \
		--no-header --output-file requirements/lock.txt

clean:
	rm -rf $(VENV) var/static
