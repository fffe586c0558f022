# The single list of commands. `make run` and `make test` install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
S3_VENV := .venv-s3
S3_STAMP := $(S3_VENV)/.installed
MINISTACK_VERSION := 1.5.33
# Each checkout may point its tests at its own database.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/fieldsales_test
export FIELDSALES_TEST_DATABASE_URL := $(TEST_DATABASE_URL)

.PHONY: install install-s3 run test test-domain lint fmt typecheck db-upgrade db-revision \
        openapi openapi-check check bench-routes bench-sync bench-photos bench-reorder \
        bench-scorecards clean

install: $(STAMP)
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

# MiniStack gets its own virtualenv: it pins a botocore that clashes with ours.
install-s3: $(S3_STAMP)
$(S3_STAMP):
	test -x $(S3_VENV)/bin/python || $(PYTHON) -m venv $(S3_VENV)
	$(S3_VENV)/bin/python -m pip install -q "ministack==$(MINISTACK_VERSION)"
	touch $@

run: install install-s3
	$(BIN)/python -m fieldsales.devserver

test: install install-s3
	$(BIN)/python -m pytest

test-domain: install
	$(BIN)/python -m pytest tests/domain -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy --follow-imports=silent fieldsales/domain fieldsales/media

db-upgrade: install
	$(BIN)/alembic upgrade head

db-revision: install
	$(BIN)/alembic revision --autogenerate -m "$(m)"

openapi: install
	$(BIN)/flask --app app openapi write --format=yaml openapi.yaml

openapi-check: install
	tmp=$$(mktemp) && $(BIN)/flask --app app openapi write --format=yaml $$tmp && diff -u openapi.yaml $$tmp; rc=$$?; rm -f $$tmp; exit $$rc

check: lint typecheck test openapi-check

bench-routes: install
	$(BIN)/python -m bench.routes

bench-sync: install
	$(BIN)/python -m bench.sync

bench-photos: install install-s3
	$(BIN)/python -m bench.photos

bench-reorder: install
	$(BIN)/python -m bench.reorder

bench-scorecards: install
	$(BIN)/python -m bench.scorecards

clean:
	rm -rf $(VENV) $(S3_VENV) var .pytest_cache
