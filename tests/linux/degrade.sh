#!/bin/sh
# linux-unelevated with primitives missing: every CORDON_DISABLE
# combination, and hosts that refuse the mounts, the user namespaces or
# the network namespaces (cordon-test-hostfilter). For each, the levels
# `cordon level` reports are the expected ones, every level below "enforced" has a reason, runs
# still work, and every attack below is tried: it must be stopped where a
# dimension it is listed under is reported "enforced"; and for every
# dimension reported advisory or none, at least one of its attacks must
# really get through (the lower level is shown, not assumed).
#
# usage: degrade.sh PROBE HOSTFILTER root|user   (CTest sets CORDON, CORDON_BUILD)
set -u
PROBE=$1
HOSTFILTER=$2
WHO=${3:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
KEY=
SHMKEY=
test_cleanup() {
    for p in $(cat "${T:-/nonexistent}/victims" 2>/dev/null); do kill "$p" 2>/dev/null; done
    [ -n "$KEY" ] && $RUN "$PROBE" iso-key revoke "$KEY" >/dev/null 2>&1
    [ -n "$SHMKEY" ] && $RUN "$PROBE" iso-sysv shm rm "$SHMKEY" >/dev/null 2>&1
}
live_setup degrade

fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: [$HOST ${DIS:--}] $*"; }

# TMPDIR: cordon makes its host temp directories (no mount namespace)
# there, so the test can see that none is left behind.
as() { $RUN env HOME="$H" PATH=/usr/bin:/bin TMPDIR="$H/tmp" "$@"; }
# cordon under the host kind $CORDON_TEST_HOST: a seccomp filter ("-": none).
cordon() { as env CORDON_DISABLE="$DIS" "$HOSTFILTER_RUN" "$@"; }
sbx() { cordon "$CORDON" run -C "$WS" -- sh -c "$1"; }
HOSTFILTER_RUN=$T/on-host
cat >"$HOSTFILTER_RUN" <<EOF
#!/bin/sh
if [ "\$CORDON_TEST_HOST" = - ]; then exec "\$@"; fi
exec "$T/hostfilter" "\$CORDON_TEST_HOST" "\$@"
EOF
cp "$HOSTFILTER" "$T/hostfilter"
chmod 755 "$HOSTFILTER_RUN" "$T/hostfilter"

# ---- what the attacks need on the host --------------------------------------------
# Loopback listeners (TCP and UDP: Landlock alone refuses TCP but not UDP).
for k in tcp4 udp4; do
    $RUN "$PROBE" serve $k "$H/$k.port" "$H/$k.log" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$H/$k.port" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
done
TPORT=$(cat "$H/tcp4.port")
UPORT=$(cat "$H/udp4.port")
# A unix socket of a host service: with the private network namespace
# holding IP, the unix socket gate is what network "enforced" also needs.
$RUN "$PROBE" serve-unix2 stream "$H/host.sock" "$H/unix.log" >/dev/null 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -S "$H/host.sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
HSOCK=$H/host.sock
# A key in the user's keyring (its serial and the keyring's), and a SysV
# IPC key, for the attacks on what the command must not share.
KRING=$(as "$PROBE" iso-key id user 2>/dev/null)
KEY=$(as "$PROBE" iso-key add user "cordon-test-degrade-$$" cordon-secret 2>/dev/null)
SHMKEY=$(( ($$ % 30000) + 0x44000000 ))
export O WS PROBE TPORT UPORT KRING KEY SHMKEY HSOCK
heard() { cat "$H/$1.log" 2>/dev/null | grep -c 'cordon-probe\|cordon-unix'; }
# Host-side evidence may lag the command (a listener logs after it
# returns, a signalled process exits): waits up to half a second, or
# $2 tries of 20 ms.
within() {
    i=0
    while ! eval "$1"; do
        [ $i -ge "${2:-25}" ] && return 1
        sleep 0.02
        i=$((i + 1))
    done
}
# A device node outside the roots, the caller's own, standing for a block
# device: it is /dev/null's (1,3), so a write that gets through harms
# nothing. Only root can make one, and root is who owns the real ones.
[ "$(id -u)" = 0 ] && mknod "$O/blockdev" c 1 3 && chmod 600 "$O/blockdev"
# A process of the user outside the sandbox, without capabilities (root's
# would keep a capability-less tracer out on their own): started afresh
# for each attack on it.
VICTIM=
victim() {
    [ -n "$VICTIM" ] && kill "$VICTIM" 2>/dev/null
    if [ -n "$RUN" ]; then $RUN sleep 60 & else setpriv --bounding-set=-all sleep 60 & fi
    VICTIM=$!
    echo "$VICTIM" >>"$T/victims"
    # Ready once setpriv has dropped to the user and become sleep (up to
    # 5 s on a loaded machine: a victim still being set up would make the
    # positive controls fail).
    within '[ "$(cat /proc/$VICTIM/comm 2>/dev/null)" = sleep ]' 250
}
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*[TtZ]' "/proc/$1/status"; }

# Restores the workspace and the outside file before each attack.
reset() {
    as sh -c "rm -rf '$WS/.codex' '$WS/.git'; mkdir -p '$WS/.git'; echo main > '$WS/.git/HEAD'
              echo orig > '$O/file'; chmod 644 '$O/file'
              '$PROBE' fsattr clear '$O/file' >/dev/null 2>&1 || :"
}
changed() { [ "$(cat "$O/file")" != orig ] || [ "$(stat -c %a "$O/file")" != 644 ]; }

# ---- the attacks: one line each ----------------------------------------------------
# WHO|NAME|DIMENSIONS|PREPARE|COMMAND|GOT_THROUGH
#   WHO          both, root or user: who the attack applies to
#   DIMENSIONS   it must be stopped when any of these is "enforced"; a
#                dimension below enforced needs one attack that gets through
#   PREPARE      host-side set-up run before it (after reset), or ":"
#   COMMAND      run by sh in the workspace, in the sandbox and, as the
#                positive control, without it
#   GOT_THROUGH  host-side check after COMMAND, true when the action took
#                effect; "rc" when the command's own exit status tells
# COMMAND sees $O, $WS, $PROBE, $TPORT, $UPORT, $HSOCK, $VICTIM, $KRING,
# $KEY, $SHMKEY in its environment;
# PREPARE and GOT_THROUGH are evaluated by this script. Add a line for a
# new attack.
ATTACKS=$(cat <<'EOF'
both|write-outside|fs_write|:|echo x >> "$O/file"|changed
both|chmod-outside|fs_write|:|chmod 600 "$O/file"|changed
both|create-outside|fs_write|rm -f "$O/new"|echo x > "$O/new"|[ -e "$O/new" ]
root|device-write|fs_write,protected_paths|:|echo x > "$O/blockdev"|rc
both|protected-create|protected_paths|:|mkdir .codex|[ -e "$WS/.codex" ]
both|protected-write|protected_paths|:|echo evil > .git/HEAD|grep -q evil "$WS/.git/HEAD"
both|tcp4|network|before=$(heard tcp4)|"$PROBE" tcp4 $TPORT|within '[ "$(heard tcp4)" -gt "$before" ]'
both|udp4|network|before=$(heard udp4)|"$PROBE" udp4 $UPORT|within '[ "$(heard udp4)" -gt "$before" ]'
both|unix-host|network|before=$(heard unix)|"$PROBE" unix2 stream "$HSOCK"|within '[ "$(heard unix)" -gt "$before" ]'
both|signal-outside|network|victim|"$PROBE" signal $VICTIM|within 'gone $VICTIM'
both|ptrace-outside|fs_write,protected_paths,network|victim|"$PROBE" ptrace $VICTIM|rc
both|procmem-outside|fs_write,protected_paths,network|victim|"$PROBE" procmem $VICTIM|rc
both|key-steal|fs_write|:|"$PROBE" iso-key steal $KRING $KEY|rc
both|ipc-remove|fs_write|as "$PROBE" iso-sysv shm create $SHMKEY|"$PROBE" iso-sysv shm rm $SHMKEY|! as "$PROBE" iso-sysv shm find $SHMKEY >/dev/null 2>&1
EOF
)

# Inode flags through file_setattr (Linux 6.17): a metadata change Landlock
# does not cover, refused by seccomp where there is no read-only view.
reset
if as "$PROBE" fsattr get "$O/file" >/dev/null 2>&1; then
    ATTACKS="$ATTACKS
both|fsattr-outside|fs_write|:|\"\$PROBE\" fsattr set \"\$O/file\"|[ \"\$(as \"\$PROBE\" fsattr get \"\$O/file\")\" = nodump ]"
else
    echo "note: file_setattr is missing here (Linux < 6.17, or the file system): no fsattr-outside case"
fi

# Runs one attack; $1: "sbx" or "control". Sets GOT (1: it got through).
attack() {
    reset
    eval "$PREPARE" >/dev/null 2>&1
    export VICTIM
    if [ "$1" = sbx ]; then
        sbx "$CMD" >/dev/null 2>&1
    else
        as sh -c "cd \"\$WS\" && $CMD" >/dev/null 2>&1
    fi
    rc=$?
    if [ "$CHECK" = rc ]; then [ $rc = 0 ]; else eval "$CHECK"; fi && GOT=1 || GOT=0
}

for_attacks() {
    printf '%s\n' "$ATTACKS" | while IFS='|' read -r who NAME DIMS PREPARE CMD CHECK; do
        [ "$who" = both ] || [ "$who" = "$WHO" ] || continue
        "$@"
    done
}

# Positive controls: without the sandbox every attack succeeds.
control() {
    attack control
    [ $GOT = 1 ] || echo "FAIL: positive control: $NAME does not work without the sandbox"
}
out=$(HOST=- DIS= for_attacks control)
if [ -n "$out" ]; then echo "$out"; exit 1; fi

DIS=
HOST=-
export CORDON_TEST_HOST=-
levels=$(cordon "$CORDON" level -C "$WS" --json)
case $levels in
*'"fs_write":"enforced","protected_paths":"enforced","network":"enforced"'*) ;;
*) echo "SKIP: this host does not give all three dimensions enforced: $levels"; exit $SKIP ;;
esac

level_of() { printf '%s' "$levels" | sed -n "s/.*\"dimensions\":{[^}]*\"$1\":\"\([a-z]*\)\".*/\1/p"; }

# Each attack against the levels of this combination: stopped wherever a
# dimension it is listed under is enforced. Prints "through DIMS" when it
# got through, for the check that follows.
try() {
    want=through
    for d in $(echo "$DIMS" | tr , ' '); do
        [ "$(level_of "$d")" = enforced ] && want=stopped
    done
    attack sbx
    if [ $want = stopped ] && [ $GOT = 1 ]; then
        echo "FAIL: [$HOST ${DIS:--}] $NAME got through, but $DIMS is reported enforced"
    elif [ $GOT = 1 ]; then
        echo "through ,$DIMS,"
    else
        echo pass
    fi
}

# HOST DISABLE  expected fs_write/protected_paths/network, as root and as
# the unprivileged user. Without seccomp the caller's keys are reachable
# (fs_write none); the nodev view and the private /dev keep devices out of
# reach without Landlock.
while read -r HOST DIS root_levels user_levels; do
    [ "$DIS" = - ] && DIS=
    export CORDON_TEST_HOST=$HOST
    [ $WHO = root ] && want=$root_levels || want=$user_levels
    fs=${want%%/*}; rest=${want#*/}; prot=${rest%%/*}; net=${rest#*/}
    levels=$(cordon "$CORDON" level -C "$WS" --json)
    case $levels in
    *"\"fs_write\":\"$fs\",\"protected_paths\":\"$prot\",\"network\":\"$net\""*) pass ;;
    *) fail "levels: expected $want, got $levels" ;;
    esac
    # Each dimension below "enforced" says why; a refused primitive is
    # named with its step and errno.
    for d in fs_write protected_paths network; do
        [ "$(level_of $d)" = enforced ] && continue
        reason=$(printf '%s' "$levels" | sed -n "s/.*\"reasons\":{[^}]*\"$d\":\"\([^\"]*\)\".*/\1/p")
        if [ -z "$reason" ]; then fail "no reason for $d: $levels"; continue; fi
        case $HOST in
        nomount) case $reason in *"mount(MS_PRIVATE)"*"errno 1"*|*CORDON_DISABLE*) pass ;;
                 *) fail "$d: the reason does not name the refused mount: $reason" ;; esac ;;
        nouserns) case $reason in *"clone(CLONE_NEWUSER"*"errno 1"*|*CORDON_DISABLE*) pass ;;
                  *) fail "$d: the reason does not name the refused clone: $reason" ;; esac ;;
        *) pass ;;
        esac
    done

    # A run's levels are the level query's: where a run's probe assumed
    # user namespaces and its launch found them unusable, the run was
    # planned again and says so.
    rm -f "$H/report.json"
    if cordon "$CORDON" run -C "$WS" --report "$H/report.json" -- true >/dev/null 2>&1 &&
        grep -q "\"dimensions\":{\"fs_write\":\"$fs\",\"protected_paths\":\"$prot\",\"network\":\"$net\"" "$H/report.json"; then
        pass; else fail "the run's levels are not the level query's ($want): $(cat "$H/report.json" 2>/dev/null)"; fi
    # The sandbox still runs commands: writes inside the root, a private
    # temp directory that does not outlive the run, no capability left.
    if sbx "echo ok > inside && [ -s inside ]" >/dev/null 2>&1; then pass; else fail "cannot write inside the root"; fi
    if sbx 'echo x > "$TMPDIR/t" && [ -s "$TMPDIR/t" ]' >/dev/null 2>&1 &&
        [ -z "$(ls -A "$H/tmp")" ]; then pass; else
        fail "private temp: unusable or left behind: $(ls -A "$H/tmp")"; fi
    if sbx "grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^CapPrm:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status" >/dev/null 2>&1; then
        pass; else fail "capabilities left to the command"; fi
    # The advisory layer is there in every mode.
    out=$(sbx 'ssh example.invalid; echo "rc=$? proxy=$HTTP_PROXY"' 2>&1)
    case $out in
    *"network access is disabled"*"rc=255 proxy=http://127.0.0.1:9"*) pass ;;
    *) fail "advisory layer missing: $out" ;;
    esac

    out=$(for_attacks try)
    n=$(printf '%s\n' "$out" | grep -c '^pass$\|^through ')
    checks=$((checks + n))
    # A dimension below enforced is shown to be so: at least one of its
    # attacks got through.
    for d in fs_write protected_paths network; do
        [ "$(level_of $d)" = enforced ] && continue
        case $out in
        *"through "*",$d,"*) pass ;;
        *) fail "$d is reported $(level_of $d), yet none of its attacks got through" ;;
        esac
    done
    bad=$(printf '%s\n' "$out" | grep -v '^pass$\|^through ')
    if [ -n "$bad" ]; then
        printf '%s\n' "$bad"
        k=$(printf '%s\n' "$bad" | grep -c .)
        checks=$((checks + k)); fails=$((fails + k))
    fi
done <<EOF
- - enforced/enforced/enforced enforced/enforced/enforced
- landlock enforced/enforced/enforced enforced/enforced/enforced
- userns enforced/none/enforced enforced/none/enforced
- seccomp none/enforced/advisory none/enforced/advisory
- landlock,userns none/none/advisory none/none/advisory
- landlock,seccomp none/enforced/advisory none/enforced/advisory
- userns,seccomp none/none/advisory none/none/advisory
- landlock,userns,seccomp none/none/advisory none/none/advisory
nomount - enforced/none/enforced enforced/none/enforced
nomount landlock none/none/advisory none/none/advisory
nouserns - enforced/none/enforced enforced/none/enforced
nouserns landlock none/none/advisory none/none/advisory
nonetns - enforced/enforced/enforced enforced/enforced/enforced
EOF

# A host where the probe's mounts work but the run's are refused (here:
# remounts, with EPERM, or with EACCES as a security module refuses, which
# must not be taken for an unreachable path): the run fails before the
# command starts, naming the step and the errno; it never runs weaker
# than the level said.
DIS=
for HOST in noremount:1 noremount-eacces:13; do
    err=${HOST#*:}
    HOST=${HOST%:*}
    export CORDON_TEST_HOST=$HOST
    rm -f "$WS/ran"
    out=$(sbx "echo x > '$WS/ran'" 2>&1)
    rc=$?
    case "$rc:$out" in
    125:*"remount read-only"*"errno $err,"*) pass ;;
    *) fail "a refused remount: expected status 125 and the step with errno $err, got $rc: $out" ;;
    esac
    if [ -e "$WS/ran" ]; then fail "the command ran although its sandbox could not be set up"; else pass; fi
done

live_done "linux_degrade_$WHO"
