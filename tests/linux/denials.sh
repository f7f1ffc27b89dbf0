#!/bin/sh
# Live tests of the run's denials (linux-unelevated): with network off,
# connects to a test host this test makes in a network namespace
# (cordon-test*, veth pair, addresses only on that pair), to a listener on
# the host's loopback, to a unix socket of a process outside, and sockets
# of refused families are listed under "denials" in --report, and a run
# that fails says so in one line on stderr; --quiet turns the line off; a
# run that succeeds prints nothing. Each target is first reached outside
# the sandbox as the same user (the positive control), and the listeners
# must not hear the sandbox.
#
# usage: denials.sh PROBE root|user
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

[ "$(uname -s)" = Linux ] || { echo "SKIP: not Linux"; exit $SKIP; }
[ "$(id -u)" = 0 ] || { echo "SKIP: the test host's network namespace needs root"; exit $SKIP; }
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) is missing"; exit $SKIP; }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit $SKIP; }
. "$(dirname "$0")/setup.sh"
N=$(($$ % 1000))
NS=cordon-test-dn$$
HA=cordon-test${N}a
NB=cordon-test${N}b
# One /30 per variant: root and user may run at the same time.
if [ "$WHO" = user ]; then NET=10.231.79.4 HOSTIP=10.231.79.6 MYIP=10.231.79.5
else NET=10.231.79.0 HOSTIP=10.231.79.2 MYIP=10.231.79.1; fi
test_cleanup() {
    ip netns del "$NS" 2>/dev/null
    ip link del "$HA" 2>/dev/null
}
live_setup denials
ip netns add "$NS" 2>/dev/null || { echo "SKIP: cannot make a network namespace here"; exit $SKIP; }
ip link add "$HA" type veth peer name "$NB" netns "$NS" 2>/dev/null ||
    { echo "SKIP: cannot make a veth pair here"; exit $SKIP; }
ip addr add "$MYIP/30" dev "$HA" && ip link set "$HA" up &&
    ip -n "$NS" addr add "$HOSTIP/30" dev "$NB" && ip -n "$NS" link set "$NB" up &&
    ip -n "$NS" link set lo up || { echo "FAIL: cannot configure the test host"; exit 1; }

# Listeners: TCP on the test host and on the host's loopback, a unix
# socket outside the workspace; each logs every connection it accepts.
cat >"$T/listen.py" <<'EOF'
import os, socket, sys
kind, where, log = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(where)
    os.chmod(where, 0o777)
else:
    host, port = where.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
s.listen(16)
print("READY", s.getsockname(), flush=True)
while True:
    c, _ = s.accept()
    with open(log, "a") as f:
        f.write("heard\n")
    c.close()
EOF
# The command: connects to each address given ("unix:PATH", "HOST:PORT",
# "socket:FAMILY"), prints what happened, exits with $RC (default 3).
cat >"$T/try.py" <<'EOF'
import os, socket, sys
for a in sys.argv[1:]:
    try:
        if a.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(a[5:])
        elif a.startswith("socket:"):
            s = socket.socket(int(a[7:]), socket.SOCK_STREAM)
        else:
            host, port = a.rsplit(":", 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(5)
            s.connect((host, int(port)))
        print(a, "OK")
    except OSError as e:
        print(a, "refused:", e.strerror)
sys.exit(int(os.environ.get("RC", "3")))
EOF
chmod 644 "$T/listen.py" "$T/try.py"
PORT=$((20000 + $$ % 20000))
: >"$T/ns.log"; : >"$T/lo.log"; : >"$T/unix.log"
chmod 666 "$T/ns.log" "$T/lo.log" "$T/unix.log"
ip netns exec "$NS" python3 "$T/listen.py" tcp "$HOSTIP:$PORT" "$T/ns.log" >"$T/ns.ready" 2>&1 &
PIDS="$PIDS $!"
python3 "$T/listen.py" tcp "127.0.0.1:$PORT" "$T/lo.log" >"$T/lo.ready" 2>&1 &
PIDS="$PIDS $!"
python3 "$T/listen.py" unix "$O/svc.sock" "$T/unix.log" >"$T/unix.ready" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 50); do
    grep -q READY "$T/ns.ready" && grep -q READY "$T/lo.ready" && grep -q READY "$T/unix.ready" && break
    sleep 0.1
done
grep -q READY "$T/ns.ready" && grep -q READY "$T/lo.ready" && grep -q READY "$T/unix.ready" ||
    { echo "FAIL: the listeners did not start: $(cat "$T"/*.ready)"; exit 1; }

TARGETS="$HOSTIP:$PORT 127.0.0.1:$PORT unix:$O/svc.sock"
# The positive control: the same user outside reaches all three.
out=$(cd "$WS" && RC=0 as python3 "$T/try.py" $TARGETS 2>&1)
[ "$(echo "$out" | grep -c ' OK$')" = 3 ] && pass || fail "positive control: $out"
sleep 0.3
for l in ns lo unix; do
    [ "$(grep -c heard "$T/$l.log")" -ge 1 ] && pass || fail "positive control: the $l listener heard nothing"
    : >"$T/$l.log"
done

live_need_levels '*"network":"enforced"*' "network off is not enforced here"

# report FILE KEY: the value of the report's KEY (python, so the JSON is
# parsed for real).
denial() { # FILE KIND -> "count first"
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for d in r["denials"] or []:
    if d["kind"] == sys.argv[2]:
        print(d["count"], d["first"]); break
else:
    print(0)' "$1" "$2"
}
sbx() { # REPORT [cordon options] -- command
    rep=$1; shift
    rm -f "$rep"
    as "$CORDON" run -C "$WS" --report "$rep" "$@"
}

# A failed run: all three refused, listed, one line on stderr.
sbx "$H/r1.json" -- python3 "$T/try.py" $TARGETS >"$T/out1" 2>"$T/err1"
rc=$?
[ $rc = 3 ] && pass || fail "failed run: exit status $rc, not the command's 3: $(cat "$T/out1" "$T/err1")"
[ "$(grep -c refused "$T/out1")" = 3 ] && pass || fail "failed run: not all refused: $(cat "$T/out1")"
sleep 0.3
for l in ns lo unix; do
    [ "$(grep -c heard "$T/$l.log")" = 0 ] && pass || fail "the $l listener heard the sandbox"
done
[ "$(denial "$H/r1.json" network_connect)" = "1 $HOSTIP:$PORT" ] && pass ||
    fail "network_connect: $(denial "$H/r1.json" network_connect) in $(cat "$H/r1.json")"
[ "$(denial "$H/r1.json" network_loopback)" = "1 127.0.0.1:$PORT" ] && pass ||
    fail "network_loopback: $(cat "$H/r1.json")"
[ "$(denial "$H/r1.json" unix_connect)" = "1 $O/svc.sock" ] && pass ||
    fail "unix_connect: $(cat "$H/r1.json")"
n=$(grep -c 'refused by the sandbox' "$T/err1")
line=$(grep 'refused by the sandbox' "$T/err1")
case $line in
"cordon: 1 network connection, 1 loopback connection"*", 1 connection to a unix socket outside were refused by the sandbox (network off;"*"first: $HOSTIP:$PORT)")
    [ "$n" = 1 ] && pass || fail "stderr: more than one line: $(cat "$T/err1")" ;;
*) fail "stderr: no summary line: $(cat "$T/err1")" ;;
esac

# --quiet: no line; the report still lists them.
sbx "$H/r2.json" --quiet -- python3 "$T/try.py" "$HOSTIP:$PORT" >/dev/null 2>"$T/err2"
[ $? = 3 ] && pass || fail "--quiet changed the exit status"
grep -q 'refused by the sandbox' "$T/err2" && fail "--quiet: $(cat "$T/err2")" || pass
[ "$(denial "$H/r2.json" network_connect)" = "1 $HOSTIP:$PORT" ] && pass || fail "--quiet: report $(cat "$H/r2.json")"

# A run that succeeds prints nothing, also after a refused connect.
out=$(RC=0 sbx "$H/r3.json" -- python3 "$T/try.py" "$HOSTIP:$PORT" 2>&1 >/dev/null)
[ $? = 0 ] && [ -z "$out" ] && pass || fail "succeeded run printed: $out"
[ "$(denial "$H/r3.json" network_connect)" = "1 $HOSTIP:$PORT" ] && pass || fail "succeeded run: report $(cat "$H/r3.json")"
# Nothing refused: an empty list, nothing printed, even when it fails.
out=$(sbx "$H/r4.json" -- sh -c 'exit 4' 2>&1)
[ $? = 4 ] && [ -z "$out" ] && pass || fail "failed run with nothing refused printed: $out"
grep -q '"denials":\[\]' "$H/r4.json" && pass || fail "no denials: $(cat "$H/r4.json")"

# Refused socket families: vsock (40) in the private loopback; IPv4
# itself where no namespace is made (seccomp's refusal, counted too).
sbx "$H/r5.json" -- python3 "$T/try.py" socket:40 >/dev/null 2>&1
[ "$(denial "$H/r5.json" network_socket)" = "1 vsock" ] && pass || fail "vsock: $(cat "$H/r5.json")"
CORDON_DISABLE=userns sbx "$H/r6.json" -- python3 "$T/try.py" "$HOSTIP:$PORT" >"$T/out6" 2>"$T/err6"
grep -q refused "$T/out6" && pass || fail "no namespace: the connect got through: $(cat "$T/out6")"
[ "$(denial "$H/r6.json" network_socket)" = "1 ipv4" ] && pass || fail "no namespace: $(cat "$H/r6.json")"
grep -q 'cordon: 1 network socket was refused by the sandbox (network off; first: ipv4)' "$T/err6" &&
    pass || fail "no namespace: stderr $(cat "$T/err6")"

# The refused path comes from the command: a link in the workspace whose
# name carries a terminal escape reaches the report as written, and the
# stderr line without the control character.
ESC=$(printf '\033')
as ln -s "$O/svc.sock" "$WS/x${ESC}[2Jy" || fail "cannot make the escape link"
sbx "$H/r8.json" -- python3 "$T/try.py" "unix:$WS/x${ESC}[2Jy" >/dev/null 2>"$T/err8"
grep -q "$ESC" "$T/err8" && fail "a control character reached stderr" || pass
grep -q "first: $WS/x?\[2Jy)" "$T/err8" && pass || fail "escape: stderr $(cat -v "$T/err8")"
[ "$(denial "$H/r8.json" unix_connect)" = "1 $WS/x${ESC}[2Jy" ] && pass || fail "escape: report $(cat -v "$H/r8.json")"
rm -f "$WS/x${ESC}[2Jy"

# Network on: the test host is reached, nothing is listed.
out=$(RC=0 sbx "$H/r7.json" --network on -- python3 "$T/try.py" "$HOSTIP:$PORT" 2>&1)
case $out in *OK*) pass ;; *) fail "network on: $out" ;; esac
grep -q '"denials":\[\]' "$H/r7.json" && pass || fail "network on: $(cat "$H/r7.json")"

live_done "denials ($WHO)"
