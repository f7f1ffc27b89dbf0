#!/bin/sh
# Starts (start) or stops (stop) the Wine prefix that the Windows tests of
# one build tree share. WINEPREFIX is set by the caller. A persistent
# wineserver keeps each test's start-up at a few hundredths of a second.
set -eu
case "${1:-}" in
start)
    mkdir -p "$WINEPREFIX"
    # The server outlives this script: keep it off the test runner's pipes.
    # Exits non-zero when a server for this prefix already runs: fine.
    wineserver -p </dev/null >/dev/null 2>&1 || true
    if ! wineboot --init >"$WINEPREFIX.boot.log" 2>&1; then
        cat "$WINEPREFIX.boot.log" >&2
        echo "wineboot --init failed for $WINEPREFIX" >&2
        exit 1
    fi
    ;;
stop)
    wineserver -k 2>/dev/null || true
    ;;
*)
    echo "usage: wine-prefix.sh start|stop" >&2
    exit 2
    ;;
esac
