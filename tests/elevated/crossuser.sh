#!/bin/sh
# A run writes only where its caller may, also below its roots. Every
# allowed user's granted workspace is writable by the same sandbox users,
# so a second allowed user (cordon-test-v<pid>, added to the installation
# for this test and removed again) grants a workspace of its own, and the
# first (the fixture's user) tries to reach it through a root of its own
# runs:
#   - a workspace below a shared sticky directory (as /tmp): the shared
#     directory as a root is refused (not the caller's), by the runner and
#     by the probe (the run falls back and cannot write there);
#   - a workspace below a directory of the first user: the second user's
#     probe refuses to grant it, so the first user's run (which may name
#     that directory as a root) finds nothing the sandbox users may write;
#   - a directory above a root that others may write: refused the same way;
#   - hard links: with fs.protected_hardlinks 0 the first user could link
#     the second's granted file into its own workspace; the runner and the
#     probe refuse workspace-write runs then (restored to the host's value).
# Positive controls: the first user's own workspace writes elevated; the
# bare sandbox user may write the second user's workspace (what the rule
# keeps the first user's runs from); the second user's own run writes it.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
TV=cordon-test-v$$
BASE=$(cat "$CORDON_TEST_STATE/base")
D=$BASE/cross
HL=$(cat /proc/sys/fs/protected_hardlinks)
C="$PY $HERE/runner_client.py /usr/local/libexec/cordon/cordon-runner"
cp "$HERE/acl_ids.py" "$CORDON_TEST_STATE/" && chmod 644 "$CORDON_TEST_STATE/acl_ids.py"
ACL="$PY $CORDON_TEST_STATE/acl_ids.py"
OFF=$(id -u cordon-offline)

cleanup() {
    [ -n "$HL" ] && echo "$HL" >/proc/sys/fs/protected_hardlinks
    if getent passwd "$TV" >/dev/null; then
        gpasswd -d "$TV" cordon-users >/dev/null 2>&1
        # The marker lists the members of cordon-users: the first user alone again.
        "$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" >/dev/null 2>&1 ||
            echo "FAIL: reinstall for $TU alone"
        userdel "$TV" 2>/dev/null
        getent group "$TV" >/dev/null && groupdel "$TV" 2>/dev/null
    fi
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$D" && chmod 755 "$D"
# The first user's own workspace for this test: the fixture's one must
# stay without entries for the tests that check a first run there.
OWS=$D/ows
mkdir -p "$OWS" && chown "$TU:$TU" "$OWS" && chmod 755 "$OWS"
useradd --no-create-home --home-dir "$D/vhome" --shell /bin/sh "$TV" || { fail "useradd $TV"; finish; exit 1; }
mkdir -p "$D/vhome" && chown "$TV:$TV" "$D/vhome" && chmod 755 "$D/vhome"
out=$("$CORDON_SETUP" install --user "$TU" --user "$TV" --runner "$CORDON_RUNNER" 2>&1) &&
    grep -q "\"$TV\"" /etc/cordon/setup.json && pass || fail "install for a second user: $out"
AS_V="setpriv --reuid=$TV --regid=$TV --groups=$UG --reset-env"
# cordon as a user in a directory: as_in USER HOME DIR ARGS...
as_in() {
    who=$1 home=$2 dir=$3
    shift 3
    (cd "$dir" && $who env HOME="$home" PATH=/usr/bin:/bin CORDON_SHIM_DIR="$CORDON_SHIM_DIR" "$CORDON" "$@")
}
backend_of() { as_in "$@" level --json | $PY -c "import json,sys; d=json.load(sys.stdin); print(d['backend'], d.get('fallback_reason'))"; }

# Control: the first user's own workspace writes, elevated.
out=$(as_in "$AS_USER" "$TH" "$OWS" run -- sh -c 'id -un; echo mine >cross-own' 2>&1)
[ "$(cat "$OWS/cross-own" 2>/dev/null)" = mine ] && printf '%s' "$out" | grep -q '^cordon-offline$' &&
    pass || fail "control: the own workspace: $out"
rm -f "$OWS/cross-own"

# 1. A workspace of the second user below a shared sticky directory.
SH=$D/shared
mkdir -p "$SH" && chmod 1777 "$SH"
$AS_V mkdir "$SH/vws" && chmod 755 "$SH/vws"
out=$(as_in "$AS_V" "$D/vhome" "$SH/vws" run -- sh -c 'id -un; echo theirs >f' 2>&1)
[ "$(cat "$SH/vws/f" 2>/dev/null)" = theirs ] && printf '%s' "$out" | grep -q '^cordon-offline$' &&
    pass || fail "control: the second user's own run: $out"
$ACL "$SH/vws" 2>/dev/null | grep -q " $OFF\$" && pass || fail "the second user's workspace is not granted"
setpriv --reuid=cordon-offline --regid=cordon-sandbox --clear-groups sh -c "echo bare >'$SH/vws/bare'" &&
    pass || fail "control: the bare sandbox user cannot write the granted workspace"
rm -f "$SH/vws/bare"
$AS_USER sh -c "echo x >>'$SH/vws/f'" 2>/dev/null && fail "the first user may write the second's file" || pass
# The shared directory as a root: the runner refuses it, naming why...
out=$(cd / && $AS_USER $C spawn-root "$SH" 2>&1)
printf '%s\n' "$out" | grep -q "^ERROR caller 1 the root $SH is owned by uid 0, not by the caller" &&
    pass || fail "the runner took a shared directory as a root: $out"
# ... and cordon falls back (naming it), so the write below is refused.
b=$(backend_of "$AS_USER" "$TH" "$SH")
case "$b" in "linux-unelevated "*"the root $SH is owned by uid 0"*) pass ;; *) fail "level in the shared directory: $b" ;; esac
out=$(as_in "$AS_USER" "$TH" "$SH" run -- sh -c 'echo stolen >vws/f; echo stolen >vws/new' 2>&1)
[ "$(cat "$SH/vws/f")" = theirs ] && [ ! -e "$SH/vws/new" ] && pass ||
    fail "a run with a shared root wrote another user's workspace: $out"

# 2. A workspace of the second user below a directory of the first: the
# second user's probe does not grant it.
AD=$D/first
mkdir -p "$AD/vws2" && chown "$TU:$TU" "$AD" && chmod 755 "$AD" && chown "$TV:$TV" "$AD/vws2"
b=$(backend_of "$AS_V" "$D/vhome" "$AD/vws2")
case "$b" in "linux-unelevated "*"the directory $AD above the root $AD/vws2 is owned by uid $(id -u "$TU")"*) pass ;;
*) fail "level below another user's directory: $b" ;; esac
out=$(as_in "$AS_V" "$D/vhome" "$AD/vws2" run -- sh -c 'echo theirs >f' 2>&1)
[ "$(cat "$AD/vws2/f" 2>/dev/null)" = theirs ] && pass || fail "the second user's fallback run: $out"
[ -z "$($ACL "$AD/vws2" "$AD/vws2/f")" ] && pass || fail "granted below another user's directory: $($ACL "$AD/vws2")"
# The first user may name its own directory as a root (control), and
# finds nothing there its sandbox may write but it may not.
out=$(as_in "$AS_USER" "$TH" "$AD" run -- sh -c 'id -un; echo mine >own; echo stolen >vws2/f' 2>&1)
[ "$(cat "$AD/own" 2>/dev/null)" = mine ] && printf '%s' "$out" | grep -q '^cordon-offline$' &&
    pass || fail "control: the first user's directory as a root: $out"
[ "$(cat "$AD/vws2/f")" = theirs ] && pass || fail "the first user's run wrote the second's workspace: $out"

# 3. A directory above the root that every user may write (not sticky):
# anyone could move the workspace into a root of its own.
OP=$D/open
mkdir -p "$OP/vws3" && chmod 777 "$OP" && chown "$TV:$TV" "$OP/vws3"
b=$(backend_of "$AS_V" "$D/vhome" "$OP/vws3")
case "$b" in "linux-unelevated "*"the directory $OP above the root $OP/vws3 can be written by every user"*) pass ;;
*) fail "level below a directory open to all: $b" ;; esac
chmod 1777 "$OP"
b=$(backend_of "$AS_V" "$D/vhome" "$OP/vws3")
case "$b" in "linux-elevated "*) pass ;; *) fail "control: below a sticky directory: $b" ;; esac

# 4. Hard links. With the host's protection (1) the first user cannot link
# the second's file; with 0 it could, so workspace-write runs are refused.
if [ "$HL" = 1 ]; then
    $AS_USER ln "$SH/vws/f" "$OWS/cross-link" 2>/dev/null && fail "linked another user's file with protected_hardlinks 1" || pass
    echo 0 >/proc/sys/fs/protected_hardlinks
    $AS_USER ln "$SH/vws/f" "$OWS/cross-link" && pass || fail "control: no link with protected_hardlinks 0"
    out=$(cd / && $AS_USER $C spawn-root "$OWS" 2>&1)
    b=$(backend_of "$AS_USER" "$TH" "$OWS")
    run=$(as_in "$AS_USER" "$TH" "$OWS" run -- sh -c 'echo stolen >cross-link' 2>&1)
    echo 1 >/proc/sys/fs/protected_hardlinks
    printf '%s\n' "$out" | grep -q "^ERROR caller 1 fs.protected_hardlinks is not 1" && pass ||
        fail "the runner ran with protected_hardlinks 0: $out"
    case "$b" in "linux-unelevated "*"fs.protected_hardlinks is not 1"*) pass ;; *) fail "level with protected_hardlinks 0: $b" ;; esac
    [ "$(cat "$SH/vws/f")" = theirs ] && pass || fail "wrote another user's file through a hard link: $run"
    rm -f "$OWS/cross-link"
    b=$(backend_of "$AS_USER" "$TH" "$OWS")
    case "$b" in "linux-elevated "*) pass ;; *) fail "control: level with protected_hardlinks 1: $b" ;; esac
else
    echo "fs.protected_hardlinks is $HL here: the hard link shape is not tried"
fi
finish
