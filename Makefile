# Switchboard — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.DEFAULT_GOAL := help
.PHONY: help install migrate demo run worker test test-all lint format bench screenshots clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install everything

migrate: install ## Start the embedded database (if no DATABASE_URL) and apply migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Seed the demo workspace (only when the database is empty)
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py connections_local

run: demo ## Set up and start the product on http://$(HOST):$(PORT) with the django-q2 cluster
	@$(PY) manage.py setup_schedules >/dev/null 2>&1 || true
	@$(PY) manage.py qcluster & QPID=$$!; \
	  trap "kill $$QPID 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/; \
	  $(PY) manage.py runserver $(HOST):$(PORT) --noreload

worker: migrate ## Start only the django-q2 cluster
	$(PY) manage.py qcluster

test: install ## Set up what the tests need and run the whole suite
	@bash scripts/ensure_chromium.sh || true
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -q

test-all: install ## The suite plus the slow evaluations
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -q -m ""

lint: install ## ruff lint + format check, migrations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: migrate ## Run the benchmarks and print their tables
	$(PY) bench/run_all.py

screenshots: install ## Regenerate docs/img/*.png from the real screens (own database sb_screens, Chromium)
	@bash scripts/ensure_chromium.sh || true
	$(PY) scripts/screenshots.py

clean: ## Stop nothing, remove caches (keeps .pgdata)
	find . -name __pycache__ -prune -exec rm -rf {} +
