# 大消保 filing platform — set-up, run and test. Every target works on a fresh machine of this kind.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= demo-Pass-2024
export SUPERVISION_DEMO_PASSWORD := $(DEMO_PASSWORD)

.PHONY: setup run test lint assets translations browser services clean help bench release

help:
	@echo "make run   — set up, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test  — set up and run the whole suite (SQLite and PostgreSQL, browser tests)"
	@echo "make release — dist/supervision-<version>-py3-none-any.whl, dist/wheelhouse/ and dist/SHA256SUMS (offline install)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

supervision/static/vendor/.done: node_modules/.package-lock.json
	rm -rf supervision/static/vendor
	mkdir -p supervision/static/vendor/bootstrap/css supervision/static/vendor/bootstrap/js supervision/static/vendor/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* supervision/static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* supervision/static/vendor/bootstrap/js/
	cp node_modules/echarts/dist/echarts.min.js supervision/static/vendor/echarts/
	touch $@

assets: supervision/static/vendor/.done

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d supervision/translations

setup: $(VENV)/.installed assets translations

run: setup
	@bash scripts/run.sh "$(HOST)" "$(PORT)"

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium from Debian packages (browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

services:
	@bash scripts/services.sh

test: setup browser services
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

# an offline release: one wheel with everything (catalogues, vendored assets, migrations, reference
# data) plus the wheel of every dependency and their SHA-256 sums (docs/deploy.md)
release: setup
	@bash scripts/release.sh dist

bench: setup
	$(BIN)/python bench/read_bench.py

clean:
	rm -rf $(VENV) node_modules supervision/static/vendor instance .pytest_cache build dist
