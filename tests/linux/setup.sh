# Sourced by the live shell tests: the common set-up.
#   live_setup NAME   sets RUN (the command prefix that drops to uid 65534
#                     when WHO=user), T (this test's directory), WS, O, H
#                     (workspace, outside, home, owned by the test user),
#                     and copies PROBE into T. Exits 77 where it cannot run.
# The caller sets WHO, PROBE and SKIP, and removes "$T" in its trap.
live_setup() {
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
}
