#!/bin/sh
# Live tests of the start of a command that gets a private network
# namespace: the supervisor makes that namespace and writes the id maps
# while the command, sharing its memory (CLONE_VM), sets up. What a command
# that wants out tries against that window:
#   - the supervisor (pid 1 of the sandbox) is traced, its memory, root,
#     environment or executable opened (positive control: the same on a
#     child of the command's own, inside);
#   - seen from outside, as the same user, the supervisor is not dumpable
#     while the command runs (its /proc entries are root's; positive
#     control: an ordinary process of the user);
#   - a setuid-root program runs without gaining root (positive control:
#     it does outside);
#   - a failing exec (missing file, missing interpreter, not executable)
#     is reported as such and nothing is left running;
#   - the supervisor is killed (SIGKILL, as the same user, from outside)
#     at points of its set-up: the command never runs unconfined (a write
#     outside the workspace never lands; positive control: it does
#     without the sandbox) and nothing is left running.
#
# usage: escape_alongside.sh PROBE root|user   (CTest sets CORDON, CORDON_BUILD)
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
live_setup escape-alongside

live_need_levels '*"network":"enforced"*' "network is not enforced here"
# The window exists only with the private network namespace.
case $(as "$CORDON" explain -C "$WS" 2>&1) in
*"private network namespace"*) ;;
*) echo "SKIP: no private network namespace here"; exit $SKIP ;;
esac
UID_T=$(as id -u)

# ---- the supervisor, from inside ------------------------------------------
# Positive controls: a child of the command's own is traced, its memory,
# root and environment opened.
if out=$(sbx "sleep 5 & c=\$!; '$PROBE' ptrace \$c && exec 3</proc/\$c/mem &&
        ls /proc/\$c/root/ >/dev/null && cat /proc/\$c/environ >/dev/null; r=\$?; kill \$c; exit \$r" \
        --timeout 20 2>&1); then pass; else fail "control: the command's own child not reached: $out"; fi
for how in "'$PROBE' ptrace 1" "exec 3</proc/1/mem" "exec 3>/proc/1/mem" \
    "ls /proc/1/root/" "cat /proc/1/environ" "readlink -e /proc/1/exe" "ls /proc/1/cwd/" \
    "for f in /proc/1/fd/*; do readlink \$f && exit 0; done; exit 1" \
    "for f in /proc/1/fd/*; do cat \$f </dev/null >/dev/null && exit 0; done; exit 1"; do
    if out=$(sbx "$how" --timeout 20 2>&1); then fail "supervisor reached: $how: $out"; else pass; fi
done

# ---- the supervisor, from outside, while the command runs -----------------
# A process whose /proc/PID/environ belongs to its own uid is dumpable
# (/proc/PID itself always shows the process's uid): that of an
# unprivileged user is, the supervisor must not be (as root every
# process's entries are root's, so this is the unprivileged run's check).
if [ "$WHO" = user ]; then
    $RUN sleep 5 &
    ctl=$!
    sleep 0.2
    if [ "$(stat -c %u /proc/$ctl/environ 2>/dev/null)" = "$UID_T" ]; then pass; else
        fail "control: a process of uid $UID_T has /proc entries of uid $(stat -c %u /proc/$ctl/environ)"; fi
    kill $ctl 2>/dev/null
    # Run directly (not through a shell function): $! is cordon then.
    $RUN env HOME="$H" "$CORDON" run -C "$WS" -- sleep 3 >/dev/null 2>&1 &
    cpid=$!
    PIDS="$PIDS $cpid"
    sup=
    i=0
    while [ -z "$sup" ] && [ $i -lt 100 ]; do
        # cordon (setpriv execs env, which execs cordon) -> supervisor -> sleep
        for s in $(pgrep -P $cpid -x cordon); do
            [ -n "$(pgrep -P "$s")" ] && sup=$s
        done
        sleep 0.02
        i=$((i + 1))
    done
    if [ -z "$sup" ]; then fail "the supervisor was not found"; else
        sleep 0.2
        o=$(stat -c %u /proc/$sup/environ 2>/dev/null)
        if [ "$o" = 0 ]; then pass; else fail "the supervisor is dumpable while the command runs (/proc owner $o)"; fi
        if $RUN cat /proc/$sup/environ >/dev/null 2>&1; then
            fail "the supervisor's environ opened from outside as the same user"; else pass; fi
    fi
    wait $cpid 2>/dev/null
fi

# ---- a setuid program -------------------------------------------------------
cp /usr/bin/id "$T/suid-id" && chown 0:0 "$T/suid-id" && chmod 4755 "$T/suid-id"
if [ "$WHO" = user ]; then
    if [ "$(as "$T/suid-id" -u)" = 0 ]; then
        if out=$(sbx "'$T/suid-id' -u" 2>&1) && [ "$out" != 0 ]; then pass; else
            fail "a setuid-root program gained root inside: $out"; fi
    else
        echo "note: setuid programs do not gain root here even outside; setuid case not tried"
    fi
fi
# Root too: nothing of it gains a capability it would not have.
out=$(sbx "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status" 2>&1)
case $out in *"NoNewPrivs:	1"*) pass ;; *) fail "no_new_privs not set for the command: $out" ;; esac

# ---- a failing exec ---------------------------------------------------------
printf '#!/nonexistent-cordon-test-interp\n' > "$WS/noint.sh"
printf 'echo hi\n' > "$WS/noexec.sh"
chmod 755 "$WS/noint.sh"
chmod 644 "$WS/noexec.sh"
[ -n "$RUN" ] && chown 65534:65534 "$WS/noint.sh" "$WS/noexec.sh"
for cmd in /nonexistent-cordon-test ./noint.sh ./noexec.sh; do
    out=$(cd "$WS" && as "$CORDON" run -C "$WS" -- $cmd 2>&1)
    rc=$?
    case $rc:$out in
    12[67]:*"$cmd"*execve*) pass ;;
    *) fail "failed exec of $cmd: rc $rc: $out" ;;
    esac
done

# ---- the supervisor killed during its set-up ------------------------------
# Positive control: the canary lands without the sandbox.
if plain "touch '$O/control'" && [ -e "$O/control" ]; then pass; else fail "control: cannot write $O"; fi
# The command, if it ever ran, sleeps a second and a bit (a run whose kill
# hit one of cordon's probe processes instead goes on to the end).
MARK=1.$$
n=0
while [ $n -lt 24 ]; do
    n=$((n + 1))
    $RUN env HOME="$H" "$CORDON" run -C "$WS" -- sh -c "touch '$O/escaped'; exec sleep $MARK" \
        >/dev/null 2>&1 &
    cpid=$!
    # cordon's children, read without a fork (pgrep is too slow for the
    # window); after the first appears, a growing number of reads more,
    # then every child of cordon then is killed.
    k=0
    c=
    while [ $k -lt 5000 ] && [ -z "$c" ]; do
        read -r c </proc/$cpid/task/$cpid/children 2>/dev/null
        k=$((k + 1))
    done
    d=$(((n % 12) * 3))
    while [ $d -gt 0 ]; do
        d=$((d - 1))
        read -r c </proc/$cpid/task/$cpid/children 2>/dev/null
    done
    read -r c </proc/$cpid/task/$cpid/children 2>/dev/null
    for p in $c; do $RUN kill -KILL "$p" 2>/dev/null; done
    wait $cpid 2>/dev/null
done
sleep 0.2
if [ -e "$O/escaped" ]; then fail "the command wrote outside its workspace after its supervisor was killed"; else pass; fi
if pgrep -f "sleep $MARK" >/dev/null; then
    fail "a command outlived its killed supervisor: $(pgrep -af "sleep $MARK")"
    for p in $(pgrep -f "sleep $MARK"); do kill -KILL "$p"; done
else pass; fi

live_done "escape_alongside ($WHO)"
