# Sourced by the live shell tests: the common set-up, clean-up and count.
#   live_setup NAME   arms the clean-up (live_cleanup, on EXIT INT TERM),
#                     sets RUN (the command prefix that drops to uid 65534
#                     when WHO=user), T (this test's directory), WS, O, H
#                     (workspace, outside, home, owned by the test user),
#                     and copies PROBE into T. Exits 77, saying why, where
#                     it cannot run (not Linux, no $CORDON, no root or no
#                     setpriv for the unprivileged run, T out of its reach).
#   live_cleanup      kills the processes in PIDS, runs the test's own
#                     test_cleanup where it defines one (before T goes:
#                     it may still read T), and removes T.
#   live_need_levels GLOB WHY [level options]
#                     `cordon level --json` in WS (as the test user) is
#                     kept in $levels; exits 77 ("SKIP: WHY: levels")
#                     unless it matches GLOB.
#   pass, fail MSG    count a check (fail prints "FAIL: MSG"; a test may
#                     define its own fail to tag the message).
#   live_done LABEL   prints the count; its status is the test's: no
#                     check failed and at least one ran.
#   as, plain, sbx    a command as the test user (HOME=$H), a shell
#                     snippet in WS as that user without the sandbox, and
#                     the same inside it (sbx SNIPPET [cordon options];
#                     with CORDON_DISABLE=$DIS where the test sets DIS).
#                     A test may define its own after sourcing this file.
# The caller sets WHO, PROBE and SKIP before live_setup.
PIDS=
checks=0
fails=0

live_cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    command -v test_cleanup >/dev/null && test_cleanup
    [ -n "${T:-}" ] && rm -rf "$T"
}

live_setup() {
    trap live_cleanup EXIT
    # An interrupted test stops: cleaning up and carrying on would report
    # failures of a half-torn-down test. Exit runs live_cleanup once.
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [ "$(uname -s)" = Linux ] || { echo "SKIP: not Linux"; exit $SKIP; }
    [ -x "${CORDON:-}" ] || { echo "SKIP: \$CORDON is not set"; exit $SKIP; }
    RUN=
    # Each run's tool cache goes to the test's home ($H/.cache/cordon/tools).
    unset XDG_CACHE_HOME XDG_STATE_HOME
    if [ "$WHO" = user ]; then
        [ "$(id -u)" = 0 ] || { echo "SKIP: the unprivileged run needs root to drop to uid 65534"; exit $SKIP; }
        command -v setpriv >/dev/null || { echo "SKIP: setpriv is missing"; exit $SKIP; }
        RUN="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    # The sandbox's private /tmp hides the real /tmp, so a build tree under
    # /tmp would hide this test's own files from the command: keep them,
    # and a copy of the probe, outside /tmp then.
    base=${CORDON_BUILD:-/var/tmp}
    case "$base/" in /tmp/*) base=/var/tmp ;; esac
    T=$(mktemp -d "$base/cordon-test-$1-XXXXXX") || exit 1
    chmod 755 "$T"
    cp "$PROBE" "$T/probe" && chmod 755 "$T/probe" && PROBE=$T/probe || exit 1
    WS=$T/ws
    O=$T/outside
    H=$T/home
    mkdir -p "$WS" "$O" "$H" "$H/tmp"
    [ -n "$RUN" ] && chown -R 65534:65534 "$WS" "$O" "$H"
    # Every directory above $T must be searchable by the unprivileged user.
    if [ -n "$RUN" ] && ! $RUN test -x "$T"; then
        echo "SKIP: $T is not reachable by uid 65534"; exit $SKIP
    fi
}

live_need_levels() {
    glob=$1 why=$2
    shift 2
    levels=$(as "$CORDON" level "$@" -C "$WS" --json 2>&1)
    case $levels in
    $glob) ;;
    *) echo "SKIP: $why: $levels"; exit $SKIP ;;
    esac
}

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

live_done() {
    echo "$1: $checks checks, $fails failed"
    [ "$fails" -eq 0 ] && [ "$checks" -gt 0 ]
}

as() { $RUN env HOME="$H" PATH=/usr/bin:/bin "$@"; }
plain() { (cd "$WS" && as sh -c "$1"); }
sbx() {
    s=$1
    shift
    as ${DIS+env CORDON_DISABLE="$DIS"} "$CORDON" run -C "$WS" "$@" -- sh -c "$s"
}
