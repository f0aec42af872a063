#!/usr/bin/env bash
# Backup/restore drill (CI): on a scratch database, seed the demo data, back up, drop everything, restore, and compare
# the row count of every table. Uses PostgreSQL when DATABASE_URL is postgres://... (a `<name>_drill` database is
# created next to it and dropped afterwards), otherwise a temporary SQLite file. Never touches the real database.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export BACKUP_DIR="$WORK/backups" MEDIA_ROOT="$WORK/media" DJANGO_SETTINGS_MODULE=lms.settings.local
mkdir -p "$MEDIA_ROOT/uploads" && echo "drill file" >"$MEDIA_ROOT/uploads/drill.txt"

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  BASE_URL=${DATABASE_URL%/*}
  DRILL_DB="$(basename "${DATABASE_URL%%\?*}")_drill"
  export DATABASE_URL="$BASE_URL/$DRILL_DB"
  ADMIN_URL="$BASE_URL/postgres"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DRILL_DB\"" -c "CREATE DATABASE \"$DRILL_DB\"" >/dev/null
  drop_all() { PGOPTIONS="-c client_min_messages=warning" psql "$DATABASE_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null; }
  cleanup_db() { psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DRILL_DB\"" >/dev/null || true; }
  echo "drill on PostgreSQL database $DRILL_DB"
else
  export DATABASE_URL="sqlite:///$WORK/drill.sqlite3"
  drop_all() { rm -f "$WORK/drill.sqlite3"; }
  cleanup_db() { :; }
  echo "drill on SQLite $WORK/drill.sqlite3"
fi
trap 'cleanup_db; rm -rf "$WORK"' EXIT

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo >/dev/null
$PY scripts/backup.py counts >"$WORK/before.json"
$PY scripts/backup.py backup
drop_all
rm -rf "$MEDIA_ROOT"
$PY scripts/backup.py restore
$PY scripts/backup.py counts >"$WORK/after.json"

if ! diff -u "$WORK/before.json" "$WORK/after.json"; then
  echo "DRILL FAILED: row counts differ after restore" >&2
  exit 1
fi
test "$(cat "$MEDIA_ROOT/uploads/drill.txt")" = "drill file" || { echo "DRILL FAILED: media not restored" >&2; exit 1; }
tables=$(grep -c '":' "$WORK/before.json")
rows=$($PY -c "import json,sys; print(sum(json.load(open(sys.argv[1])).values()))" "$WORK/before.json")
echo "drill ok: $tables tables, $rows rows, media restored"
