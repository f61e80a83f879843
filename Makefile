# The two commands: `make run` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: fuzz worker portal-sim postal-sim install run serve migrate demo test test-sqlite test-postgres bench lint messages clean migration

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python -m app migrate

demo: migrate
	$(BIN)/python -m app load-demo

run: demo
	$(BIN)/python -m app serve --host $(HOST) --port $(PORT)

# A separate push delivery process (run the web app with PUSH_WORKER=off, or keep both).
worker: migrate
	$(BIN)/python -m app worker

# The national portal and postal simulators as their own servers; then run the app with
# PORTAL_URL=http://127.0.0.1:8100 POSTAL_URL=http://127.0.0.1:8200 make run
portal-sim: install
	$(BIN)/python -m app.integrations.portal_sim --port 8100 --callback-url http://127.0.0.1:$(PORT)/webhooks/portal

postal-sim: install
	$(BIN)/python -m app.integrations.postal_sim --port 8200 --callback-url http://127.0.0.1:$(PORT)/webhooks/buu-dien

# SQLite (with the browser tests), then PostgreSQL when it answers; under CI both are required.
test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python -m tests.pg_available "$(PG_TEST_URL)"; then \
		echo "== PostgreSQL run against $(PG_TEST_URL)"; \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required under CI but $(PG_TEST_URL) does not answer"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL tests ($(PG_TEST_URL) does not answer)"; \
	fi

# Benchmarks need djpeg (the reference decoder) and Chromium (the phone's downscale).
bench: install
	@command -v djpeg >/dev/null && command -v chromium >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs chromium >/dev/null)
	RUN_BENCHMARKS=1 $(BIN)/python -m pytest tests/benchmarks -s -q -p no:cacheprovider

# Property-based fuzzing of every form and webhook: 400 examples per target (> 10,000 cases),
# then the BENCH fuzz.cases / fuzz.server_errors lines. `make test` runs 8 per target.
FUZZ_EXAMPLES ?= 400
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider $(PYTEST_ARGS)

# Dependency audit: fails on known vulnerabilities that have a fixed version (none fixed yet:
# printed, not failed). Where the vulnerability service cannot be reached (as from this
# workplace: pip-audit then skips every package yet says "No known vulnerabilities found"), it
# prints "SKIPPED: vulnerability database unreachable" and passes, but fails under CI=true.
# Bounded to 3 minutes. See .ci/pip_audit.py.
lint: install
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/python .ci/pip_audit.py $(BIN)/pip-audit

messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d app/locales -l vi -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache

# After changing a tables.py: make migration DESC="what changed"
migration: install
	PICCOLO_CONF=app.piccolo_conf $(BIN)/piccolo migrations new app --auto --desc="$(DESC)"
