#!/bin/sh
# Live tests of what a command under linux-unelevated must not share with
# the host: SysV IPC and POSIX message queues, kernel keyrings, process
# group and session, signals, devices and terminals, stdio on files.
# Every denial is paired with a positive control: the same action,
# without the sandbox, as the same user, succeeds. Each class is tried
# under every CORDON_DISABLE combination it depends on: where the level
# stays "enforced" the attack must fail, where the level drops it is
# shown to get through.
#
# usage: escape_isolation.sh PROBE root|user  (CTest sets CORDON, CORDON_BUILD)
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
KEYS=
MQS=
SYSV=
test_cleanup() {
    for k in $KEYS; do $RUN "$PROBE" iso-key revoke "$k" >/dev/null 2>&1; done
    for q in $MQS; do $RUN "$PROBE" iso-mq unlink "$q" >/dev/null 2>&1; done
    for s in $SYSV; do $RUN "$PROBE" iso-sysv "${s%%:*}" rm "${s#*:}" >/dev/null 2>&1; done
}
live_setup isolation

fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: [${DIS:-}] $*"; }
DIS=
level_of() {
    as env CORDON_DISABLE="$DIS" "$CORDON" level -C "$WS" --json |
        sed -n "s/.*\"$1\":\"\([a-z]*\)\".*/\1/p" | head -n 1
}
has() { case ",$DIS," in *",$1,"*) return 0 ;; esac; return 1; }

live_need_levels '*"fs_write":"enforced","protected_paths":"enforced","network":"enforced"*' \
    "this host does not give all three dimensions enforced"
ABI=$(as "$CORDON" level -C "$WS" | sed -n 's/.*Landlock ABI \([0-9]*\).*/\1/p' | head -n 1)
: "${ABI:=0}"

# A key per run, so that concurrent runs of the test do not meet.
base=$(( ($$ % 30000) + 0x43000000 ))
n=0
newkey() { n=$((n + 1)); echo $((base + n * 65536)); }

# ---- IPC ---------------------------------------------------------------------
# The host's objects are neither visible nor removable; what the command
# makes does not outlive it. Held by the IPC namespace (user namespaces)
# or seccomp; with neither, fs_write is "none".
ipc_case() {
    held=1
    if has userns && has seccomp; then held=0; fi
    for kind in shm msg sem; do
        k=$(newkey)
        if ! as "$PROBE" iso-sysv $kind create $k >/dev/null; then
            fail "ipc $kind: cannot create a host object (setup)"; continue
        fi
        SYSV="$SYSV $kind:$k"
        if as "$PROBE" iso-sysv $kind find $k >/dev/null; then pass; else fail "ipc $kind: positive control (find)"; fi
        sbx "'$PROBE' iso-sysv $kind find $k" >/dev/null 2>&1 && seen=1 || seen=0
        sbx "'$PROBE' iso-sysv $kind rm $k" >/dev/null 2>&1
        if as "$PROBE" iso-sysv $kind find $k >/dev/null; then gone=0; else gone=1; fi
        if [ $held = 1 ]; then
            [ $seen = 0 ] && pass || fail "ipc $kind: the host's object is visible inside"
            [ $gone = 0 ] && pass || fail "ipc $kind: the host's object was removed from inside"
        else
            [ $seen = 1 ] && [ $gone = 1 ] && pass || fail "ipc $kind: fs_write is $(level_of fs_write), yet nothing got through"
        fi
        as "$PROBE" iso-sysv $kind rm $k >/dev/null 2>&1
        # Made inside: works there, gone afterwards.
        k=$(newkey)
        out=$(sbx "'$PROBE' iso-sysv $kind create $k && '$PROBE' iso-sysv $kind find $k" 2>&1)
        if [ $held = 1 ] && has userns; then
            # seccomp refuses SysV IPC outright without a namespace.
            case $out in *"errno 38"*) pass ;; *) fail "ipc $kind: not refused without an IPC namespace: $out" ;; esac
        elif [ $held = 1 ]; then
            case $out in ok*ok*) pass ;; *) fail "ipc $kind: unusable inside: $out" ;; esac
        fi
        if as "$PROBE" iso-sysv $kind find $k >/dev/null 2>&1; then
            SYSV="$SYSV $kind:$k"
            [ $held = 0 ] && pass || fail "ipc $kind: an object made inside outlived the run"
        else
            [ $held = 1 ] && pass || fail "ipc $kind: fs_write is $(level_of fs_write), yet nothing got through"
        fi
    done
    q=cordon-test-mq-$$-$n
    if as "$PROBE" iso-mq create $q >/dev/null; then
        MQS="$MQS $q"
        if as "$PROBE" iso-mq open $q >/dev/null; then pass; else fail "mq: positive control (open)"; fi
        sbx "'$PROBE' iso-mq open $q" >/dev/null 2>&1 && seen=1 || seen=0
        sbx "'$PROBE' iso-mq unlink $q" >/dev/null 2>&1
        if as "$PROBE" iso-mq open $q >/dev/null 2>&1; then gone=0; else gone=1; fi
        if [ $held = 1 ]; then
            [ $seen = 0 ] && [ $gone = 0 ] && pass || fail "mq: the host's queue was reached (seen=$seen removed=$gone)"
        else
            [ $seen = 1 ] || [ $gone = 1 ] && pass || fail "mq: fs_write is $(level_of fs_write), yet nothing got through"
        fi
        as "$PROBE" iso-mq unlink $q >/dev/null 2>&1
    else
        echo "note: POSIX message queues unavailable on this host"
    fi
    q=cordon-test-mq-in-$$-$n
    out=$(sbx "'$PROBE' iso-mq create $q && '$PROBE' iso-mq open $q && ls /dev/mqueue" 2>&1)
    if [ $held = 1 ] && has userns; then
        case $out in *"errno 38"*) pass ;; *) fail "mq: not refused without an IPC namespace: $out" ;; esac
    elif [ $held = 1 ]; then
        case $out in ok*ok*"$q"*) pass ;; *) fail "mq: unusable inside, or not in /dev/mqueue: $out" ;; esac
    fi
    if as "$PROBE" iso-mq open $q >/dev/null 2>&1; then
        MQS="$MQS $q"
        [ $held = 0 ] && pass || fail "mq: a queue made inside outlived the run"
    else
        [ $held = 1 ] && pass || fail "mq: fs_write is $(level_of fs_write), yet nothing got through"
    fi
}

# ---- keyrings ----------------------------------------------------------------
# A key in the caller's user keyring (which gives its user every right,
# in every user namespace): read directly, through a link of the user
# keyring into a keyring of the command's, changed. Only seccomp holds
# it; without seccomp fs_write is "none" and the theft is shown.
KRING=$(as "$PROBE" iso-key id user 2>/dev/null)
KEY=$(as "$PROBE" iso-key add user "cordon-test-key-$$" cordon-secret 2>/dev/null)
[ -n "$KEY" ] && KEYS="$KEYS $KEY"
SKEY=$(as "$PROBE" iso-key add session "cordon-test-skey-$$" cordon-session-secret 2>/dev/null)
[ -n "$SKEY" ] && KEYS="$KEYS $SKEY"
key_case() {
    [ -n "$KEY" ] && [ -n "$KRING" ] || { echo "note: no kernel keyrings here"; return; }
    if as "$PROBE" iso-key read "$KEY" | grep -q cordon-secret &&
        as "$PROBE" iso-key steal "$KRING" "$KEY" | grep -q cordon-secret; then pass; else
        fail "keys: positive control (read, steal)"; fi
    stolen=$(sbx "'$PROBE' iso-key read $KEY; '$PROBE' iso-key steal $KRING $KEY; '$PROBE' iso-key update $KEY changed" 2>&1)
    changed=0
    as "$PROBE" iso-key read "$KEY" | grep -q cordon-secret || changed=1
    if has seccomp; then
        [ "$(level_of fs_write)" = none ] && pass || fail "keys: seccomp off, yet fs_write is $(level_of fs_write)"
        case $stolen in *cordon-secret*) pass ;; *) [ $changed = 1 ] && pass || fail "keys: fs_write none, yet nothing got through: $stolen" ;; esac
    else
        case $stolen in *cordon-secret*) fail "keys: the caller's key was read inside: $stolen" ;; *) pass ;; esac
        [ $changed = 0 ] && pass || fail "keys: the caller's key was changed inside"
    fi
    [ $changed = 1 ] && as "$PROBE" iso-key update "$KEY" cordon-secret >/dev/null 2>&1
    # The session keyring is not the caller's.
    if [ -n "$SKEY" ]; then
        out=$(sbx "'$PROBE' iso-key read $SKEY; '$PROBE' iso-key id session" 2>&1)
        mine=$(as "$PROBE" iso-key id session)
        case $out in
        *cordon-session-secret*)
            has seccomp && pass || fail "keys: the caller's session key was read inside" ;;
        *"$mine"*) fail "keys: the caller's session keyring is the command's: $out" ;;
        *) pass ;;
        esac
    fi
}

# ---- devices -----------------------------------------------------------------
# No block devices, no loop control, no other terminal of the user; the
# harmless nodes and the command's own ptys work. Held by the private
# /dev (user namespaces) or by Landlock (writes and, ABI >= 5, device
# ioctls only on those nodes); with neither, fs_write is "none".
PTY_HOLDER=
if command -v python3 >/dev/null; then
    $RUN python3 -c '
import os, sys, time
m, s = os.openpty()
print(os.ttyname(s), flush=True)
time.sleep(60)' > "$T/pty" 2>/dev/null &
    PTY_HOLDER=$!
    PIDS="$PIDS $PTY_HOLDER"
    i=0
    while [ ! -s "$T/pty" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
fi
OTHER_TTY=$(cat "$T/pty" 2>/dev/null)
dev_case() {
    held=1
    if has userns && has landlock; then held=0; fi
    # The harmless nodes, and ptys of the command's own.
    if sbx "echo x > /dev/null && head -c 4 /dev/urandom > /dev/null && head -c 4 /dev/zero >/dev/null && [ -c /dev/full ] && [ -c /dev/tty ] && [ -e /dev/fd/0 ]" >/dev/null 2>&1; then
        pass; else fail "dev: the common device files do not work"; fi
    # (Without user namespaces the host's devpts is the only one, and its
    # other terminals are refused: no new pty either.)
    if command -v python3 >/dev/null && ! has userns; then
        out=$(sbx "python3 -c 'import os; m, s = os.openpty(); os.write(s, b\"hi\\n\"); print(os.read(m, 10))'" 2>&1)
        case $out in *hi*) pass ;; *) fail "dev: no pty of its own: $out" ;; esac
    fi
    if ! has userns; then
        out=$(sbx "ls /dev" 2>&1)
        case " $(echo $out) " in
        *" vda "*|*" sda "*|*" loop-control "*|*" mem "*|*" kmsg "*) fail "dev: host device nodes in /dev: $out" ;;
        *) pass ;;
        esac
    fi
    # Other terminals of the same user: not writable.
    if [ -n "$OTHER_TTY" ]; then
        if as "$PROBE" iso-open "$OTHER_TTY" w >/dev/null; then pass; else fail "dev: positive control (open $OTHER_TTY)"; fi
        if sbx "'$PROBE' iso-open '$OTHER_TTY' w" >/dev/null 2>&1; then
            [ $held = 0 ] && pass || fail "dev: another terminal of the user ($OTHER_TTY) is writable inside"
        else
            [ $held = 1 ] && pass || fail "dev: fs_write is $(level_of fs_write), yet the terminal was not writable"
        fi
    fi
    # Block devices and loop control (root only: others lack the
    # permission anyway, which the control shows).
    for d in /dev/loop-control $(ls /dev/sd? /dev/vd? /dev/nvme?n? /dev/loop0 2>/dev/null); do
        [ -e "$d" ] || continue
        if as "$PROBE" iso-ioctl "$d" >/dev/null 2>&1; then
            if sbx "'$PROBE' iso-ioctl '$d'" >/dev/null 2>&1; then
                [ $held = 0 ] && pass || fail "dev: ioctl on $d inside"
            else pass; fi
        fi
        if as "$PROBE" iso-open "$d" w >/dev/null 2>&1; then
            if sbx "'$PROBE' iso-open '$d' w" >/dev/null 2>&1; then
                [ $held = 0 ] && pass || fail "dev: $d opened for writing inside"
            else pass; fi
        fi
    done
}

# ---- process group and session ---------------------------------------------
# kill(0), setpriority(PRIO_PGRP, 0) and ioprio_set(IOPRIO_WHO_PGRP, 0)
# reach the command's own group only: a shell around cordon (made a group
# leader by setsid) is not touched. Held by the group the command leads,
# with or without Landlock and namespaces.
pgrp_case() {
    rm -f "$H/hit"
    as setsid -w sh -c "trap 'echo hit > \"$H/hit\"' USR1; $1 '$PROBE' iso-pgrp kill0 >/dev/null 2>&1; sleep 0.2" 
    [ -e "$H/hit" ] && hit=1 || hit=0
    out=$(as setsid -w sh -c "a=\$(ps -o ni= -p \$\$); $1 '$PROBE' iso-pgrp prio >/dev/null 2>&1; echo \$a \$(ps -o ni= -p \$\$)")
    set -- "$1" $out
    [ "$2" != "$3" ] && prio=1 || prio=0
    out=$(as setsid -w sh -c "$1 '$PROBE' iso-pgrp ioprio >/dev/null 2>&1; ionice -p \$\$" 2>&1)
    case $out in *idle*) io=1 ;; *) io=0 ;; esac
    # Joining the group outside first (its id is visible without a pid
    # namespace): refused, the command has a session of its own.
    out=$(as setsid -w sh -c "a=\$(ps -o ni= -p \$\$); $1 '$PROBE' iso-pgrp join \$\$ prio >/dev/null 2>&1; echo \$a \$(ps -o ni= -p \$\$)")
    set -- "$1" $out
    [ "$2" != "$3" ] && join=1 || join=0
    echo "$hit $prio $io $join"
}
if command -v setsid >/dev/null && command -v ps >/dev/null && command -v ionice >/dev/null; then
    control=$(pgrp_case "")
    [ "$control" = "1 1 1 1" ] && pass || fail "pgrp: positive control (kill0 prio ioprio join: $control)"
    for DIS in "" landlock userns landlock,userns; do
        got=$(pgrp_case "env CORDON_DISABLE=$DIS '$CORDON' run -C '$WS' --")
        [ "$got" = "0 0 0 0" ] && pass || fail "pgrp: reached the group outside (kill0 prio ioprio join: $got)"
    done
    DIS=
else
    echo "note: setsid, ps or ionice missing: process group cases skipped"
fi

# ---- signals -----------------------------------------------------------------
# SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to cordon reach the command (its
# handler runs) and cordon exits with the command's status.
for DIS in "" userns; do
    for sig in 2 15 1 3; do
        rm -f "$WS/caught" "$T/ready"
        # (A background job of a shell ignores SIGINT and SIGQUIT, and
        # cordon then leaves them alone: reset to default here.)
        $RUN env --default-signal=INT,QUIT HOME="$H" CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" -- "$PROBE" iso-catch $sig "$WS/caught" >"$T/ready" 2>&1 &
        cp=$!
        i=0
        while ! grep -q ready "$T/ready" && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
        kill -$sig $cp
        wait $cp
        rc=$?
        [ $rc = 0 ] && [ -e "$WS/caught" ] && pass || fail "signal $sig to cordon: rc=$rc, handler ran: $([ -e "$WS/caught" ] && echo yes || echo no)"
    done
    # A command without a handler dies of it; cordon says so (128+N).
    rm -f "$T/ready"
    $RUN env HOME="$H" CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" -- sh -c 'echo ready; exec sleep 30' >"$T/ready" 2>&1 &
    cp=$!
    i=0
    while ! grep -q ready "$T/ready" && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
    sleep 0.1
    kill -TERM $cp
    wait $cp
    rc=$?
    [ $rc = 143 ] && pass || fail "SIGTERM to cordon: status $rc, not the command's 143"
    # --timeout: SIGTERM first (the handler runs), then, for a command that
    # ignores it, the whole tree --kill-after seconds later; the report
    # says which signal ended it.
    rm -f "$WS/caught"
    as env CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" --timeout 1 --report "$H/r1.json" -- "$PROBE" iso-catch 15 "$WS/caught" >/dev/null 2>&1
    rc=$?
    [ $rc = 124 ] && [ -e "$WS/caught" ] && grep -q '"timeout_signal":15' "$H/r1.json" && pass ||
        fail "timeout: rc=$rc, report $(cat "$H/r1.json" 2>/dev/null)"
    as env CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" --timeout 1 --kill-after 1 --report "$H/r2.json" -- sh -c "trap '' TERM; (while :; do echo x >> tick; sleep 0.05; done) & sleep 30" >/dev/null 2>&1
    rc=$?
    a=$(stat -c %s "$WS/tick" 2>/dev/null || echo 0)
    sleep 0.3
    b=$(stat -c %s "$WS/tick" 2>/dev/null || echo 0)
    [ $rc = 124 ] && [ "$a" = "$b" ] && grep -q '"timeout_signal":9' "$H/r2.json" && pass ||
        fail "kill-after: rc=$rc, ticks $a -> $b, report $(cat "$H/r2.json" 2>/dev/null)"
    rm -f "$WS/tick"
done
DIS=

# ---- signal dispositions -----------------------------------------------------
# The command starts with every signal at its default, also those the C
# library keeps for itself (glibc 32-33, musl 32-34), which a caller built
# on another one may ignore: here SIGUSR1, 34 and 40, through env(1)
# (coreutils 9.0+). Positive control: a command started by the same env
# without cordon keeps them ignored.
if env --ignore-signal=10 true 2>/dev/null; then
    want=0000008200000200
    got=$($RUN env --ignore-signal=10,34,40 grep SigIgn /proc/self/status | awk '{print $2}')
    [ "$got" = "$want" ] && pass || fail "dispositions: positive control (SigIgn $got, not $want)"
    for DIS in "" userns; do
        got=$($RUN env --ignore-signal=10,34,40 HOME="$H" CORDON_DISABLE="$DIS" "$CORDON" run -C "$WS" -- grep SigIgn /proc/self/status | awk '{print $2}')
        [ "$got" = 0000000000000000 ] && pass || fail "dispositions: the command started with SigIgn $got"
    done
    DIS=
else
    echo "note: env has no --ignore-signal (coreutils < 9.0): disposition cases skipped"
fi

# ---- the terminal ------------------------------------------------------------
# On a terminal the command is the foreground group while it runs, and
# the shell gets the terminal back; Ctrl-C reaches the command, not
# cordon; Ctrl-Z stops it and the shell's `fg` continues it.
DRIVE="$(dirname "$0")/ptydrive.py"
if command -v python3 >/dev/null && [ -r "$DRIVE" ]; then
    cp "$DRIVE" "$T/drive.py"
    for DIS in "" userns; do
        C="env CORDON_DISABLE=$DIS $CORDON run -C $WS --"
        out=$(as python3 "$T/drive.py" "$C $PROBE iso-fg; echo fg=\$?; $PROBE iso-fg; echo back=\$?")
        case $out in *fg=0*back=0*) pass ;; *) fail "terminal: not the foreground, or not handed back: $out" ;; esac
        rm -f "$WS/caught"
        out=$(as python3 "$T/drive.py" "$C $PROBE iso-catch 2 $WS/caught; echo rc=\$?" ready '\x03')
        case $out in *rc=0*) [ -e "$WS/caught" ] && pass || fail "terminal: Ctrl-C: $out" ;; *) fail "terminal: Ctrl-C: $out" ;; esac
        rm -f "$WS/caught"
        out=$(as python3 "$T/drive.py" "set -m; $C $PROBE iso-catch 2 $WS/caught; echo stopped=\$?; fg >/dev/null; echo rc=\$?" ready '\x1a' 'stopped=' '\x03')
        case $out in *stopped=*148*rc=0*) [ -e "$WS/caught" ] && pass || fail "terminal: Ctrl-Z then fg: $out" ;; *) fail "terminal: Ctrl-Z then fg: $out" ;; esac
    done
    DIS=
else
    echo "note: python3 missing: terminal cases skipped"
fi

# ---- stdio on files and directories outside the roots ----------------------
# The command reads and writes them as the caller arranged, but cannot
# change their metadata through the descriptor, a directory descriptor
# (fchmodat(0, "x")) or /proc/self/fd/N. Held by a relay pipe (files open
# for writing) or by opening again in the read-only view (user
# namespaces), or by seccomp refusing the metadata calls (without them).
STDOUT_SHAPES="iso-fdchmod 1 600|iso-futimes 1|iso-fdxattr 1|chmod 600 /proc/self/fd/1|touch -d 2001-01-01 /proc/self/fd/1"
stdio_case() {
    # Output: a file outside, open for writing (appending, as >>).
    printf '%s\n' "$STDOUT_SHAPES" | tr '|' '\n' | while read -r shape; do
        reset_out
        case $shape in iso-*) cmd="'$PROBE' $shape" ;; *) cmd=$shape ;; esac
        sbx "echo before; $cmd; echo after" >>"$O/out" 2>/dev/null
        if out_unchanged; then pass; else fail "stdio: '$shape' changed the caller's stdout file"; fi
        grep -q before "$O/out" && grep -q after "$O/out" && pass || fail "stdio: output lost: $(cat "$O/out")"
        reset_out
        (cd "$WS" && as sh -c "$cmd") >>"$O/out" 2>/dev/null
        if out_unchanged; then fail "stdio: positive control '$shape' changed nothing"; else pass; fi
    done
    # Input: a file outside, and a directory outside (relative to it).
    reset_out
    out=$(sbx "cat; '$PROBE' iso-fdchmod 0 600" <"$O/out" 2>/dev/null)
    case $out in *orig*) pass ;; *) fail "stdio: stdin file unreadable: $out" ;; esac
    out_unchanged && pass || fail "stdio: fchmod on the stdin file changed it"
    sbx "'$PROBE' iso-atchmod 0 out 600; '$PROBE' iso-fdchmod 0 700" <"$O" >/dev/null 2>&1
    out_unchanged && [ "$(stat -c %a "$O")" = 755 ] && pass || fail "stdio: changed through the stdin directory"
    (cd "$WS" && as "$PROBE" iso-atchmod 0 out 600 <"$O" >/dev/null 2>&1)
    out_unchanged && fail "stdio: positive control fchmodat(0, out) changed nothing" || pass
    # The reader's offset is kept: the command reads on where the caller stopped.
    printf 'l1\nl2\n' >"$O/two"
    out=$( (read -r a; sbx "cat") <"$O/two" 2>/dev/null)
    [ "$out" = l2 ] && pass || fail "stdio: stdin offset lost: '$out'"
    # A device on stdout (root owns /dev/null): a node made here stands in.
    if [ "$(id -u)" = 0 ] && [ -z "$RUN" ] && mknod "$O/null" c 1 3 2>/dev/null; then
        chmod 666 "$O/null"
        sbx "'$PROBE' iso-fdchmod 1 600" >"$O/null" 2>/dev/null
        [ "$(stat -c %a "$O/null")" = 666 ] && pass || fail "stdio: fchmod changed a device on stdout"
        "$PROBE" iso-fdchmod 1 600 >"$O/null" 2>/dev/null
        [ "$(stat -c %a "$O/null")" = 600 ] && pass || fail "stdio: positive control on a device"
        rm -f "$O/null"
    fi
}
reset_out() {
    as sh -c "rm -f '$O/out'; echo orig > '$O/out'; chmod 644 '$O/out'; chmod 755 '$O'; touch -d '2020-01-01 00:00' '$O/out'"
}
out_unchanged() {
    [ "$(stat -c %a "$O/out")" = 644 ] && [ "$(stat -c %Y "$O/out")" != "$(date -d '2001-01-01' +%s)" ] &&
        ! "$PROBE" getxattr "$O/out" >/dev/null 2>&1
}
for DIS in "" landlock userns seccomp landlock,userns; do
    stdio_case
done

for DIS in "" landlock userns seccomp landlock,userns landlock,seccomp userns,seccomp; do
    ipc_case
    key_case
    dev_case
done

live_done "linux_escape_isolation_$WHO"
