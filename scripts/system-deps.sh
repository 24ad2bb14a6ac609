#!/usr/bin/env bash
# Installs the Debian packages Duk needs, and only those that are missing.
#   scripts/system-deps.sh        everything: running the app, the whole test suite, the benchmarks
#   scripts/system-deps.sh run    only what `make run` needs (venv support, WeasyPrint libraries)
# Quiet when everything is present. Not root and something missing: says what to install, exit 1.
set -euo pipefail

profile="${1:-all}"
case "$profile" in
  all | run) ;;
  *) echo "usage: $0 [all|run]" >&2; exit 2 ;;
esac

missing=()

have_pkg() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

need_pkg() {
  have_pkg "$1" || missing+=("$1")
}

# python3 -m venv needs ensurepip, which Debian ships separately.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

# WeasyPrint (PDF export) loads these at run time.
need_pkg libpango-1.0-0
need_pkg libpangoft2-1.0-0
need_pkg fonts-dejavu-core
# ...and a font for the plan's PDF in Arabic, shaped right to left (static/app.css, :lang(ar)).
need_pkg fonts-hosny-amiri

if [ "$profile" = all ]; then
  # The suite runs on a real PostgreSQL it starts itself (tests/pg_server.py)...
  [ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
  # ...and the browser tests drive the system Chromium.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # bench/ drives the server at full speed with wrk (a Python client saturates first).
  need_pkg wrk
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Duk needs these Debian packages, which are missing:" >&2
  echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "Run that as root (or ask someone who can), then try again." >&2
  exit 1
fi

echo "==> installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
