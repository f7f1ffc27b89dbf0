#!/bin/sh
# cordon-setup on a live installation: verify finds each kind of damage
# and names it, install repairs it, and install refuses what it must.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
R=/usr/local/libexec/cordon/cordon-runner
reinstall() { "$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" >/dev/null 2>&1 && "$CORDON_SETUP" verify >/dev/null; }
# expect_verify WHAT PATTERN: verify exits 1 and names PATTERN.
expect_verify() {
    out=$("$CORDON_SETUP" verify 2>&1)
    rc=$?
    if [ $rc = 1 ] && printf '%s\n' "$out" | grep -q "$2"; then pass; else fail "$1: verify exited $rc: $out"; fi
    reinstall && pass || fail "$1: install did not repair it"
}

"$CORDON_SETUP" verify >/dev/null && pass || fail "verify before the damage"

# AppArmor: the step, status and verify follow what this host's sysctl
# says (the restriction itself cannot be made here: linux_apparmor tests
# the detection on fake /proc/sys trees).
aa=$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo absent)
out=$("$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" 2>&1)
js=$("$CORDON_SETUP" status --json)
if [ "$aa" = 1 ]; then
    printf '%s' "$out" | grep -qE "AppArmor profile for the runner \.\.\. ok: /etc/apparmor.d/cordon-runner (unchanged|written)" &&
        pass || fail "AppArmor step on a restricting host: $out"
    [ -f /etc/apparmor.d/cordon-runner ] && pass || fail "no profile on a restricting host"
    [ "$(json_field "$js" "d['apparmor_restricts_userns']")" = True ] && pass || fail "status: $js"
else
    printf '%s' "$out" | grep -qF "AppArmor profile for the runner ... ok: not needed: this host does not restrict user namespaces through AppArmor" &&
        pass || fail "AppArmor step on a host without the restriction: $out"
    [ ! -e /etc/apparmor.d/cordon-runner ] && pass || fail "a profile was written where none is needed"
    [ "$(json_field "$js" "d['apparmor_restricts_userns']")" = False ] && pass || fail "status: $js"
fi
[ "$(json_field "$js" "[c['ok'] for c in d['checks'] if c['name'] == 'apparmor']")" = "[True]" ] &&
    pass || fail "status has no passing apparmor check: $js"
"$CORDON_SETUP" status | grep -qE "^  apparmor +ok " && pass || fail "status text: $("$CORDON_SETUP" status)"

nft flush chain inet cordon output
expect_verify "rules flushed" "problem: nftables: table inet cordon lacks the drop rule"
nft delete table inet cordon
expect_verify "table deleted" "problem: nftables: table inet cordon is not loaded"

$PY -c "import os; os.removexattr('$R', 'security.capability')"
expect_verify "runner caps removed" 'problem: runner: .* has capabilities "", not "cap_setgid,cap_setuid=p"'
cp "$R" "$R.bak" && printf 'x' >>"$R"
expect_verify "runner changed" "problem: runner: .* has changed since setup"
rm -f "$R.bak"

chmod 666 /etc/cordon/setup.json
expect_verify "marker writable by others" "problem: marker: .*not root-owned and writable by root alone"
printf '{"format":"cordon-setup-marker","version":3}' >/etc/cordon/setup.json
expect_verify "marker from a newer setup" "problem: marker: .*version is 3, this cordon reads versions 1 to 2"

rm /etc/systemd/system/cordon-nftables.service 2>/dev/null && \
    expect_verify "unit removed" "problem: persistence"

# install refuses what it must, naming the step and the fix.
out=$(env -u SUDO_USER -u PKEXEC_UID "$CORDON_SETUP" install --runner "$CORDON_RUNNER" 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "step 1/11 (allowed users) failed: .*cordon-setup install --user NAME"; then pass; else fail "install without a user: $rc: $out"; fi
out=$("$CORDON_SETUP" install --user cordon-test-nobody-here --runner "$CORDON_RUNNER" 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "user cordon-test-nobody-here does not exist"; then pass; else fail "install for a missing user: $rc: $out"; fi
out=$("$CORDON_SETUP" install --user "$TU" --runner /nonexistent/cordon-runner 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "step 7/11 .*/nonexistent/cordon-runner: open: errno 2"; then pass; else fail "install with a missing runner: $rc: $out"; fi
out=$($AS_USER "$CORDON_SETUP" verify 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "must run as root"; then pass; else fail "verify as a user: $rc: $out"; fi
out=$("$CORDON_SETUP" frobnicate 2>&1)
[ $? = 2 ] && pass || fail "unknown command: $out"
"$CORDON_SETUP" verify >/dev/null && pass || fail "verify at the end"
finish
