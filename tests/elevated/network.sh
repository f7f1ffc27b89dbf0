#!/bin/sh
# The offline user's traffic is dropped by nftables whatever the protocol:
# TCP, UDP and ICMP to a test host in a network namespace this test makes
# (veth pair, addresses only on that pair), and to a listener on the
# host's loopback; the online user gets through (positive control), and so
# does the test user outside the sandbox. Run with the runner's
# namespaces (its private network namespace alone would hide the host's
# loopback), seccomp and Landlock switched off (CORDON_DISABLE), so that
# nftables alone is shown, and once with them on (defence in depth
# refuses even earlier).
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
command -v ip >/dev/null || skip "ip (iproute2) is missing"
NS=cordon-test-ns$$
HA=cordon-testa
NB=cordon-testb
HOST=10.231.77.2
OLDRANGE=$(cat /proc/sys/net/ipv4/ping_group_range 2>/dev/null)
LPID=""
LPID2=""
cleanup() {
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
    [ -n "$LPID2" ] && kill "$LPID2" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    ip link del "$HA" 2>/dev/null
    [ -n "$OLDRANGE" ] && echo "$OLDRANGE" >/proc/sys/net/ipv4/ping_group_range
    rm -f "$CORDON_TEST_STATE/ns.log" "$CORDON_TEST_STATE/lo.log"
}
trap cleanup EXIT INT TERM
ip netns add "$NS" || skip "cannot make a network namespace here"
ip link add "$HA" type veth peer name "$NB" netns "$NS" || skip "cannot make a veth pair here"
ip addr add 10.231.77.1/30 dev "$HA" && ip link set "$HA" up &&
    ip -n "$NS" addr add "$HOST/30" dev "$NB" && ip -n "$NS" link set "$NB" up &&
    ip -n "$NS" link set lo up || { fail "cannot configure the test host"; finish; exit 1; }
# Ping sockets for everybody while the test runs (restored at the end),
# so that ICMP is tried for real by the sandbox users.
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
cp "$HERE/netprobe.py" "$HERE/listener.py" "$CORDON_TEST_STATE/" && chmod 644 "$CORDON_TEST_STATE"/*.py
chmod 755 "$CORDON_TEST_STATE"
PROBE="$PY $CORDON_TEST_STATE/netprobe.py"
# In the sandbox the probe comes on stdin (a pipe passes as it is): the
# runner gives the command a private /tmp, which hides a build tree that
# lies under /tmp.
SPROBE="$PY -"
PORT=$((20000 + $$ % 20000))
: >"$CORDON_TEST_STATE/ns.log"
: >"$CORDON_TEST_STATE/lo.log"
ip netns exec "$NS" $PY "$CORDON_TEST_STATE/listener.py" "$HOST" "$PORT" "$CORDON_TEST_STATE/ns.log" >"$CORDON_TEST_STATE/ns.ready" &
LPID=$!
$PY "$CORDON_TEST_STATE/listener.py" 127.0.0.1 "$PORT" "$CORDON_TEST_STATE/lo.log" >"$CORDON_TEST_STATE/lo.ready" &
LPID2=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    grep -q READY "$CORDON_TEST_STATE/ns.ready" && grep -q READY "$CORDON_TEST_STATE/lo.ready" && break
    sleep 0.2
done
grep -q READY "$CORDON_TEST_STATE/ns.ready" || { fail "the test host's listener did not start"; finish; exit 1; }

# got WHO KIND ADDR: the action gets through.  refused WHO KIND ADDR.
run_as() { # who kind addr
    case "$1" in
    control) (cd "$WS" && $AS_USER $PROBE "$2" "$3" "$PORT") ;;
    offline) cat "$CORDON_TEST_STATE/netprobe.py" |
        cordon_as run --policy read-only -- $SPROBE "$2" "$3" "$PORT" ;;
    online) cat "$CORDON_TEST_STATE/netprobe.py" |
        cordon_as run --policy read-only --network on -- $SPROBE "$2" "$3" "$PORT" ;;
    esac
}
got() { out=$(run_as "$@" 2>&1) && pass || fail "$1 $2 $3 should get through: $out"; }
refused() { out=$(run_as "$@" 2>&1); [ $? = 1 ] && pass || fail "$1 $2 $3 should be refused: $out"; echo "$1 $2 $3: $out"; }

for kind in tcp udp icmp; do
    got control $kind $HOST
    got online $kind $HOST
done
got control tcp 127.0.0.1
got online tcp 127.0.0.1
got online udp 127.0.0.1
sleep 0.5
n=$(grep -c "^tcp $(id -u cordon-online)\$" "$CORDON_TEST_STATE/ns.log")
[ "$n" -ge 1 ] && pass || fail "the test host did not hear cordon-online over TCP"
n=$(grep -c "^udp $(id -u cordon-online)\$" "$CORDON_TEST_STATE/ns.log")
[ "$n" -ge 1 ] && pass || fail "the test host did not hear cordon-online over UDP"

# The offline user, nftables alone.
CORDON_DISABLE=seccomp,landlock,userns
export CORDON_DISABLE
for kind in tcp udp icmp; do
    refused offline $kind $HOST
done
refused offline tcp 127.0.0.1
refused offline udp 127.0.0.1
refused offline tcp ::1
refused offline udp ::1
# And with the runner's namespaces, seccomp and Landlock on as well.
unset CORDON_DISABLE
for kind in tcp udp icmp; do
    refused offline $kind $HOST
done
sleep 0.5
off=$(id -u cordon-offline)
grep -q " $off\$" "$CORDON_TEST_STATE/ns.log" && fail "the test host heard cordon-offline: $(cat "$CORDON_TEST_STATE/ns.log")" || pass
grep -q " $off\$" "$CORDON_TEST_STATE/lo.log" && fail "the loopback listener heard cordon-offline" || pass
finish
