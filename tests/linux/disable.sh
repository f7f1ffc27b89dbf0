#!/bin/sh
# Every CORDON_DISABLE combination: the levels linux-unelevated reports,
# and that they are honest both ways — an "enforced" dimension refuses
# the action, an "advisory"/"none" one really lets it through.
#
# usage: disable.sh PROBE root|user   (CTest sets CORDON, CORDON_BUILD)
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "${T:-}" ] && rm -rf "$T"
}
trap cleanup EXIT INT TERM
live_setup disable

checks=0
fails=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: [$DIS] $*"; }

# TMPDIR: cordon makes its host temp directories (no mount namespace)
# there, so the test can see that none is left behind.
as() { $RUN env HOME="$H" PATH=/usr/bin:/bin TMPDIR="$H/tmp" "$@"; }
sbx() { as env CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" -- sh -c "$1"; }

reset() {
    as sh -c "rm -rf '$WS/.codex' '$WS/.git'; mkdir -p '$WS/.git'; echo main > '$WS/.git/HEAD'
              echo orig > '$O/file'; chmod 644 '$O/file'"
}
unchanged() { [ "$(cat "$O/file")" = orig ] && [ "$(stat -c %a "$O/file")" = 644 ]; }

DIS=
levels=$(as "$CORDON" level -C "$WS" --json)
case $levels in
*'"fs_write":"enforced","protected_paths":"enforced","network":"enforced"'*) ;;
*) echo "SKIP: this host does not give all three dimensions enforced: $levels"; exit $SKIP ;;
esac

# Loopback listeners started here: TCP and UDP (Landlock alone refuses
# TCP but not UDP, so "advisory" is shown with UDP).
for k in tcp4 udp4; do
    $RUN "$PROBE" serve $k "$H/$k.port" "$H/$k.log" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$H/$k.port" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
done
TPORT=$(cat "$H/tcp4.port")
UPORT=$(cat "$H/udp4.port")
as "$PROBE" tcp4 "$TPORT" >/dev/null || { echo "FAIL: positive control: loopback TCP does not work"; exit 1; }
as "$PROBE" udp4 "$UPORT" >/dev/null || { echo "FAIL: positive control: loopback UDP does not work"; exit 1; }
heard() { cat "$H/tcp4.log" "$H/udp4.log" 2>/dev/null | grep -c cordon-probe || true; }

# DISABLE  fs_write  protected_paths  network
while read -r DIS fs prot net; do
    [ "$DIS" = - ] && DIS=
    reset
    got=$(as env CORDON_DISABLE="$DIS" "$CORDON" level -C "$WS" --json)
    case $got in
    *"\"fs_write\":\"$fs\",\"protected_paths\":\"$prot\",\"network\":\"$net\""*) pass ;;
    *) fail "levels: expected $fs/$prot/$net, got $got" ;;
    esac
    # Each dimension below "enforced" says why.
    for pair in "fs_write:$fs" "protected_paths:$prot" "network:$net"; do
        d=${pair%%:*}
        lvl=${pair#*:}
        [ "$lvl" = enforced ] && continue
        reason=$(printf '%s' "$got" | sed -n "s/.*\"reasons\":{[^}]*\"$d\":\"\([^\"]*\)\".*/\1/p")
        if [ -n "$reason" ]; then pass; else fail "no reason for $d: $got"; fi
    done

    # No capability survives, in any mode (an unprivileged caller without a
    # user namespace cannot empty its bounding set, nor needs to: with
    # no_new_privs, exec grants nothing).
    if sbx "grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^CapPrm:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status" >/dev/null 2>&1; then
        pass; else fail "capabilities left to the command"; fi
    # The sandbox still runs the command and writes inside the root.
    if sbx "echo ok > inside && [ -s inside ]" >/dev/null 2>&1; then pass; else fail "cannot write inside the root"; fi

    # fs_write: content and metadata outside.
    reset
    sbx "echo x >> '$O/file'; chmod 600 '$O/file'" >/dev/null 2>&1
    if [ "$fs" = enforced ]; then
        if unchanged; then pass; else fail "fs_write enforced, but the outside file changed"; fi
    else
        if unchanged; then fail "fs_write $fs, yet nothing got through"; else pass; fi
    fi

    # protected_paths: a missing .codex, an existing .git.
    reset
    sbx "mkdir .codex; echo evil > .git/HEAD" >/dev/null 2>&1
    if [ "$prot" = enforced ]; then
        if [ ! -e "$WS/.codex" ] && [ "$(cat "$WS/.git/HEAD")" = main ]; then pass; else
            fail "protected_paths enforced, but .codex or .git changed"; fi
    else
        if [ -d "$WS/.codex" ] || [ "$(cat "$WS/.git/HEAD")" = evil ]; then pass; else
            fail "protected_paths $prot, yet nothing got through"; fi
    fi

    # network: TCP to the loopback listener; the advisory layer either way.
    before=$(heard)
    sbx "'$PROBE' tcp4 $TPORT; '$PROBE' udp4 $UPORT" >/dev/null 2>&1
    sleep 0.05
    after=$(heard)
    if [ "$net" = enforced ]; then
        if [ "$before" = "$after" ]; then pass; else fail "network enforced, but a packet got through"; fi
    else
        if [ "$after" -gt "$before" ]; then pass; else fail "network $net, yet nothing got through"; fi
    fi
    # The private temp directory works and does not outlive the run.
    if sbx 'echo x > "$TMPDIR/t" && [ -s "$TMPDIR/t" ]' >/dev/null 2>&1 &&
        [ -z "$(ls -A "$H/tmp")" ]; then pass; else
        fail "private temp: unusable or left behind: $(ls -A "$H/tmp")"; fi
    out=$(sbx 'ssh example.invalid; echo "rc=$? proxy=$HTTP_PROXY"' 2>&1)
    case $out in
    *"network access is disabled"*"rc=255 proxy=http://127.0.0.1:9"*) pass ;;
    *) fail "advisory layer missing: $out" ;;
    esac
done <<EOF
- enforced enforced enforced
landlock enforced enforced enforced
userns enforced none enforced
seccomp enforced enforced advisory
landlock,userns none none enforced
landlock,seccomp enforced enforced advisory
userns,seccomp none none advisory
landlock,userns,seccomp none none advisory
EOF

echo "linux_disable_$WHO: $checks checks, $fails failed"
[ $fails = 0 ]
