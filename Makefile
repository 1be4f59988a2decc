# One command to serve (`make run`), one to test (`make test`). Both set up .venv first:
# `make run` installs only what serving needs (requirements.txt), `make test` the pinned
# development set (requirements-dev.txt, which includes requirements.txt).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-run run test lint bench matrix

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

setup-run: $(VENV)/.installed-run

setup: $(VENV)/.installed-dev

run: setup-run
	VENV=$(VENV) bin/dev-server

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every Python x Django x database combination, one nox session each (`nox -l` lists them).
matrix: setup
	$(BIN)/nox -t matrix

bench: setup
	$(BIN)/python -m bench all
