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
#   - the first user's own elevated run (the same sandbox user, which may
#     write the second user's files) links, renames, removes, appends to
#     or writes through a symbolic link to them from its own root; a bind
#     of the second's workspace into the first's root, made in a user
#     namespace of the first user's (the only place it can make one);
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
out=$(as_in "$AS_USER" "$TH" "$WS" run -- sh -c 'id -un; echo mine >cross-own' 2>&1)
[ "$(cat "$WS/cross-own" 2>/dev/null)" = mine ] && printf '%s' "$out" | grep -q '^cordon-offline$' &&
    pass || fail "control: the own workspace: $out"
rm -f "$WS/cross-own"

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

# 1b. The first user's own elevated run writes as the same sandbox user,
# which may write the second user's granted files: from its own root it
# reaches for them by a hard link, a rename, a removal, a symbolic link
# written through, an append, a truncation, a new file. Control: the bare
# sandbox user makes the same hard link (protected_hardlinks lets it: it
# may read and write the file).
if setpriv --reuid=cordon-offline --regid=cordon-sandbox --clear-groups ln "$SH/vws/f" "$WS/cross-bare"; then
    pass; else fail "control: the bare sandbox user cannot hard-link the granted file"; fi
rm -f "$WS/cross-bare"
for how in "ln '$SH/vws/f' hl; echo stolen >hl" "mv '$SH/vws/f' moved" "rm -f '$SH/vws/f'" \
    "ln -s '$SH/vws/f' sl; echo stolen >sl" "echo stolen >>'$SH/vws/f'" ": >'$SH/vws/f'" \
    "echo new >'$SH/vws/new2'" "mv '$SH/vws' moved"; do
    out=$(as_in "$AS_USER" "$TH" "$WS" run -- sh -c "id -un; $how" 2>&1)
    if [ "$(cat "$SH/vws/f" 2>/dev/null)" = theirs ] && [ ! -e "$SH/vws/new2" ] &&
        printf '%s' "$out" | grep -q '^cordon-offline$'; then pass; else
        fail "the first user's run reached the second's file ($how): $out"
        $AS_V sh -c "echo theirs >'$SH/vws/f'; rm -f '$SH/vws/new2'"
    fi
    rm -rf "$WS/hl" "$WS/sl" "$WS/moved"
done

# 1d. The same with the runner's kernel layers switched off by the caller
# (CORDON_DISABLE passes to the runner): the sandbox user's own rights
# would then reach the second user's workspace, so with more than one
# allowed user the runner drops the switch and still runs under Landlock
# and the read-only mount view.
for dis in landlock userns landlock,userns landlock,userns,seccomp; do
    out=$(cd "$WS" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin CORDON_SHIM_DIR="$CORDON_SHIM_DIR" \
        CORDON_DISABLE=$dis "$CORDON" run -- sh -c "id -un; echo stolen >>'$SH/vws/f'; echo new >'$SH/vws/new2'" 2>&1)
    if [ "$(cat "$SH/vws/f" 2>/dev/null)" = theirs ] && [ ! -e "$SH/vws/new2" ] &&
        printf '%s' "$out" | grep -q '^cordon-offline$'; then pass; else
        fail "CORDON_DISABLE=$dis: the first user's run wrote the second's workspace: $out"
        $AS_V sh -c "echo theirs >'$SH/vws/f'; rm -f '$SH/vws/new2'"
    fi
done

# 1c. A bind mount of the second user's workspace into the first user's
# root can only be made in a user namespace of the first user's, where the
# runner's file capabilities give nothing on the host: the run there does
# not write through it. Control: the bind shows the file.
$AS_USER mkdir -p "$WS/cross-bind"
if $AS_USER unshare -Urm true 2>/dev/null; then
    out=$(cd "$WS" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin CORDON_SHIM_DIR="$CORDON_SHIM_DIR" \
        unshare -Urm sh -c "mount --bind '$SH/vws' '$WS/cross-bind' && cat '$WS/cross-bind/f' &&
            '$CORDON' run -- sh -c 'id -un; echo stolen >cross-bind/f; echo new >cross-bind/new2'" 2>&1)
    case $out in theirs*) pass ;; *) fail "control: the bind in a user namespace: $out" ;; esac
    if [ "$(cat "$SH/vws/f" 2>/dev/null)" = theirs ] && [ ! -e "$SH/vws/new2" ]; then pass; else
        fail "a run in the first user's namespace wrote through a bind of the second's workspace: $out"
        $AS_V sh -c "echo theirs >'$SH/vws/f'; rm -f '$SH/vws/new2'"
    fi
else
    echo "unprivileged user namespaces are not available: the bind shape is not tried"
fi
rmdir "$WS/cross-bind" 2>/dev/null

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
    $AS_USER ln "$SH/vws/f" "$WS/cross-link" 2>/dev/null && fail "linked another user's file with protected_hardlinks 1" || pass
    echo 0 >/proc/sys/fs/protected_hardlinks
    $AS_USER ln "$SH/vws/f" "$WS/cross-link" && pass || fail "control: no link with protected_hardlinks 0"
    out=$(cd / && $AS_USER $C spawn-root "$WS" 2>&1)
    b=$(backend_of "$AS_USER" "$TH" "$WS")
    run=$(as_in "$AS_USER" "$TH" "$WS" run -- sh -c 'echo stolen >cross-link' 2>&1)
    echo 1 >/proc/sys/fs/protected_hardlinks
    printf '%s\n' "$out" | grep -q "^ERROR caller 1 fs.protected_hardlinks is not 1" && pass ||
        fail "the runner ran with protected_hardlinks 0: $out"
    case "$b" in "linux-unelevated "*"fs.protected_hardlinks is not 1"*) pass ;; *) fail "level with protected_hardlinks 0: $b" ;; esac
    [ "$(cat "$SH/vws/f")" = theirs ] && pass || fail "wrote another user's file through a hard link: $run"
    rm -f "$WS/cross-link"
    b=$(backend_of "$AS_USER" "$TH" "$WS")
    case "$b" in "linux-elevated "*) pass ;; *) fail "control: level with protected_hardlinks 1: $b" ;; esac
else
    echo "fs.protected_hardlinks is $HL here: the hard link shape is not tried"
fi
finish
