# Two commands set everything up: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install migrate seed bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: export DJANGO_DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	-$(BIN)/python manage.py verify_audit  # the first check; a failure is shown, and the dashboard shows it too
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

# Ruff's lint and import order (pyproject.toml); `$(BIN)/ruff check --fix .` sorts the imports.
lint: $(STAMP)
	$(BIN)/ruff check .

# The benchmark (bench/README.md): PostgreSQL at DATABASE_URL's server or 127.0.0.1, Redis for
# the Celery worker. `make bench SCALE=small` is the quick run; BENCH_ARGS="--reuse" keeps a
# database already generated at that size.
SCALE ?= default
bench: $(STAMP)
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
