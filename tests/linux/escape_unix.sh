#!/bin/sh
# Live tests of the private loopback and the unix socket gate of
# linux-unelevated. Host-side listeners started here (a pathname stream
# socket, a pathname datagram socket, an abstract socket, TCP on
# 127.0.0.1) are each reached without the sandbox (the positive control:
# the listener logs it) and not from inside it (nothing logged), in
# several shapes (symlink, relative path, magic link, hard link, the race
# shapes). Inside, the command's own servers (127.0.0.1, ::1, unix sockets
# in the workspace and its /tmp, abstract) work, and so does a socket the
# policy allows. Then each CORDON_DISABLE combination.
#
# usage: escape_unix.sh PROBE root|user   (CTest sets CORDON, CORDON_BUILD)
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
live_setup escape-unix

fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: ${DIS:+[$DIS] }$*"; }
DIS=
# plain ARGS: the probe in the workspace, unsandboxed (sbx: setup.sh).
plain() { (cd "$WS" && as "$PROBE" "$@"); }

live_need_levels '*"network":"enforced"*' "network is not enforced here"

start() { $RUN "$PROBE" "$@" >/dev/null 2>&1 & PIDS="$PIDS $!"; }
waitfor() { i=0; while ! eval "$1" && [ $i -lt 150 ]; do sleep 0.02; i=$((i + 1)); done; }
ABS=@cordon-test-$$
start serve-unix2 stream "$H/host.sock" "$H/stream.log"
start serve-unix2 dgram "$H/host.dgram" "$H/dgram.log"
start serve-unix2 stream "$ABS" "$H/abstract.log"
start serve tcp4 "$H/tcp.port" "$H/tcp.log"
waitfor '[ -S "$H/host.sock" ] && [ -S "$H/host.dgram" ] && [ -s "$H/tcp.port" ]'
TPORT=$(cat "$H/tcp.port" 2>/dev/null)
[ -n "$TPORT" ] || { echo "FAIL: the test listeners did not start"; exit 1; }
heard() { n=$(grep -c cordon- "$1" 2>/dev/null); echo "${n:-0}"; }

# refused NAME LOG PROBE-ARGS: heard from outside, not from inside.
refused() {
    name=$1 log=$2
    shift 2
    b=$(heard "$log")
    plain "$@" >/dev/null 2>&1
    sleep 0.05
    if [ "$(heard "$log")" -le "$b" ]; then
        fail "$name: positive control not heard ($*)"
        return
    fi
    b=$(heard "$log")
    out=$(sbx "'$PROBE' $*" 2>&1)
    rc=$?
    sleep 0.05
    if [ $rc -ne 0 ] && [ "$(heard "$log")" = "$b" ]; then pass; else
        fail "$name: got through the sandbox (rc $rc): $out"; fi
}
# works NAME SNIPPET: succeeds inside.
works() {
    if out=$(sbx "$2" --timeout 20 2>&1); then pass; else fail "$1: refused inside: $out"; fi
}

# The case set, run as is and again under each CORDON_DISABLE that keeps
# network enforced.
cases() {
    as ln -sf "$H/host.sock" "$WS/link.sock"
    refused pathname-stream "$H/stream.log" unix2 stream "$H/host.sock"
    refused pathname-dgram "$H/dgram.log" unix2 dgram "$H/host.dgram"
    refused abstract "$H/abstract.log" unix2 stream "$ABS"
    refused tcp-host-loopback "$H/tcp.log" tcp4 "$TPORT"
    refused symlink-in-root "$H/stream.log" unix2 stream link.sock
    refused relative-dotdot "$H/stream.log" unix2 stream ../home/host.sock
    refused proc-self-root "$H/stream.log" unix2 stream "/proc/self/root$H/host.sock"
    # A hard link into the root: refused by the mounts (EXDEV) or, without
    # them, by the gate (a second name is not the command's own).
    b=$(heard "$H/stream.log")
    out=$(sbx "ln '$H/host.sock' hard.sock; '$PROBE' unix2 stream hard.sock" 2>&1)
    rc=$?
    rm -f "$WS/hard.sock"
    if [ $rc -ne 0 ] && [ "$(heard "$H/stream.log")" = "$b" ]; then pass; else
        fail "hard-link: got through (rc $rc): $out"; fi
    # The race shapes, against the command's own socket as the good address.
    b=$(heard "$H/stream.log")
    out=$(sbx "'$PROBE' serve-unix2 stream '$WS/own.sock' '$WS/own.log' & sleep 0.3
               '$PROBE' race-addr '$WS/own.sock' '$H/host.sock' 3000" --timeout 60 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && [ "$(heard "$H/stream.log")" = "$b" ]; then pass; else
        fail "race-addr: got through (rc $rc): $out"; fi
    out=$(sbx "'$PROBE' race-fd '$WS/own.sock' '$H/host.sock' 3000" --timeout 60 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && [ "$(heard "$H/stream.log")" = "$b" ]; then pass; else
        fail "race-fd: got through (rc $rc): $out"; fi
    # Unix datagram sockets are refused (their sends carry an address).
    if sbx "'$PROBE' socket 1 2" >/dev/null 2>&1 || sbx "'$PROBE' socket 1 2 hb" >/dev/null 2>&1 ||
        sbx "'$PROBE' socket 1 3" >/dev/null 2>&1 || sbx "'$PROBE' socketpair 1 2" >/dev/null 2>&1; then
        fail "unix datagram socket created inside"; else pass; fi

    # The command's own servers.
    works own-unix-workspace "'$PROBE' serve-unix2 stream '$WS/own.sock' '$WS/own.log' & sleep 0.3
        '$PROBE' unix2 stream '$WS/own.sock' && sleep 0.1 && grep -q cordon-unix '$WS/own.log'"
    works own-unix-relative "'$PROBE' serve-unix2 stream own2.sock own2.log & sleep 0.3
        '$PROBE' unix2 stream own2.sock && sleep 0.1 && grep -q cordon-unix own2.log"
    works own-unix-tmp "'$PROBE' serve-unix2 stream \$TMPDIR/own.sock \$TMPDIR/own.log & sleep 0.3
        '$PROBE' unix2 stream \$TMPDIR/own.sock && sleep 0.1 && grep -q cordon-unix \$TMPDIR/own.log"
    works own-socketpair "'$PROBE' socketpair 1 1"
    # Without the user namespace there is no network namespace: IP stays
    # refused by seccomp (escape.sh).
    case $DIS in *userns*) ;; *)
    works own-tcp4 "'$PROBE' serve tcp4 p4 l4 & sleep 0.3; '$PROBE' tcp4 \$(cat p4) &&
        sleep 0.1 && grep -q cordon-probe l4" ;;
    esac
    # A connect that blocks (a full backlog) does not stall the gate.
    works blocked-connect "'$PROBE' hold '$WS/stuck.sock' & sleep 0.3
        for i in 1 2 3 4; do '$PROBE' unix2 stream '$WS/stuck.sock' >/dev/null 2>&1 & done; sleep 0.3
        '$PROBE' serve-unix2 stream '$WS/own3.sock' '$WS/own3.log' & sleep 0.3
        '$PROBE' unix2 stream '$WS/own3.sock'"
    rm -f "$WS"/*.sock "$WS"/*.log "$WS"/p4 "$WS"/l4
}

cases
# With the private network namespace: ::1 and abstract sockets are the
# command's own.
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
    works own-tcp6 "'$PROBE' serve tcp6 p6 l6 & sleep 0.3; '$PROBE' tcp6 \$(cat p6) &&
        sleep 0.1 && grep -q cordon-probe l6"
fi
works own-abstract "'$PROBE' serve-unix2 stream @cordon-own-$$ own.log & sleep 0.3
    '$PROBE' unix2 stream @cordon-own-$$ && sleep 0.1 && grep -q cordon-unix own.log"
rm -f "$WS"/*.log "$WS"/p6 "$WS"/l6
# The gate is pid 1 of the sandbox: the command can neither kill, stop
# nor trace it (with and without Landlock); connections still go through
# it afterwards.
for DIS in "" landlock; do
    works gate-unkillable "kill -KILL 1; kill -STOP 1; '$PROBE' ptrace 1 && exit 1
        '$PROBE' serve-unix2 stream '$WS/own.sock' '$WS/own.log' & sleep 0.3
        '$PROBE' unix2 stream '$WS/own.sock' && ! '$PROBE' unix2 stream '$H/host.sock'"
    rm -f "$WS"/*.sock "$WS"/*.log
done
DIS=

# allow_unix_sockets, written home-relative, opens the listed socket.
printf 'mode = "workspace-write"\nallow_unix_sockets = ["~/host.sock"]\n' > "$T/allow.toml"
chmod 644 "$T/allow.toml"
b=$(heard "$H/stream.log")
if out=$(sbx "'$PROBE' unix2 stream '$H/host.sock'" --policy-file "$T/allow.toml" 2>&1) &&
    [ "$(heard "$H/stream.log")" -gt "$b" ]; then pass; else fail "allow_unix_sockets: refused: $out"; fi
out=$(as "$CORDON" explain -C "$WS" --policy-file "$T/allow.toml" 2>&1)
case $out in *"unix socket allowed: $H/host.sock"*) pass ;; *) fail "explain does not list the allowed socket: $out" ;; esac
out=$(as "$CORDON" level -C "$WS" --policy-file "$T/allow.toml" 2>&1)
case $out in *"network is enforced"*"allowed by the policy: $H/host.sock"*) pass ;;
*) fail "the network reason does not name the allowed socket: $out" ;; esac
# ... and nothing else.
refused allowlist-only "$H/dgram.log" unix2 dgram "$H/host.dgram"

# Each CORDON_DISABLE combination: with seccomp the level stays enforced
# and the cases hold; without it, network is advisory and the host's
# pathname socket is reached (the gate needs seccomp).
for DIS in landlock userns landlock,userns seccomp landlock,seccomp userns,seccomp; do
    lv=$(as env CORDON_DISABLE="$DIS" "$CORDON" level -C "$WS" --json)
    case $DIS in
    *seccomp*)
        case $lv in *'"network":"advisory"'*) pass ;; *) fail "level: $lv" ;; esac
        b=$(heard "$H/stream.log")
        sbx "'$PROBE' unix2 stream '$H/host.sock'" >/dev/null 2>&1
        sleep 0.05
        if [ "$(heard "$H/stream.log")" -gt "$b" ]; then pass; else
            fail "network advisory, yet the host socket was not reached"; fi
        ;;
    landlock,userns)
        # advisory: with neither a pid namespace nor Landlock the command
        # can reach the user's other processes. The gate still holds.
        case $lv in *'"network":"advisory"'*) pass ;; *) fail "level: $lv" ;; esac
        cases
        ;;
    *)
        case $lv in *'"network":"enforced"'*) pass ;; *) fail "level: $lv" ;; esac
        cases
        ;;
    esac
done

live_done "linux_escape_unix_$WHO"
