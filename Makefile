# One command each, on a fresh machine (Python 3.10+; Debian for the PostgreSQL and MariaDB servers).
#   make demo   set up, then onboard (scan, convert, verify) the shipped SQLite example
#   make test   set up, lint, start a throwaway PostgreSQL and MariaDB on loopback, run every test
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= /tmp/legacy2alembic-demo

.PHONY: setup demo test bench

$(PY):
	python3 -m venv $(VENV)

setup: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"

demo: setup
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	cp -r fixtures/sqlite_taskboard/project $(DEMO_DIR)/taskboard
	$(VENV)/bin/legacy2alembic onboard $(DEMO_DIR)/taskboard --dialect sqlite --models models:db
	@echo "Demo project with its new migrations folder: $(DEMO_DIR)/taskboard"

test: setup
	$(VENV)/bin/ruff check converter tests bench
	$(VENV)/bin/ruff format --check converter tests bench
	$(VENV)/bin/mypy
	L2A_PG_URL="$$(bash .ci/start-postgres)" L2A_MYSQL_URL="$$(bash .ci/start-mariadb)" \
		$(PY) -m pytest -q -ra

bench: setup
	$(PY) bench/convert.py
