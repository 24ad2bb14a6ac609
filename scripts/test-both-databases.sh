#!/bin/sh
# Run the whole suite on SQLite and on PostgreSQL at the same time, and show each run's output
# in full when all are done.
#
# With no pytest options, each database's suite runs as two pytest processes side by side: the
# browser tests (tests/browser) and the rest, four in all, each PostgreSQL one with a server of
# its own. A run alone keeps less than a core busy: it waits on its server, on Chromium, on
# other processes it starts; four together keep both cores of this machine busy, and the whole
# suite takes about two thirds of the time two runs took. With options (`make test
# PYTEST_ARGS='-k canvas'`), one pytest per database, as the options may name their own tests.
# Usage: scripts/test-both-databases.sh PYTHON [pytest options]
set -u
python=$1
shift
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

if [ "$#" -eq 0 ]; then
    parts="browser rest"
else
    parts="all"
fi

pids=""
for db in sqlite postgres; do
    for part in $parts; do
        case $part in
            browser) selection="tests/browser" ;;
            rest) selection="tests --ignore=tests/browser" ;;
            all) selection="" ;;
        esac
        # No shared pytest cache between the runs (its files are not written for two writers).
        # shellcheck disable=SC2086 # $selection is words on purpose
        "$python" -m pytest -p no:cacheprovider --db="$db" $selection "$@" \
            >"$logs/$db-$part.log" 2>&1 &
        pids="$pids $db-$part:$!"
    done
done

failed=0
for entry in $pids; do
    name=${entry%%:*}
    pid=${entry##*:}
    wait "$pid"
    status=$?
    [ "$status" -eq 0 ] || failed=1
    echo "$status" >"$logs/$name.status"
done
for entry in $pids; do
    name=${entry%%:*}
    echo "==> tests on ${name%%-*}, ${name#*-} (exit $(cat "$logs/$name.status"))"
    cat "$logs/$name.log"
done
[ "$failed" -eq 0 ]
