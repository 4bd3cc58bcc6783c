# CSI Events: `make run` serves the app with demo data through gunicorn and gunicorn.conf.py, as in production,
# on 127.0.0.1:$(PORT) (RUN_BIND=0.0.0.0:8000 to listen elsewhere); `make dev` does the same with Flask's
# development server, which reloads on code changes; `make test` runs ruff, mypy and the whole suite;
# `make test-fast` runs ruff and the tests not marked slow (no browser, no fuzzing), for a quick check.
# Everything installs into ./.venv and ./node_modules: nothing global is needed or used.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# BASE_URL (links in e-mails and QR codes) follows PORT when it is not set: csi_events/config.py reads PORT.
export PORT
PYTEST_ARGS ?= -n auto
# What mypy checks (configuration: [tool.mypy] in pyproject.toml), each kept free of errors; every package but
# csi_events/migrations (Alembic scripts, kept apart from the application code).
MYPY_PACKAGES := $(wildcard csi_events/*.py) csi_events/api csi_events/attendance csi_events/audit csi_events/auth \
	csi_events/directory csi_events/notifications csi_events/opportunities csi_events/people csi_events/public \
	csi_events/registrations csi_events/support csi_events/checkin csi_events/reports csi_events/surveys \
	csi_events/door csi_events/demo \
	csi_events/observability csi_events/backups
export FLASK_APP := app

RUN_BIND ?= 127.0.0.1:$(PORT)

.PHONY: setup run dev test test-fast typecheck lint format clean screens deploy-config

# Compiled catalogs (.mo) are build artifacts: one per translations/<lang>/LC_MESSAGES/messages.po.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

setup: $(VENV)/.installed node_modules/.installed $(CATALOGS) static/.compressed

# Brotli and gzip copies of the stylesheets and scripts, served to browsers that accept them
# (csi_events/static_files.py); redone when one of them changes.
STATIC_SOURCES := $(wildcard static/css/*.css static/js/*.js)
static/.compressed: $(STATIC_SOURCES) node_modules/.installed tools/compress_static.mjs
	node tools/compress_static.mjs static
	touch $@

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -d translations

node_modules/.installed: package.json package-lock.json tools/vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	GUNICORN_BIND=$(RUN_BIND) $(BIN)/gunicorn -c gunicorn.conf.py app:app

dev: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PACKAGES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow"

typecheck: setup
	$(BIN)/mypy $(MYPY_PACKAGES)

# PNG screenshots of the main screens at phone and laptop size into docs/screens/ (needs /usr/bin/chromium).
screens: setup
	$(BIN)/python bench/screens.py

# The production layout (deploy/): HAProxy configuration and systemd units rendered into OUT, e.g.
# make deploy-config OUT=build/deploy DEPLOY_ARGS="--prefix /srv/csi-events --ports 8001,8002,8003"
OUT ?= build/deploy
DEPLOY_ARGS ?=
deploy-config:
	$(PYTHON) deploy/render.py --out $(OUT) $(DEPLOY_ARGS)

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor static/.compressed
	find static -name '*.gz' -o -name '*.br' | xargs rm -f
