#!/bin/sh
# Fallback: each kind of damage makes linux-elevated not ready, selection
# falls to linux-unelevated by itself, and fallback_reason names exactly
# that damage; after each, install repairs it and the tier is back.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
R=/usr/local/libexec/cordon/cordon-runner
reinstall() { "$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" >/dev/null 2>&1; }
backend() { json_field "$1" "d['backend']"; }
# expect_fallback WHAT PATTERN
expect_fallback() {
    js=$(cordon_as level --policy read-only --json)
    if [ "$(backend "$js")" = linux-unelevated ] &&
        json_field "$js" "d['fallback_reason']" | grep -q "^linux-elevated: $2"; then
        pass
    else
        fail "$1: $js"
    fi
    # A run refused from the elevated tier is not run weaker in silence:
    # the floor on network still holds through the unelevated tier here.
    cordon_as run --policy read-only --require network=enforced -- true && pass ||
        fail "$1: --require network=enforced through linux-unelevated"
    reinstall
    js=$(cordon_as level --policy read-only --json)
    [ "$(backend "$js")" = linux-elevated ] && pass || fail "$1: not repaired: $js"
}
[ "$(backend "$(cordon_as level --policy read-only --json)")" = linux-elevated ] && pass || fail "not ready at the start"

mv /etc/cordon/setup.json /etc/cordon/setup.json.away
js=$(cordon_as level --policy read-only --json)
mv /etc/cordon/setup.json.away /etc/cordon/setup.json
[ "$(backend "$js")" = linux-unelevated ] && json_field "$js" "d['fallback_reason']" |
    grep -q "^linux-elevated: setup has not been run (no /etc/cordon/setup.json)" && pass || fail "marker removed: $js"

nft flush chain inet cordon output
expect_fallback "table flushed" "the nftables rules inet cordon are not in force: a UDP send to 127.0.0.1 port 9 as cordon-offline was not refused"
# A run that had passed the probe still meets the runner's own check.

$PY -c "import os; os.removexattr('$R', 'security.capability')"
expect_fallback "runner caps removed" "the runner $R has file capabilities \"none\", setup recorded \"cap_setgid,cap_setuid=p\""

printf 'x' >>"$R"
expect_fallback "runner changed" "the runner $R has changed since setup"

chmod 666 /etc/cordon/setup.json
expect_fallback "marker writable" "/etc/cordon/setup.json cannot be used: owned by uid 0 with mode 0666"
chmod 644 /etc/cordon/setup.json

userdel cordon-online
expect_fallback "user deleted" "sandbox user cordon-online recorded by setup does not exist"

# A user an administrator removed from cordon-users: at once, even though
# this session still carries the group.
gpasswd -d "$TU" cordon-users >/dev/null
expect_fallback "caller removed from the group" "$TU is not in group cordon-users"
finish
