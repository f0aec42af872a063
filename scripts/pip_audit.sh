#!/usr/bin/env bash
# pip-audit of requirements.txt with dated exceptions from .ci/pip-audit-exceptions.txt.
# Fails on: a known vulnerability not excepted, an expired exception, or an unreachable service without a valid
# `offline` exception.
set -euo pipefail
cd "$(dirname "$0")/.."
EXCEPTIONS=.ci/pip-audit-exceptions.txt
TODAY=$(date -u +%F)
ignore_args=()
offline_ok=""
while read -r id until _reason; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  date=${until#until=}
  if [[ ! "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then echo "pip-audit: bad date in $EXCEPTIONS for $id" >&2; exit 1; fi
  if [[ "$date" < "$TODAY" ]]; then echo "pip-audit: the exception for $id expired on $date; review it" >&2; exit 1; fi
  if [[ "$id" == offline ]]; then offline_ok=$date; else ignore_args+=(--ignore-vuln "$id"); fi
done <"$EXCEPTIONS"

set +e
out=$(.venv/bin/pip-audit -r requirements.txt --progress-spinner off --format json "${ignore_args[@]}" 2>/tmp/pip-audit.err)
status=$?
set -e
summary=$(printf '%s' "$out" | .venv/bin/python -c '
import json, sys
try:
    data = json.load(sys.stdin)
except ValueError:
    print("error 0 0 0"); sys.exit()
deps = data.get("dependencies", [])
skipped = sum(1 for d in deps if d.get("skip_reason"))
vulns = sum(len(d.get("vulns", [])) for d in deps)
print("ok", len(deps), skipped, vulns)')
read -r parsed total skipped vulns <<<"$summary"
if [[ "$parsed" != ok || ( "$total" -gt 0 && "$skipped" -eq "$total" ) ]]; then
  if [[ -n "$offline_ok" ]]; then
    echo "pip-audit: WARNING: NO AUDIT PERFORMED - the vulnerability service is unreachable ($skipped/$total packages skipped)."
    echo "pip-audit: accepted until $offline_ok by the 'offline' exception in $EXCEPTIONS."
    exit 0
  fi
  echo "pip-audit: the vulnerability service is unreachable and no 'offline' exception is in force" >&2
  cat /tmp/pip-audit.err >&2
  exit 1
fi
if [[ "$status" -ne 0 || "$vulns" -gt 0 ]]; then
  .venv/bin/pip-audit -r requirements.txt --progress-spinner off "${ignore_args[@]}" || true
  echo "pip-audit: $vulns known vulnerabilit(y/ies); upgrade, or add a dated exception to $EXCEPTIONS" >&2
  exit 1
fi
echo "pip-audit: no known vulnerability in $total packages ($skipped not audited)"
