#!/usr/bin/env bash
# Starts the web app, a Celery worker and Celery beat on the embedded default; Ctrl-C stops all three.
# If any of them stops, the others are stopped too. Each runs in its own process group (set -m), so stopping
# one also stops what it started (runserver's autoreload child, the worker's pool processes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT
set -m
.venv/bin/celery -A lms worker --loglevel=INFO --concurrency=1 -Q celery,bulk,send >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A lms beat --loglevel=INFO --schedule=var/celerybeat-schedule >var/beat.log 2>&1 &
pids+=($!)
echo "Celery worker and beat started (logs in var/worker.log, var/beat.log)."
echo "Open http://127.0.0.1:8000/ (demo password: see README)."
$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
set +m
wait -n "${pids[@]}"
