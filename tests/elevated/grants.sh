#!/bin/sh
# workspace-write on the elevated tier: the first run grants the sandbox
# users the workspace with POSIX ACLs (the protected paths left out), the
# command writes there and nowhere else, what it creates stays usable by
# the real user, a later run writes no ACL, and revoke removes every entry.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
cp "$HERE/acl_ids.py" "$CORDON_TEST_STATE/" && chmod 644 "$CORDON_TEST_STATE/acl_ids.py"
ACL="$PY $CORDON_TEST_STATE/acl_ids.py"
OFF=$(id -u cordon-offline)
ON=$(id -u cordon-online)
# A workspace of its own: the fixture's is shared by every elevated test,
# and any of them may have run (and granted) there first, in whatever
# order CTest schedules them.
WS=$(dirname "$WS")/ws-grants
rm -rf "$WS" && mkdir "$WS" && chown "$TU:$TU" "$WS" || { fail "cannot make $WS"; finish; exit 1; }
# The user's own files before any grant: an existing file, a nested one,
# a protected .git.
$AS_USER sh -c "cd '$WS' && echo old >existing.txt && mkdir -p sub/dir .git && echo f >sub/dir/file && echo cfg >.git/config"
before=$($ACL "$WS")
[ -z "$before" ] && pass || fail "the workspace has ACL entries before the first run: $before"

js=$(cordon_as level --json)
[ "$(json_field "$js" "d['backend']")" = linux-elevated ] && pass || fail "workspace-write not elevated: $js"
# protected_paths as the runner's namespaces allow here (defence.sh tries it).
case "$($AS_USER /usr/local/libexec/cordon/cordon-runner check | sed -n 2p)" in
*userns=1*) [ "$(json_field "$js" "d['dimensions']['protected_paths']")" = enforced ] ;;
*) json_field "$js" "d['reasons']['protected_paths']" | grep -q "renaming one (.git)" ;;
esac && pass || fail "protected_paths: $js"

out=$(cordon_as run -- sh -c 'id -un; echo new >new.txt && echo more >>existing.txt && echo x >sub/dir/made && mkdir newdir && echo y >newdir/f' 2>&1)
rc=$?
[ $rc = 0 ] && printf '%s' "$out" | grep -q '^cordon-offline$' && pass || fail "writing in the workspace: $rc: $out"
[ "$(stat -c %U "$WS/new.txt")" = cordon-offline ] && pass || fail "new.txt owner"
# The tool cache (another root, in the home) is granted too, and the
# directories above it the sandbox users could not enter get search only.
CACHE=$TH/.cache/cordon/tools
$ACL "$CACHE" | grep -q " $OFF\$" && pass || fail "the tool cache is not granted"
out=$(cordon_as run -- sh -c "echo c >'$CACHE/cordon-test' && ls '$CACHE' >/dev/null && rm '$CACHE/cordon-test'" 2>&1)
[ $? = 0 ] && pass || fail "writing in the tool cache: $out"
# Granted: root, existing files and dirs; not the protected path.
$ACL "$WS" "$WS/existing.txt" "$WS/sub/dir/file" | grep -q " $OFF\$" && pass || fail "no grant on the workspace"
$ACL "$WS/.git" "$WS/.git/config" | grep -qE " ($OFF|$ON)\$" && fail "the protected .git got a sandbox entry" || pass
out=$(cordon_as run -- sh -c 'echo x >.git/config' 2>&1)
[ $? != 0 ] && pass || fail "the sandbox wrote .git/config"
[ "$(cat "$WS/.git/config")" = cfg ] && pass || fail ".git/config changed"
# Outside the roots: the user's home (no grant) and a world-writable
# directory (Landlock).
out=$(cordon_as run -- sh -c "echo x >'$TH/outside.txt'" 2>&1)
[ $? != 0 ] && [ ! -e "$TH/outside.txt" ] && pass || fail "wrote in the home: $out"
out=$(cordon_as run -- sh -c "echo x >/var/tmp/cordon-test-elev-outside-$$" 2>&1)
[ $? != 0 ] && [ ! -e "/var/tmp/cordon-test-elev-outside-$$" ] && pass || { fail "wrote in /var/tmp: $out"; rm -f "/var/tmp/cordon-test-elev-outside-$$"; }
# What the sandbox made stays the real user's to read, write and delete.
$AS_USER sh -c "cd '$WS' && cat new.txt >/dev/null && echo mine >>new.txt && echo z >newdir/g && rm newdir/f newdir/g && rmdir newdir && rm new.txt sub/dir/made" &&
    pass || fail "the real user cannot use what the sandbox made"
[ "$(cat "$WS/existing.txt")" = "old
more" ] && pass || fail "existing.txt: $(cat "$WS/existing.txt")"
# Steady state: a second run writes no ACL (the granted files' ctime
# stays; the root's own moves when the run's placeholders for missing
# protected paths come and go).
c1=$(stat -c %Z "$WS/existing.txt" "$WS/sub/dir/file" "$WS/sub")
ROOT_ACL="import os, sys; print(os.getxattr(sys.argv[1], 'system.posix_acl_access').hex())"
a1=$($PY -c "$ROOT_ACL" "$WS")
sleep 1.1
cordon_as run -- true && pass || fail "second run"
[ "$(stat -c %Z "$WS/existing.txt" "$WS/sub/dir/file" "$WS/sub")" = "$c1" ] && pass || fail "the second run changed the granted files' metadata"
[ -n "$a1" ] && [ "$($PY -c "$ROOT_ACL" "$WS")" = "$a1" ] && pass || fail "the second run changed the root's ACL"
# list and revoke.
out=$(cd "$WS" && $AS_USER env HOME="$TH" "$CORDON" grants list)
printf '%s' "$out" | grep -q "\"path\":\"$WS\"" && pass || fail "grants list: $out"
(cd / && $AS_USER env HOME="$TH" "$CORDON" grants revoke --all) && pass || fail "grants revoke --all"
left=$(find "$TH" "$WS" -xdev \( -type d -o -type f \) -exec $ACL {} + | grep -E " ($OFF|$ON)\$")
[ -z "$left" ] && pass || fail "entries left after revoke: $left"
out=$(cd "$WS" && $AS_USER env HOME="$TH" "$CORDON" grants list)
printf '%s' "$out" | grep -q "$WS" && fail "still listed after revoke: $out" || pass
# Granted again by the next run: uninstall must take it away (the fixture checks).
cordon_as run -- true && pass || fail "run after revoke"
$ACL "$WS" | grep -q " $OFF\$" && pass || fail "not granted again"
finish
