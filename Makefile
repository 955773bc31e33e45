# 大消保 filing platform — set-up, run and test. Every target works on a fresh machine of this kind.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= demo-Pass-2024
export SUPERVISION_DEMO_PASSWORD := $(DEMO_PASSWORD)

.PHONY: setup run test lint assets translations bytecode translations-update browser services clean help bench bench-load release

help:
	@echo "make run   — set up, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test  — set up and run the whole suite (SQLite and PostgreSQL, browser tests)"
	@echo "make release — dist/supervision-<version>-cp311-cp311-linux_x86_64.whl, dist/wheelhouse/ and dist/SHA256SUMS (offline install)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: setup.cfg setup.py pyproject.toml supervision/ingest/_cscan.c supervision/ingest/_csheet.c | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

supervision/static/vendor/.done: node_modules/.package-lock.json
	rm -rf supervision/static/vendor
	mkdir -p supervision/static/vendor/bootstrap/css supervision/static/vendor/bootstrap/js supervision/static/vendor/echarts \
	  supervision/static/vendor/axe supervision/static/vendor/swagger-ui
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* supervision/static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* supervision/static/vendor/bootstrap/js/
	cp node_modules/echarts/dist/echarts.min.js supervision/static/vendor/echarts/
	# axe-core: the accessibility checker the browser tests run over every role's pages (and walk_roles --axe)
	cp node_modules/axe-core/axe.min.js supervision/static/vendor/axe/
	# Swagger UI: the browsable reference of /api/v1 (docs/api.md), initialised by static/js/api-docs.js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	  supervision/static/vendor/swagger-ui/
	touch $@

assets: supervision/static/vendor/.done

# Translations: supervision/translations/zh/LC_MESSAGES/messages.po is the one source (edit it directly).
# `make translations-update` extracts every msgid (with message contexts) from the code and templates and
# merges them into the catalogue: new strings arrive untranslated (tests/unit/test_i18n.py fails until they are
# translated), removed ones are dropped, and nothing is guessed (no fuzzy matching). `make translations` compiles.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
POT := $(VENV)/messages.pot

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d supervision/translations

translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --omit-header --sort-output \
	  -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d supervision/translations -l zh --no-fuzzy-matching \
	  --ignore-obsolete --ignore-pot-creation-date -w 110
	$(BIN)/pybabel compile --statistics -d supervision/translations

# The platform's own modules compiled to bytecode, as a wheel install does (pip compiles what it installs; an
# editable install does not): every command and parsing child then starts without compiling them again,
# and an environment with PYTHONDONTWRITEBYTECODE set (this machine kind) would otherwise compile them on
# every start (0.05-0.2 s per process of `supervision ingest`; docs/performance.md). Only stale files are recompiled.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q -j 0 supervision scheduler reports >/dev/null
	$(MAKE) --no-print-directory $(VENV)/share/supervision/.jieba

# jieba's prefix dictionary, cached where every process of this installation finds it: a topic helper
# then builds its tokenizer in 0.2 s instead of 0.7-1.0 s (supervision/topics/segment.py)
$(VENV)/share/supervision/.jieba: $(VENV)/.installed
	$(BIN)/python -m supervision.topics.segment >/dev/null
	@touch $@

setup: $(VENV)/.installed assets translations bytecode

run: setup
	@bash scripts/run.sh "$(HOST)" "$(PORT)"

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium from Debian packages (browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

services:
	@bash scripts/services.sh

# the suite runs on every core (pytest-xdist), one test file per worker at a time: each worker has
# its own databases (tests/conftest.py); TEST_WORKERS=0 runs it in this one process
TEST_WORKERS ?= auto
test: setup browser services
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(BIN)/ruff check .

# an offline release: one wheel with everything (catalogues, vendored assets, migrations, reference
# data) plus the wheel of every dependency and their SHA-256 sums (docs/deploy.md)
release: setup
	@bash scripts/release.sh dist

bench: setup
	$(BIN)/python bench/read_bench.py

# several machines on this one (two web nodes, two workers, a scheduler, SeaweedFS): Locust figures
# for one and for two web nodes (docs/performance.md); Locust goes into .venv-load on first use
bench-load: setup services
	$(BIN)/python bench/load_nodes.py

clean:
	rm -rf $(VENV) node_modules supervision/static/vendor instance .pytest_cache build dist supervision/ingest/_cscan.*.so supervision/ingest/_csheet.*.so
