# Alignment Fund. `make run` and `make test` are all a new machine needs; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format check worker migrate demo reconcile bench screenshots mutants clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) ## Create .venv and install the pinned dependencies

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

# The embedded default is offline: the demo lives on the date of its newest shipped ECB rate unless FUND_TODAY is set.
DEMO_ENV = FUND_TODAY=$${FUND_TODAY-$$($(PY) -m alignment_fund.demo_date)} DEBUG=$${DEBUG:-1}

demo: migrate ## Load the demo fund (safe to run again) and print the sign-ins
	@$(DEMO_ENV) $(PY) manage.py seed_demo

reconcile: migrate ## Load the demo fund if the database has none, then check every published figure against the ledger
	@$(DEMO_ENV) $(PY) manage.py seed_demo --quiet >/dev/null
	@$(DEMO_ENV) $(PY) manage.py reconcile --quiet

run: demo ## Set up everything, then start the web app, a worker and the scheduler (Ctrl-C stops them)
	@echo "Starting the web app on http://127.0.0.1:8000/ and a Celery worker with its beat scheduler (Ctrl-C stops both)."
	@$(DEMO_ENV) $(VENV)/bin/honcho -f Procfile.dev start

worker: install ## Start a Celery worker with the beat scheduler beside it
	$(VENV)/bin/celery -A alignment_fund worker --beat --loglevel=info --pool=solo

test: install ## Run the whole test suite
	$(PY) -m pytest

# `make bench` builds (or reuses) the demo at 1x, 10x and the stress size (1000x) in PostgreSQL databases
# af_bench_<N>, then measures each (grants/management/commands/bench.py) and prints the figures side by side.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_SCALES ?= 1 10 1000
BENCH_ENV = FUND_TODAY=$${FUND_TODAY-$$($(PY) -m alignment_fund.demo_date)}

bench: install ## Print the benchmarks' figures: pages, jobs, exports and imports at 1x, 10x and 1000x (PostgreSQL)
	$(PY) -m pytest -m benchmark -s -p no:cacheprovider tests/benchmarks
	@for n in $(BENCH_SCALES); do \
	  db=af_bench_$$n; \
	  psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$$db'" | grep -q 1 \
	    || psql -q "$(BENCH_PG)/postgres" -c "CREATE DATABASE $$db"; \
	  DATABASE_URL=$(BENCH_PG)/$$db $(PY) manage.py migrate --noinput -v0 || exit 1; \
	  DATABASE_URL=$(BENCH_PG)/$$db $(BENCH_ENV) $(PY) manage.py seed_demo --scale $$n --quiet >/dev/null || exit 1; \
	  DATABASE_URL=$(BENCH_PG)/$$db $(BENCH_ENV) $(PY) manage.py bench --label $${n}x || exit 1; \
	done
	@$(PY) manage.py bench --table

mutants: install ## Mutation-test the money, awards, attribution, rate book and position (docs/mutants.md; not in CI)
	$(PY) .ci/mutants.py

screenshots: install ## Refresh the README's screenshots from the demo fund
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -m browser -p no:cacheprovider tests/browser

lint: install ## ruff check, format check, and the import contracts (the layers in the README)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install ## Django's checks, the deployment checklist and missing migrations
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	PRODUCTION=1 SECRET_KEY=check-only-$$(date +%s)-a-long-random-looking-secret-key-value ALLOWED_HOSTS=fund.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
