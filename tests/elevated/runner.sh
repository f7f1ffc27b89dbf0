#!/bin/sh
# cordon-runner refuses callers outside cordon-users and requests cordon
# would never send, each with the stage and a clear message; the same
# client's well-formed request from an allowed user runs (positive control).
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
R=/usr/local/libexec/cordon/cordon-runner
cp "$HERE/runner_client.py" "$CORDON_TEST_STATE/client.py" && chmod 644 "$CORDON_TEST_STATE/client.py"
chmod 755 "$CORDON_TEST_STATE"
C="$PY $CORDON_TEST_STATE/client.py $R"
expect() { # WHO MODE PATTERN
    who=$1 mode=$2 pat=$3
    out=$(cd / && $who $C "$mode" "$WS" 2>&1)
    if printf '%s\n' "$out" | grep -q "$pat"; then pass; else fail "$mode as $who: wanted /$pat/ in: $out"; fi
}
# Positive control: an allowed user's well-formed request runs /bin/true.
expect "$AS_USER" spawn-true "^EXIT 0 0"
# A caller outside cordon-users (it may execute the file through the group
# it carries, but is not listed in the group): refused before reading anything.
expect "$AS_OUTSIDER" spawn-true "^ERROR caller 1 nobody (uid 65534) is not in group cordon-users"
# Without the group, the file (mode 0750, group cordon-users) cannot be
# executed; where the kernel lets it run anyway, the runner itself refuses.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$R" check 2>&1)
rc=$?
if printf '%s' "$out" | grep -q "Permission denied" ||
    { [ $rc = 2 ] && printf '%s' "$out" | grep -q "is not in group cordon-users: the runner refuses"; }; then
    pass
else
    fail "a non-member ran the runner: exit $rc: $out"
fi
# A root the caller cannot write itself, although the sandbox users can
# (as another allowed user's granted workspace is): refused before the
# runner changes identity; the caller's own workspace as a root runs.
expect "$AS_USER" spawn-root "^EXIT 0 0"
# The runner keeps nothing of its caller's environment but CORDON_DISABLE:
# a tool cache directory named by XDG_CACHE_HOME (which would become a
# root the request did not name, past the roots' check) and a state
# directory named by XDG_STATE_HOME are not used.
XDG=$CORDON_TEST_STATE/cordon-test-xdg
mkdir -p "$XDG/cache/cordon/tools" "$XDG/state" && chmod -R 777 "$XDG"
out=$(cd / && $AS_USER env XDG_CACHE_HOME="$XDG/cache" XDG_STATE_HOME="$XDG/state" $C spawn-root "$WS" 2>&1)
printf '%s\n' "$out" | grep -q "^EXIT 0 0" && pass || fail "runner with the caller's XDG directories: $out"
[ -z "$(ls -A "$XDG/state")" ] && pass || fail "the runner wrote state where its caller said: $(ls -A "$XDG/state")"
rm -rf "$XDG"
OTHER=$CORDON_TEST_STATE/cordon-test-other-root
mkdir -p "$OTHER" && chmod 755 "$OTHER" && setfacl -m u:cordon-offline:rwx,u:cordon-online:rwx "$OTHER"
out=$(cd / && $AS_USER $C spawn-root "$OTHER" 2>&1)
printf '%s\n' "$out" | grep -q "^ERROR caller 13 uid [0-9]* cannot write the root $OTHER itself" && pass ||
    fail "a root only the sandbox users can write: $out"
# The same through cordon: nothing is written there.
out=$(cd "$OTHER" && $AS_USER env HOME="$TH" PATH=/usr/bin:/bin "$CORDON" run -- sh -c 'echo x > f' 2>&1)
[ ! -e "$OTHER/f" ] && pass || fail "cordon run wrote into a root its caller cannot write: $out"
rm -rf "$OTHER"
# Malformed requests from an allowed user.
expect "$AS_USER" garbage "^ERROR request 71 runner protocol: invalid message"
expect "$AS_USER" version "^ERROR request 71 runner protocol: frame version 4"
expect "$AS_USER" truncated "^ERROR request 71 runner protocol: the other side closed the connection in the middle"
expect "$AS_USER" nofds "^ERROR stdio 71 the request passes 3 stdio descriptors, 0 came with it"
# Started by hand, without cordon's socket.
out=$($AS_USER "$R" 2>&1)
[ $? = 2 ] && printf '%s' "$out" | grep -q "not cordon's socket" && pass || fail "runner by hand: $out"
finish
