# Duk. `make run` serves the app with a demo municipality on embedded SQLite;
# `make test` runs lint, types and the whole suite on SQLite and on PostgreSQL.
# Both set up what they need first (Debian packages, .venv), and are fast when it is there.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Stages run one after another and stop at the first failure.
.NOTPARALLEL:
.DEFAULT_GOAL := help

.PHONY: help venv lock translations messages system-deps system-deps-run init demo run lint typecheck \
	test test-sqlite test-postgres bench bench-postgres clean

help:
	@echo "make run         set up and serve the app with a demo municipality (http://$(HOST):$(PORT))"
	@echo "make test        set up, then lint, typecheck and the suite on SQLite and PostgreSQL"
	@echo "make lint | typecheck | test-sqlite | test-postgres | bench | bench-postgres | lock | clean"
	@echo "PYTEST_ARGS='-k canvas -x' passes options to pytest"

# The environment is exactly requirements/dev.lock: every package pinned, with its hashes, uv
# itself included (bootstrapped by pip from requirements/uv.txt, hashes checked too).
$(STAMP): pyproject.toml requirements/dev.lock requirements/uv.txt
	@echo "==> setting up $(VENV) from requirements/dev.lock"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/uv.txt
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

# After changing a dependency in pyproject.toml: pin everything again, with hashes.
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.11
lock: $(STAMP)
	$(LOCK) --extra dev -o requirements/dev.lock
	$(LOCK) -o requirements/prod.lock
	echo "uv==0.13.9" | $(BIN)/uv pip compile - --quiet --generate-hashes --universal -o requirements/uv.txt

venv: $(STAMP)

# Translations, in two gettext domains (app/kit/i18n.py): app/locale/<lang>/LC_MESSAGES/
# messages.po, the staff's pages (nb, nn, en), and family.po, what a family reads (nb, nn, en,
# ar, so, uk, pl; babel-family.cfg says which files). The .po files are kept in git; the
# compiled .mo files are built here (and ignored by git). `make messages` updates the .po files
# from the code; a new family language's family.po starts with a header saying no qualified
# translator has reviewed it yet (tests/test_translations.py).
STAFF_LANGS := nb nn en
FAMILY_LANGS := nb nn en ar so uk pl
PO_FILES := $(wildcard app/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
EXTRACT = $(BIN)/pybabel extract --no-location --sort-output -k _ -k N_ -k gettext -k ngettext:1,2

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

translations: $(MO_FILES)

messages: $(STAMP)
	$(EXTRACT) -F babel.cfg -o app/locale/messages.pot app
	$(EXTRACT) -F babel-family.cfg -o app/locale/family.pot app
	for lang in $(STAFF_LANGS); do \
	  if [ -f app/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching -D messages -i app/locale/messages.pot -d app/locale -l $$lang; \
	  else \
	    $(BIN)/pybabel init -D messages -i app/locale/messages.pot -d app/locale -l $$lang; \
	  fi; \
	done
	for lang in $(FAMILY_LANGS); do \
	  if [ -f app/locale/$$lang/LC_MESSAGES/family.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching -D family -i app/locale/family.pot -d app/locale -l $$lang; \
	  else \
	    $(BIN)/pybabel init -D family -i app/locale/family.pot -d app/locale -l $$lang; \
	  fi; \
	done

system-deps:
	@bash scripts/system-deps.sh

system-deps-run:
	@bash scripts/system-deps.sh run

init: $(STAMP) translations
	$(BIN)/duk init

demo: $(STAMP)
	$(BIN)/duk demo

run: system-deps-run venv init demo
	$(BIN)/duk serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	@echo "==> lint"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	@echo "==> typecheck"
	$(BIN)/mypy

test-sqlite: $(STAMP) translations
	@echo "==> tests on SQLite"
	$(BIN)/python -m pytest --db=sqlite $(PYTEST_ARGS)

test-postgres: $(STAMP) translations
	@echo "==> tests on PostgreSQL"
	$(BIN)/python -m pytest --db=postgres $(PYTEST_ARGS)

# Both databases side by side (scripts/test-both-databases.sh); test-sqlite and test-postgres
# run one each.
test: system-deps venv translations lint typecheck
	@echo "==> tests on SQLite and PostgreSQL, side by side"
	scripts/test-both-databases.sh $(BIN)/python $(PYTEST_ARGS)

bench: system-deps $(STAMP)
	$(BIN)/python bench/tablet.py

bench-postgres: system-deps $(STAMP)
	$(BIN)/python bench/tablet.py --db postgres

clean:
	rm -rf $(VENV) duk.db duk.db-* .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		*.egg-info build dist tests/.artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The need-pattern report over 1,000,000 needs on a throwaway PostgreSQL (issue 5).
.PHONY: bench-reports
bench-reports: system-deps $(STAMP)
	$(BIN)/python bench/reports.py
