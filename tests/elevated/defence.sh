#!/bin/sh
# Defence in depth on the elevated tier: after the identity switch the
# runner applies the unelevated tier's launch (namespaces, read-only view,
# protected paths re-bound read-only and pinned, deny_read masks, private
# /tmp, the unix socket gate, Landlock, seccomp). The levels say what holds
# here (the runner's own "check" says whether it can make namespaces), and
# a sandboxed command tries the attacks those levels claim to stop, each
# beside a positive control: renaming or replacing .git, writing its hooks,
# creating a missing .git, reading a world-readable deny_read secret,
# connecting to a host unix socket, tracing or signalling the runner and
# the supervisor, and holding a descriptor of the caller's.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
RUNNER=/usr/local/libexec/cordon/cordon-runner
BASE=$(cat "$CORDON_TEST_STATE/base")
cp "$HERE/attack.py" "$BASE/attack.py" && chmod 644 "$BASE/attack.py"
ATTACK="$PY $BASE/attack.py"
# A workspace of this test's own (elevated_grants checks the first grant
# of the fixture's).
WS=$BASE/ws-defence
mkdir -p "$WS" && chown "$TU:" "$WS"
# A bare process of the offline user, outside any sandbox: the controls
# showing that file permissions alone would let it through.
AS_OFFLINE="setpriv --reuid=cordon-offline --regid=cordon-sandbox --clear-groups --reset-env"

prim=$($AS_USER "$RUNNER" check | sed -n 2p)
printf '%s' "$prim" | grep -qE '^userns=[01] landlock=[0-9]+ seccomp=[01] gate=[01] protocol=[0-9]+$' && pass ||
    fail "cordon-runner check does not say what it applies: '$prim'"
case "$prim" in *userns=1*) NS=1 ;; *) NS=0 ;; esac
case "$prim" in *gate=1*) GATE=1 ;; *) GATE=0 ;; esac

$AS_USER sh -c "cd '$WS' && mkdir -p .git/hooks && { [ -e .git/config ] || echo cfg >.git/config; }"
js=$(cordon_as level --json)
txt=$(cordon_as level)
[ "$(json_field "$js" "d['backend']")" = linux-elevated ] && pass || fail "not elevated: $js"
if [ $NS = 1 ]; then
    [ "$(json_field "$js" "d['dimensions']['protected_paths'], d['dimensions']['secrets_read'], d['dimensions']['fs_write']")" = "enforced enforced enforced" ] &&
        pass || fail "levels with the runner's namespaces: $js"
    printf '%s' "$txt" | grep -q "re-bound read-only in the runner's mount namespace" && pass ||
        fail "protected_paths reason: $txt"
    printf '%s' "$txt" | grep -q "hidden by empty read-only mounts in the runner's mount namespace" && pass ||
        fail "secrets_read reason: $txt"
else
    [ "$(json_field "$js" "d['dimensions']['protected_paths'], d['dimensions']['secrets_read']")" = "none none" ] &&
        pass || fail "levels without the runner's namespaces: $js"
    printf '%s' "$txt" | grep -q "renaming one (.git)" && pass || fail "protected_paths reason: $txt"
fi
if [ $GATE = 1 ]; then
    printf '%s' "$txt" | grep -q "only through the runner's seccomp gate" && pass || fail "network reason: $txt"
fi
# The runner's namespaces switched off: the levels fall with the reason.
js=$(CORDON_DISABLE=userns cordon_as level --json)
[ "$(json_field "$js" "d['backend'], d['dimensions']['protected_paths'], d['dimensions']['secrets_read']")" = "linux-elevated none none" ] &&
    pass || fail "levels with CORDON_DISABLE=userns: $js"

# Identity and what the command holds: nothing of the runner's privilege.
out=$(cordon_as run -- sh -c 'id -un; grep -E "^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status')
printf '%s\n' "$out" | grep -q '^cordon-offline$' && pass || fail "identity: $out"
for c in CapPrm CapEff CapBnd CapAmb; do
    printf '%s\n' "$out" | grep -qE "^$c:\s+0+$" && pass || fail "$c in the command: $out"
done
printf '%s\n' "$out" | grep -qE '^NoNewPrivs:\s+1$' && pass || fail "no_new_privs: $out"
# Only stdio passes (the listing's own descriptor is the fourth).
out=$(cordon_as run -- $ATTACK fds </dev/null)
[ "$out" = "0 1 2 3" ] && pass || fail "descriptors in the command: $out"

if [ $NS = 0 ]; then
    echo "the runner makes no namespaces on this host: the attacks below need them"
    finish
    exit $?
fi

# .git: the real user may rename it (control); the sandbox user, who may
# write the workspace, may rename other directories (control) but not .git.
$AS_USER sh -c "cd '$WS' && mv .git .git-control && mv .git-control .git" && pass || fail "control: the owner renames .git"
out=$(cordon_as run -- sh -c 'mkdir cordon-test-d && mv cordon-test-d cordon-test-e && rmdir cordon-test-e' 2>&1)
[ $? = 0 ] && pass || fail "control: the sandbox renames a directory of the workspace: $out"
out=$(cordon_as run -- mv .git .git-away 2>&1)
[ $? != 0 ] && [ -d "$WS/.git" ] && [ ! -e "$WS/.git-away" ] && pass || fail "renamed .git away: $out"
out=$(cordon_as run -- sh -c 'mkdir fake-git && echo evil >fake-git/config && mv -T fake-git .git' 2>&1)
[ "$(cat "$WS/.git/config")" = cfg ] && pass || fail "replaced .git: $out"
rm -rf "$WS/fake-git"
out=$(cordon_as run -- rm -rf .git 2>&1)
[ -f "$WS/.git/config" ] && pass || fail "removed .git: $out"
# Its hooks: the owner writes one (control); the sandbox cannot.
$AS_USER sh -c "echo '#!/bin/sh' >'$WS/.git/hooks/cordon-test-hook' && rm '$WS/.git/hooks/cordon-test-hook'" && pass ||
    fail "control: the owner writes a hook"
out=$(cordon_as run -- sh -c 'echo "#!/bin/sh" >.git/hooks/pre-commit' 2>&1)
[ $? != 0 ] && [ ! -e "$WS/.git/hooks/pre-commit" ] && pass || fail "wrote a hook: $out"
# A missing .git cannot be created either (a placeholder holds it).
WS2=$BASE/ws2
mkdir -p "$WS2" && chown "$TU:" "$WS2"
out=$(cd "$WS2" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin "$CORDON" run -- sh -c 'mkdir made && rmdir made' 2>&1)
[ $? = 0 ] && pass || fail "control: the sandbox makes a directory in a fresh workspace: $out"
out=$(cd "$WS2" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin "$CORDON" run -- sh -c 'mkdir -p .git/hooks && echo x >.git/hooks/post-checkout' 2>&1)
[ ! -e "$WS2/.git" ] && pass || fail "created a missing .git: $out"

# A deny_read secret that file permissions let everybody read: the bare
# offline user reads it (control), the sandboxed one does not.
$AS_USER sh -c "mkdir -p '$TH/.aws' && echo 'aws secret' >'$TH/.aws/credentials' && chmod 755 '$TH/.aws' && chmod 644 '$TH/.aws/credentials'"
out=$($AS_OFFLINE cat "$TH/.aws/credentials" 2>&1)
[ "$out" = "aws secret" ] && pass || fail "control: the bare offline user reads the world-readable secret: $out"
out=$(cordon_as run -- cat "$TH/.aws/credentials" 2>&1)
[ $? != 0 ] && ! printf '%s' "$out" | grep -q "aws secret" && pass || fail "read a deny_read secret: $out"
out=$(cordon_as run -- cat "$TH/.ssh/id_test" 2>&1)
! printf '%s' "$out" | grep -q "secret key" && pass || fail "read ~/.ssh/id_test: $out"

# A unix socket of the host that file permissions let everybody reach.
SOCK=$BASE/cordon-test-host.sock
$PY -c "
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind('$SOCK'); os.chmod('$SOCK', 0o777); s.listen(8)
print('READY', flush=True); s.settimeout(1); end = time.time() + 60
while time.time() < end and os.path.exists('$SOCK'):
    try: s.accept()[0].close()
    except OSError: pass
" >"$BASE/sock.out" 2>&1 &
spid=$!
i=0; while [ $i -lt 50 ] && ! grep -q READY "$BASE/sock.out"; do sleep 0.1; i=$((i + 1)); done
out=$($AS_OFFLINE $ATTACK unix "$SOCK")
[ "$out" = ok ] && pass || fail "control: the bare offline user connects to the host socket: $out"
if [ $GATE = 1 ]; then
    out=$(cordon_as run -- $ATTACK unix "$SOCK" 2>&1)
    printf '%s' "$out" | grep -q "^refused" && pass || fail "the sandbox reached a host unix socket: $out"
fi
rm -f "$SOCK"
kill $spid 2>/dev/null
wait $spid 2>/dev/null

# The runner and the supervisor, seen from the command. A long run holds
# a runner (cordon's child with a child of its own, the supervisor); a
# second command tries to reach them.
(cd "$WS" && exec $AS_USER env HOME="$TH" PATH=/usr/bin:/bin "$CORDON" run --policy read-only -- sleep 20) >/dev/null 2>&1 &
bg=$!
i=0; RPID=; SPID=
while [ $i -lt 100 ] && [ -z "$SPID" ]; do
    for p in $(pgrep -P $bg -x cordon-runner); do
        SPID=$(pgrep -P "$p" -x cordon-runner | head -1)
        [ -n "$SPID" ] && RPID=$p && break
    done
    [ -n "$SPID" ] || sleep 0.1
    i=$((i + 1))
done
[ -n "$RPID" ] && pass || fail "no runner with its supervisor found while a command runs"
if [ -n "$RPID" ]; then
    # A process that is not dumpable has its /proc entries (not the
    # directory itself) owned by root.
    [ "$(stat -c %U /proc/$RPID/fd)" = root ] && pass || fail "the runner is dumpable (its /proc/PID/fd is $(stat -c %U /proc/$RPID/fd)'s)"
    [ "$(stat -c %U /proc/$SPID/fd)" = root ] && pass || fail "the supervisor is dumpable (its /proc/PID/fd is $(stat -c %U /proc/$SPID/fd)'s)"
    out=$(cordon_as run -- $ATTACK signal "$RPID" 2>&1)
    printf '%s' "$out" | grep -q "^refused" && pass || fail "the sandbox signalled the runner $RPID: $out"
    out=$(cordon_as run -- $ATTACK ptrace "$RPID" 2>&1)
    printf '%s' "$out" | grep -q "^refused" && pass || fail "the sandbox traced the runner $RPID: $out"
    # Even a bare process of the offline user cannot trace them (not dumpable).
    out=$($AS_OFFLINE $ATTACK ptrace "$RPID" 2>&1)
    printf '%s' "$out" | grep -q "^refused" && pass || fail "the bare offline user traced the runner: $out"
    out=$($AS_OFFLINE $ATTACK ptrace "$SPID" 2>&1)
    printf '%s' "$out" | grep -q "^refused" && pass || fail "the bare offline user traced the supervisor: $out"
    out=$($AS_OFFLINE ls /proc/$RPID/fd 2>&1)
    [ $? != 0 ] && pass || fail "the bare offline user lists the runner's descriptors: $out"
fi
kill $bg 2>/dev/null
wait $bg 2>/dev/null
i=0
while [ $i -lt 50 ] && pgrep -u cordon-offline >/dev/null; do sleep 0.1; i=$((i + 1)); done
# The supervisor is pid 1 of the command's pid namespace: not traceable.
out=$(cordon_as run -- $ATTACK ptrace-child 2>&1)
[ "$out" = ok ] && pass || fail "control: the command traces its own child: $out"
out=$(cordon_as run -- $ATTACK ptrace 1 2>&1)
printf '%s' "$out" | grep -q "^refused" && pass || fail "the command traced the supervisor: $out"
out=$(cordon_as run -- sh -c 'ls /proc/1/root/ 2>&1; cat /proc/1/environ 2>&1' 2>&1)
printf '%s' "$out" | grep -q "Permission denied" && ! printf '%s' "$out" | grep -q "^etc$" && pass ||
    fail "the command reached the supervisor's /proc entries: $out"
finish
