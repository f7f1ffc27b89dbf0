#!/bin/sh
# Live escape tests of linux-unelevated: every route out is tried inside
# the sandbox (must fail, nothing changes outside) and outside it as the
# same user (the positive control: must succeed). Network targets are
# listeners on loopback that this test starts itself.
#
# usage: escape.sh PROBE root|user
#   root: as the calling user (root in CI); user: as uid/gid 65534 through
#   setpriv, with a workspace that user owns.
# Environment (from CTest): CORDON, CORDON_BUILD, CORDON_SHIM_DIR.
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
test_cleanup() { rm -rf "/tmp/cordon-test-marker-$$" "${TR:-/nonexistent}"; }
live_setup escape

# Fresh state for each case: a file outside, a repository-like .git.
reset() {
    as sh -c "
        rm -rf '$O'/* '$WS'/* '$WS'/.git '$WS'/.git-old '$WS'/.codex '$WS'/.agents '$WS'/.cordon '$WS'/.gitdir-real 2>/dev/null
        echo orig > '$O/file' && chmod 644 '$O/file' && touch -d '2020-01-01 00:00' '$O/file'
        mkdir -p '$O/dir' '$WS/.git/hooks' '$WS/src'
        echo 'ref: refs/heads/main' > '$WS/.git/HEAD'
        echo inside > '$WS/inside'
    "
}

# unchanged: the outside file is as reset() left it.
unchanged() {
    [ "$(cat "$O/file" 2>/dev/null)" = orig ] &&
        [ "$(stat -c %a "$O/file")" = 644 ] &&
        [ "$(stat -c %Y "$O/file")" = "$(date -d '2020-01-01 00:00' +%s)" ]
}

# denied NAME SNIPPET CHECK: CHECK (a shell condition run by the test)
# must hold after the sandboxed attempt, and must NOT hold after the
# unsandboxed one (proving the snippet does change things).
denied() {
    name=$1 snip=$2 chk=$3
    shift 3
    reset
    plain "$snip" >/dev/null 2>&1
    if eval "$chk"; then
        fail "$name: positive control did not change anything (check: $chk)"
        return
    fi
    reset
    if sbx "$snip" "$@" >/dev/null 2>&1; then
        fail "$name: the command succeeded inside the sandbox"
    elif ! eval "$chk"; then
        fail "$name: changed things inside the sandbox (check: $chk)"
    else
        pass
    fi
}

# allowed NAME SNIPPET: succeeds inside the sandbox.
allowed() {
    name=$1 snip=$2
    shift 2
    reset
    if out=$(sbx "$snip" "$@" 2>&1); then pass; else fail "$name: refused inside the sandbox: $out"; fi
}

live_need_levels '*"fs_write":"enforced","protected_paths":"enforced","network":"enforced"*' \
    "this host does not give all three dimensions enforced"

# ---- writes outside the roots ------------------------------------------------
denied create      "echo x > '$O/new'"                 "[ ! -e '$O/new' ]"
denied write       "echo x > '$O/file'"                "unchanged"
denied append      "echo x >> '$O/file'"               "unchanged"
denied truncate    "truncate -s 0 '$O/file'"           "unchanged"
denied delete      "rm -f '$O/file'"                   "[ -e '$O/file' ]"
denied mkdir       "mkdir '$O/d2'"                     "[ ! -e '$O/d2' ]"
denied rmdir       "rmdir '$O/dir'"                    "[ -d '$O/dir' ]"
denied mkfifo      "mkfifo '$O/fifo'"                  "[ ! -e '$O/fifo' ]"
denied symlink-out "ln -s /etc/passwd '$O/sl'"         "[ ! -L '$O/sl' ]"
denied rename-out  "mv inside '$O/moved'"              "[ ! -e '$O/moved' ] && [ -e '$WS/inside' ]"
# (mv falls back to copy + delete: the copy inside the root is fine,
# reading is allowed; the original must stay.)
denied rename-in   "mv '$O/file' stolen"               "unchanged"
denied hardlink    "ln '$O/file' hl && echo x >> hl"   "unchanged"
denied via-symlink "ln -sf '$O/file' sl && echo x > sl" "unchanged"
denied chmod       "chmod 600 '$O/file'"               "unchanged"
denied chown       "chown \$(id -u):\$(id -g) '$O/file' && chmod 600 '$O/file'" "unchanged"
denied utimes      "touch -d '2001-01-01' '$O/file'"   "unchanged"
denied xattr       "'$PROBE' setxattr '$O/file'"      "! '$PROBE' getxattr '$O/file' >/dev/null 2>&1"
denied proc-root   "echo x > /proc/self/root'$O/file'" "unchanged"
denied proc-cwd    "echo x > /proc/self/cwd/../outside/file" "unchanged"
# The supervisor (pid 1 inside) stays in the caller's mount namespace: its
# /proc entries must be out of reach, also without Landlock. The control
# writes through the root of pid 1 or of its own parent shell.
P1="sh -c 'for p in 1 \$PPID; do echo x > /proc/\$p/root$O/file && exit 0; done; exit 1'"
denied proc1-root  "$P1" "unchanged"
reset
if CORDON_DISABLE=landlock sbx "$P1" >/dev/null 2>&1 || ! unchanged; then
    fail "proc1-root (CORDON_DISABLE=landlock): wrote through the supervisor's root"
else
    pass
fi
# A directory descriptor leaked by the caller points at the writable host
# mount, outside the namespace's read-only view: it must not reach the command.
reset
exec 7<"$O"
plain "'$PROBE' fdwrite 7 viafd" >/dev/null 2>&1
if [ -e "$O/viafd" ]; then
    reset
    if sbx "'$PROBE' fdwrite 7 viafd" >/dev/null 2>&1 || [ -e "$O/viafd" ]; then
        fail "leaked-fd: wrote through an inherited directory descriptor"
    else
        pass
    fi
    reset
    if CORDON_DISABLE=landlock sbx "'$PROBE' fdwrite 7 viafd" >/dev/null 2>&1 || [ -e "$O/viafd" ]; then
        fail "leaked-fd (CORDON_DISABLE=landlock): wrote through an inherited directory descriptor"
    else
        pass
    fi
else
    fail "leaked-fd: positive control failed"
fi
exec 7<&-
if [ -z "$RUN" ]; then
    denied mknod   "mknod '$O/null' c 1 3"             "[ ! -e '$O/null' ]"
fi

allowed write-inside  "echo x > new && mkdir -p d/e && mv new d/e/ && ln d/e/new hl && ln -s d sl && chmod 600 hl && touch -d 2001-01-01 hl && rm -r d hl sl"
allowed dev-null      "echo x > /dev/null && head -c 4 /dev/zero >/dev/null && head -c 4 /dev/urandom >/dev/null"
allowed read-anywhere "cat /etc/passwd >/dev/null && ls / >/dev/null"
allowed own-stdio     "echo to-stdout && echo to-stderr >&2"
allowed no-caps       "grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^CapBnd:[[:space:]]*0000000000000000' /proc/self/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status"

# The caller's own stdout, a file outside the roots, keeps working.
reset
if sbx "echo through-stdout" > "$O/stdout" 2>&1 && [ "$(cat "$O/stdout")" = through-stdout ]; then
    pass
else
    fail "own-stdio-file: stdout redirected by the caller was lost"
fi

# ---- private /tmp -------------------------------------------------------------
reset
marker=/tmp/cordon-test-marker-$$
if sbx "echo x > '$marker' && [ \"\$TMPDIR\" = /tmp ] && [ -w \"\$TMPDIR\" ]" >/dev/null 2>&1 &&
    [ ! -e "$marker" ]; then
    pass
else
    fail "private-tmp: the write to /tmp leaked or failed"
fi
ls -d /tmp/cordon-run-* 2>/dev/null | while read -r d; do
    # Only our own runs are gone by now: none may be left behind.
    [ -d "$d" ] && [ "$(stat -c %u "$d")" = "$(as id -u)" ] && echo "NOTE: leftover $d (another run?)"
done

# A root below /tmp stays visible and writable under the private /tmp,
# with its protected paths still read-only.
TR=$(mktemp -d /tmp/cordon-test-tmproot-XXXXXX)
chmod 755 "$TR"
[ -n "$RUN" ] && chown 65534:65534 "$TR"
if as "$CORDON" run -C "$TR" -- sh -c 'echo x > f; mkdir .codex' >/dev/null 2>&1; then
    fail "tmp-root: creating .codex succeeded"
elif [ "$(cat "$TR/f" 2>/dev/null)" = x ] && [ ! -e "$TR/.codex" ]; then
    pass
else
    fail "tmp-root: the write to the root was lost or .codex appeared"
fi

# ---- protected paths ------------------------------------------------------------
denied git-hook     "echo evil > .git/hooks/pre-commit"  "[ ! -e '$WS/.git/hooks/pre-commit' ]"
denied git-head     "echo x > .git/HEAD"                 "grep -q refs/heads/main '$WS/.git/HEAD'"
denied git-rename   "mv .git .git-old"                   "[ -f '$WS/.git/HEAD' ]"
denied git-recreate "rm -rf .git; mkdir -p .git/hooks && echo evil > .git/hooks/pre-commit" \
                    "[ -f '$WS/.git/HEAD' ] && [ ! -e '$WS/.git/hooks/pre-commit' ]"
denied git-chmod    "chmod 700 .git"                     "[ \"\$(stat -c %a '$WS/.git')\" = 755 ]"
denied new-codex    "mkdir .codex"                       "[ ! -e '$WS/.codex' ]"
denied codex-file   "echo x > .codex"                    "[ ! -e '$WS/.codex' ]"
denied new-agents   "mkdir -p .agents/x"                 "[ ! -e '$WS/.agents' ]"
denied symlink-git  "ln -s .git g && echo x > g/HEAD"    "grep -q refs/heads/main '$WS/.git/HEAD'"

# A worktree-style .git file: the directory its gitdir: names is protected.
reset
as sh -c "rm -rf '$WS/.git'; mkdir -p '$WS/.gitdir-real' && echo orig > '$WS/.gitdir-real/config' && echo 'gitdir: $WS/.gitdir-real' > '$WS/.git'"
if ! sbx "echo x > .gitdir-real/config" >/dev/null 2>&1 && [ "$(cat "$WS/.gitdir-real/config")" = orig ] &&
    ! sbx "echo 'gitdir: /elsewhere' > .git" >/dev/null 2>&1; then
    pass
else
    fail "gitdir-target: the gitdir: target or the .git file was writable"
fi
if plain "echo x > .gitdir-real/config" && [ "$(cat "$WS/.gitdir-real/config")" = x ]; then pass; else
    fail "gitdir-target: positive control failed"; fi
# Placeholders do not outlive the run.
reset
sbx "true" >/dev/null 2>&1
if [ ! -e "$WS/.codex" ] && [ ! -e "$WS/.agents" ] && [ ! -e "$WS/.cordon" ]; then pass; else
    fail "placeholders were left behind"; fi
# Only the run's own placeholder is removed: one replaced meanwhile (here
# by the user, outside the sandbox) stays as they left it.
reset
as "$CORDON" run -C "$WS" -- sleep 0.4 >/dev/null 2>&1 &
cpid=$!
i=0
while [ ! -S "$WS/.cordon" ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
as sh -c "rm -f '$WS/.cordon' && mkdir '$WS/.cordon' && echo mine > '$WS/.cordon/keep'"
wait $cpid
if [ "$(cat "$WS/.cordon/keep" 2>/dev/null)" = mine ]; then pass; else
    fail "placeholder-identity: a directory that replaced the placeholder was removed"; fi
# Two runs in one workspace: the second relies on the first one's
# placeholder, which stays until the second ends too; the second's command
# still cannot create the path after the first has ended.
reset
as "$CORDON" run -C "$WS" -- sleep 0.3 >/dev/null 2>&1 &
first=$!
i=0
while [ ! -S "$WS/.codex" ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
as "$CORDON" run -C "$WS" -- sh -c "sleep 1; mkdir .codex && echo evil > .codex/x" >/dev/null 2>&1 &
second=$!
wait $first
sleep 0.2
held=no
[ -S "$WS/.codex" ] && held=yes
wait $second
if [ $held = yes ] && [ ! -e "$WS/.codex" ]; then pass; else
    fail "concurrent: placeholder while the second run went on: $held; after both: $(ls -A "$WS" | tr '\n' ' ')"; fi
reset
if plain "mkdir .codex && echo x > .codex/x" && [ -f "$WS/.codex/x" ]; then pass; else
    fail "concurrent: positive control failed"; fi
# A placeholder is no repository: in a workspace inside a bigger
# repository, git still finds that one, as it does without the sandbox.
as sh -c "rm -rf '$H/outer' && mkdir -p '$H/outer/sub' && git -C '$H/outer' init -q"
top_out=$(cd "$H/outer/sub" && as git rev-parse --show-toplevel 2>&1)
top_in=$(as "$CORDON" run -C "$H/outer/sub" -- git rev-parse --show-toplevel 2>&1)
if [ "$top_out" != "$H/outer" ]; then
    fail "git-parent: positive control: git outside the sandbox said: $top_out"
elif [ "$top_in" = "$H/outer" ] && [ ! -e "$H/outer/sub/.git" ]; then
    pass
else
    fail "git-parent: git in the sandbox said: $top_in"
fi

# The caller killed mid-run (SIGTERM, SIGKILL; Ctrl-C takes the same path,
# a background job here ignores SIGINT): the tree ends and
# the placeholders go with it.
for sig in TERM KILL; do
    reset
    $RUN env HOME="$H" PATH=/usr/bin:/bin "$CORDON" run -C "$WS" -- sh -c "sleep 0.5; echo late > '$WS/late-$sig'" >/dev/null 2>&1 &
    cpid=$!
    i=0
    while [ ! -e "$WS/.codex" ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
    [ -S "$WS/.codex" ] || fail "killed-$sig: the placeholder never appeared (positive control)"
    kill -$sig $cpid
    wait $cpid 2>/dev/null
    sleep 0.8
    if [ ! -e "$WS/late-$sig" ] && [ ! -e "$WS/.codex" ] && [ ! -e "$WS/.agents" ]; then pass; else
        fail "killed-$sig: the command survived its caller or placeholders stayed: $(ls -A "$WS" | tr '\n' ' ')"; fi
done

# ---- network off ------------------------------------------------------------------
serve() { # serve KIND -> sets PORT, LOG (files in $H: the test user's)
    LOG=$H/$1.log
    rm -f "$H/$1.port"
    $RUN "$PROBE" serve "$1" "$H/$1.port" "$LOG" >/dev/null 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$H/$1.port" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
    PORT=$(cat "$H/$1.port" 2>/dev/null)
}
net() { # net NAME PROBE-ARGS...: refused in the sandbox, allowed outside
    name=$1
    shift
    if ! as "$PROBE" "$@" >/dev/null 2>&1; then
        # No positive control: a refusal here would prove nothing, so it
        # is not counted; getting through would still be a failure.
        echo "note: $name: not possible here even without the sandbox; not counted"
        if sbx "'$PROBE' $*" >/dev/null 2>&1; then fail "$name: got through the sandbox"; fi
        return
    fi
    if out=$(sbx "'$PROBE' $*" 2>&1); then
        fail "$name: got through the sandbox: $out"
    else
        pass
    fi
}
for kind in tcp4 udp4 tcp6 udp6; do
    if [ "$kind" = tcp6 ] || [ "$kind" = udp6 ]; then
        ip -6 addr show lo 2>/dev/null | grep -q '::1' || { echo "note: no ::1 here, $kind skipped"; continue; }
    fi
    serve "$kind"
    [ -n "$PORT" ] || { fail "$kind: the test listener did not start"; continue; }
    case $kind in
    tcp*) net "$kind" "$kind" "$PORT" ;;
    *)
        # In the private network namespace a datagram to 127.0.0.1 is
        # sent, to the command's own loopback: the listener below is the
        # proof that it did not reach the host's.
        as "$PROBE" "$kind" "$PORT" >/dev/null 2>&1
        sbx "'$PROBE' $kind $PORT" >/dev/null 2>&1
        sleep 0.05
        ;;
    esac
    # The listener heard the control (one line), not the sandbox.
    n=$(grep -c cordon-probe "$LOG" 2>/dev/null || true)
    if [ "${n:-0}" = 1 ]; then pass; else fail "$kind: the listener received ${n:-0} messages, expected 1 (the control)"; fi
done
net raw-icmp raw4
net ping-icmp ping4
net packet packet
# Garbage in the upper 32 bits of the family: the refusal compares the
# low 32 bits as the kernel does. AF_INET stays in the private network
# namespace, so this runs without it (CORDON_DISABLE=userns: the seccomp
# family refusal alone).
if ! out=$(as env CORDON_DISABLE=userns "$CORDON" run -C "$WS" -- "$PROBE" highbits 2>&1); then pass; else
    fail "high-bits: got through the sandbox: $out"; fi
net io_uring iouring
# With network on, the same connection goes through (the level is none).
serve tcp4
if sbx "'$PROBE' tcp4 $PORT" --network on >/dev/null 2>&1; then pass; else fail "network-on: TCP was refused"; fi
# Unix-domain sockets and the private loopback: escape_unix.sh.
# The advisory layer is there too: ssh is the stub, proxies point nowhere.
out=$(sbx 'ssh example.invalid; echo "rc=$? proxy=$HTTPS_PROXY net=$CORDON_NETWORK"' 2>&1)
case $out in
*"network access is disabled"*"rc=255 proxy=http://127.0.0.1:9 net=off"*) pass ;;
*) fail "advisory layer missing: $out" ;;
esac

# ---- processes ----------------------------------------------------------------------
# Started directly (not through a function) so that $! is the sleep.
$RUN sleep 30 &
victim=$!
PIDS="$PIDS $victim"
$RUN sleep 30 &
control=$!
PIDS="$PIDS $control"
sleep 0.1
if as "$PROBE" ptrace "$control" >/dev/null 2>&1; then pass; else echo "note: ptrace not possible here even without the sandbox"; fi
if sbx "'$PROBE' ptrace $victim" >/dev/null 2>&1; then fail "ptrace: reached a process outside"; else pass; fi
if sbx "'$PROBE' procmem $victim" >/dev/null 2>&1; then fail "procmem: opened /proc/PID/mem outside"; else pass; fi
if ! sbx "'$PROBE' signal $victim" >/dev/null 2>&1 && [ -d "/proc/$victim" ]; then pass; else
    fail "signal: a process outside was signalled"; fi
if as "$PROBE" signal "$control" >/dev/null 2>&1; then pass; else fail "signal: positive control failed"; fi
# The tree ends with the command: a background writer dies with it.
reset
sbx "(sleep 0.3; echo late > '$WS/late') & exit 0" >/dev/null 2>&1
sleep 0.6
if [ ! -e "$WS/late" ]; then pass; else fail "tree: a background process outlived the command"; fi
plain "(sleep 0.1; echo late > '$WS/late2') & exit 0"
sleep 0.4
if [ -e "$WS/late2" ]; then pass; else fail "tree: positive control failed"; fi
# Also a process that its parent's wait does not see (exit signal 0).
reset
sbx "'$PROBE' latechild '$WS/late'" >/dev/null 2>&1
sleep 0.6
if [ ! -e "$WS/late" ]; then pass; else fail "tree: a child with exit signal 0 outlived the command"; fi
plain "'$PROBE' latechild '$WS/late2'"
sleep 0.6
if [ -e "$WS/late2" ]; then pass; else fail "tree: positive control (exit signal 0) failed"; fi
# Timeout: exit status 124, nothing keeps writing afterwards.
reset
sbx "(while :; do echo x >> tick; sleep 0.05; done) & sleep 100" --timeout 1 >/dev/null 2>&1
rc=$?
a=$(stat -c %s "$WS/tick" 2>/dev/null || echo 0)
sleep 0.3
b=$(stat -c %s "$WS/tick" 2>/dev/null || echo 0)
if [ $rc = 124 ] && [ "$a" -gt 0 ] && [ "$a" = "$b" ]; then pass; else fail "timeout: rc=$rc sizes $a -> $b"; fi

live_done "linux_escape_$WHO"
