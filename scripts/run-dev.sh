#!/usr/bin/env bash
# Starts the Celery worker and beat in the background and the web server in the foreground;
# Ctrl-C stops all three.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
CELERY="$(dirname "$PY")/celery"
mkdir -p var
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT INT TERM
"$CELERY" -A reclass_volunteers worker --pool solo --without-mingle --without-gossip \
  --loglevel WARNING >var/worker.log 2>&1 &
"$CELERY" -A reclass_volunteers beat --loglevel WARNING >var/beat.log 2>&1 &
echo
echo "  Reclass Vrijwilligers: http://127.0.0.1:${PORT}/   (worker log: var/worker.log, beat log: var/beat.log)"
echo
"$PY" manage.py runserver "127.0.0.1:${PORT}"
