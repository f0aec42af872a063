# Run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON_MIN := 3.12
VENV := .venv
PY := $(VENV)/bin/python
# make test runs the suite on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process).
TEST_WORKERS ?= auto
PIP := $(VENV)/bin/pip
# The interpreter that creates the venv: pyenv's choice from .python-version if present, else python3.
BASE_PYTHON ?= $(shell command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null || command -v python3.12 || command -v python3)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List every target
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@$(BASE_PYTHON) -c 'import sys; v=tuple(map(int,"$(PYTHON_MIN)".split("."))); sys.exit(0 if sys.version_info[:2]>=v else "Python >= $(PYTHON_MIN) is required, found %s (%s). Install it, or set BASE_PYTHON=/path/to/python3.12." % (sys.version.split()[0], sys.executable))'
	@test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	@touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create or update the virtualenv

.PHONY: run
run: venv ## Migrate, load demo data and start web + Celery worker + beat on the embedded default (SQLite)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v0 || true
	$(PY) manage.py seed_demo
	@bash scripts/run_dev.sh

.PHONY: test
test: venv ## Run the whole test suite (uses DATABASE_URL / REDIS_URL when set)
	$(PY) manage.py collectstatic --noinput -v0 --settings=lms.settings.test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

.PHONY: fuzz
fuzz: venv ## The property and fuzz tests with new random examples (make test always draws the same ones)
	HYPOTHESIS_PROFILE=random $(PY) -m pytest tests/security/test_api_fuzz.py tests/security/test_import_fuzz.py tests/trainees/test_import_fuzz.py $(PYTEST_ARGS)

.PHONY: lint
lint: venv ## ruff check and format check; lint-imports: the apps' layers and no import circles (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

.PHONY: practice-eval
practice-eval: venv ## The practice scorer on the labelled set (tests/practice/eval/): agreement, compliance recall, speed, memory
	$(PY) tests/bench/practice_eval.py --split all $(EVAL_ARGS)

.PHONY: snapshots
snapshots: venv ## Rewrite the committed OpenAPI schema (of the database DATABASE_URL names) and address list, after a deliberate change
	DJANGO_SETTINGS_MODULE=lms.settings.test $(PY) -m tests.lms.test_public_surface

.PHONY: format
format: venv ## Format and fix what ruff can
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

.PHONY: messages
messages: venv ## Extract translatable strings into locale/*/django.po, then compile them
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=tests --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

.PHONY: migrate
migrate: venv ## Apply database migrations
	$(PY) manage.py migrate

.PHONY: demo
demo: venv ## Load the demo data (idempotent)
	$(PY) manage.py seed_demo

.PHONY: backup
backup: venv ## Back up the database (pg_dump custom format / SQLite online backup) and media into BACKUP_DIR (default var/backups)
	$(PY) scripts/backup.py backup

.PHONY: restore
restore: venv ## Restore FILE=... (default: the newest backup in BACKUP_DIR), and its media; stop the app first
	$(PY) scripts/backup.py restore $(FILE)

.PHONY: backup-drill
backup-drill: venv ## Drill on a scratch database: seed, back up, drop, restore, compare row counts of every table
	bash scripts/backup_drill.sh

.PHONY: security
security: venv ## bandit (no high-severity finding) and pip-audit (known vulnerabilities; dated exceptions in .ci/pip-audit-exceptions.txt)
	$(VENV)/bin/bandit -q -c pyproject.toml -r . --severity-level high
	bash scripts/pip_audit.sh

.PHONY: clean
clean: ## Remove the venv, the SQLite database, collected static files and var/ (but never the backups in var/backups)
	rm -rf $(VENV) db.sqlite3 staticfiles
	@if [ -d var ]; then find var -mindepth 1 -maxdepth 1 ! -name backups -exec rm -rf {} +; fi
