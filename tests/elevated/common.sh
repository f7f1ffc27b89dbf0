# Sourced by the elevated tier's live tests. They run as root and share one
# installation made by fixture.sh (CTest fixture "elevated"): its state
# (the throwaway user, the workspace) is in $CORDON_TEST_STATE.
SKIP=77
PY=/usr/bin/python3
HERE=$CORDON_SOURCE/tests/elevated
fails=0
checks=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; exit $SKIP; }
finish() {
    echo "$(basename "$0"): $checks checks, $fails failed"
    [ "$checks" -gt 0 ] || { echo "no checks ran"; exit 1; }
    [ "$fails" -eq 0 ]
}
# The installation's state, or a skip naming why it is not there.
need_install() {
    [ "$(id -u)" = 0 ] || skip "the elevated tier's tests run as root"
    [ -s "$CORDON_TEST_STATE/user" ] || skip "the elevated fixture did not install (see elevated_install)"
    TU=$(cat "$CORDON_TEST_STATE/user")
    WS=$(cat "$CORDON_TEST_STATE/ws")
    TH=$(cat "$CORDON_TEST_STATE/home")
    UG=$(getent group cordon-users | cut -d: -f3)
    # As the test user, in cordon-users, with a clean environment.
    AS_USER="setpriv --reuid=$TU --regid=$TU --groups=$UG --reset-env"
    AS_OUTSIDER="setpriv --reuid=65534 --regid=65534 --groups=$UG --reset-env"
}
# Runs cordon as the test user in the workspace: cordon_as ARGS...
cordon_as() {
    (cd "$WS" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin CORDON_SHIM_DIR="$CORDON_SHIM_DIR" \
        ${CORDON_DISABLE:+CORDON_DISABLE=$CORDON_DISABLE} "$CORDON" "$@")
}
# jq-like field read with python: json_field JSON EXPR (EXPR uses d)
json_field() { printf '%s' "$1" | $PY -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
