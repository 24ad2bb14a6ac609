#!/bin/sh
# Run the whole suite on SQLite and on PostgreSQL at the same time, one pytest each, and show
# each run's output in full when both are done. The machine has two cores and neither run uses
# both for long: side by side the two take little more than the slower one alone.
# Usage: scripts/test-both-databases.sh PYTHON [pytest options]
set -u
python=$1
shift
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# No shared pytest cache between the two runs (its files are not written for two writers).
"$python" -m pytest -p no:cacheprovider --db=sqlite "$@" >"$logs/sqlite.log" 2>&1 &
sqlite=$!
"$python" -m pytest -p no:cacheprovider --db=postgres "$@" >"$logs/postgres.log" 2>&1 &
postgres=$!
wait "$sqlite"
sqlite_status=$?
wait "$postgres"
postgres_status=$?
echo "==> tests on SQLite (exit $sqlite_status)"
cat "$logs/sqlite.log"
echo "==> tests on PostgreSQL (exit $postgres_status)"
cat "$logs/postgres.log"
[ "$sqlite_status" -eq 0 ] && [ "$postgres_status" -eq 0 ]
