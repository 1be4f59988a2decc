# One command to serve (`make run`), one to test (`make test`). Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	VENV=$(VENV) bin/dev-server

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy botauth botauth_sandbox project bench

bench: setup
	$(BIN)/python -m bench all
