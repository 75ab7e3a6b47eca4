# Two commands set everything up on a fresh machine (README.md):
#   make run    create .venv, install, migrate, load demo data, serve http://127.0.0.1:8000 (SQLite, tasks in-process)
#   make test   run the whole suite (SQLite by default; PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format check worker beat bench clean-db help
.DEFAULT_GOAL := help

help:
	@echo "make run     启动演示环境 (http://127.0.0.1:8000)"
	@echo "make test    运行全部测试"
	@echo "make lint    ruff 检查；make format 自动格式化"
	@echo "make bench   城市规模性能基准（需要 PostgreSQL，写入 BENCHMARKS.md）"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.deps-run: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.deps-run

# make run always uses the embedded SQLite database and runs tasks in-process, whatever the shell exports.
RUN_ENV := env -u DATABASE_URL -u REDIS_URL DEBUG=True

run: $(VENV)/.deps-run
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Tests run with DEBUG off, as in production (config/settings.py gives them a throw-away key and plain HTTP).
# DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an event loop in the test thread.
test: $(VENV)/.deps-dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.deps-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: $(VENV)/.deps-dev
	DEBUG=True $(PY) manage.py check
	DEBUG=True $(PY) manage.py makemigrations --check --dry-run

# With REDIS_URL set: a worker for both queues, and beat.
worker: $(VENV)/.deps-run
	$(VENV)/bin/celery -A config worker -Q fast,slow -l info

beat: $(VENV)/.deps-run
	$(VENV)/bin/celery -A config beat -l info

# The concurrent-load figures need wrk (Debian package); installed here when missing and we may use apt.
bench: $(VENV)/.deps-dev
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; } || \
	  echo "wrk 未安装：apt-get install wrk"
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m bench $(BENCH_ARGS)

clean-db:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
