#!/bin/sh
# Starts (start) or stops (stop) the Wine prefix that the Windows tests of
# one build tree share. WINEPREFIX is set by the caller.
set -eu
case "${1:-}" in
start)
    mkdir -p "$WINEPREFIX"
    wineserver -p
    wineboot --init >/dev/null 2>&1 || { echo "wineboot --init failed for $WINEPREFIX" >&2; exit 1; }
    wineserver -w 2>/dev/null || true
    wineserver -p
    ;;
stop)
    wineserver -k 2>/dev/null || true
    ;;
*)
    echo "usage: wine-prefix.sh start|stop" >&2
    exit 2
    ;;
esac
