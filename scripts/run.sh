#!/usr/bin/env bash
# make run: migrate the embedded default database, load the demo, print the logins, serve (with the
# scheduler process beside the server; it is stopped when the server stops).
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
# the scheduler runs beside the server in its own process (never inside a web worker); both stop
# together: Ctrl-C or SIGTERM stops the server and the scheduler, and the scheduler stops when the
# server exits
$BIN/python -m scheduler >> instance/scheduler.log 2>&1 &
SCHEDULER_PID=$!
echo
echo "  URL: http://${HOST}:${PORT}/"
echo "  scheduler: pid ${SCHEDULER_PID}, log instance/scheduler.log; jobs on /admin/scheduler/ (admin@demo.cn)"
echo
# gunicorn leads its own process group (setsid) so that stopping it stops its workers too — even
# when the master was killed outright, its workers must not keep the port; its control socket
# lives under instance/ (the default path is shared by every instance on the host)
setsid $BIN/gunicorn --bind "${HOST}:${PORT}" --workers 1 --threads 8 --access-logfile - \
  --control-socket "$PWD/instance/gunicorn.ctl" "supervision.wsgi:app" &
SERVER_PID=$!
stop_all() {
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
  kill -TERM "$SCHEDULER_PID" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 -- "-$SERVER_PID" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
}
trap stop_all INT TERM
trap 'stop_all; wait 2>/dev/null || true' EXIT
wait "$SERVER_PID" || true
