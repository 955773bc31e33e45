#!/usr/bin/env bash
# make run: migrate the embedded default database, load the demo, print the logins, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${1:-127.0.0.1}"; PORT="${2:-5000}"
BIN=.venv/bin
$BIN/supervision db upgrade >/dev/null
$BIN/supervision demo --password "${SUPERVISION_DEMO_PASSWORD:-demo-Pass-2024}" > instance/demo.json
$BIN/python - <<'PY'
import json
info = json.load(open("instance/demo.json"))
print()
print("大消保 filing platform — demo data loaded")
print(f"  institutions: {info['institutions']}, periods: {', '.join(info['periods'])}")
print(f"  password for every demo user: {info['password']}")
for u in info["logins"]:
    print(f"  {u['role']:<11} {u['email']:<28} {u['member'] or ''}")
PY
echo
echo "  URL: http://${HOST}:${PORT}/"
echo
exec $BIN/gunicorn --bind "${HOST}:${PORT}" --workers 1 --threads 8 --access-logfile - "wsgi:app"
