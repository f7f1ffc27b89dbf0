#!/bin/sh
# The linux-elevated backend on a live installation, as the test user:
# selection, levels and their reasons, the identity commands run as, the
# user's secrets out of reach, and fallback when the workspace is not
# granted to the sandbox users.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install

js=$(cordon_as level --policy read-only --json)
[ "$(json_field "$js" "d['backend'], d['tier'], d['enforcement_level']")" = "linux-elevated elevated enforced" ] &&
    pass || fail "level read-only: $js"
[ "$(json_field "$js" "d['fallback_reason']")" = None ] && pass || fail "fallback_reason: $js"
txt=$(cordon_as level --policy read-only)
printf '%s' "$txt" | grep -q "nftables table inet cordon drops every packet" && pass || fail "network reason: $txt"
printf '%s' "$txt" | grep -q "TCP, UDP, ICMP" && pass || fail "network reason names the protocols: $txt"

# Who runs: the offline user, or the online one with network on.
out=$(cordon_as run --policy read-only -- id -un)
[ "$out" = cordon-offline ] && pass || fail "read-only runs as: $out"
out=$(cordon_as run --policy read-only --network on -- id -un)
[ "$out" = cordon-online ] && pass || fail "network on runs as: $out"
# No capability, no way back, no_new_privs.
out=$(cordon_as run --policy read-only -- sh -c 'grep -E "^(CapPrm|CapEff|CapAmb|NoNewPrivs)" /proc/self/status')
printf '%s\n' "$out" | grep -qE '^CapPrm:\s+0+$' && printf '%s\n' "$out" | grep -qE '^CapEff:\s+0+$' &&
    printf '%s\n' "$out" | grep -qE '^NoNewPrivs:\s+1$' && pass || fail "capabilities in the command: $out"
# Exit status and signals come back.
cordon_as run --policy read-only -- sh -c 'exit 7'
[ $? = 7 ] && pass || fail "exit status not relayed"
cordon_as run --policy read-only -- sh -c 'kill -TERM $$'
[ $? = 143 ] && pass || fail "signal not relayed"
cordon_as run --policy read-only -- /nonexistent/tool 2>/dev/null
[ $? = 127 ] && pass || fail "missing command is not 127"
# A timeout ends the tree (the runner kills it), including a process in
# another session.
start=$(date +%s)
cordon_as run --policy read-only --timeout 1 -- sh -c 'setsid sleep 30 & sleep 30'
rc=$?
[ $rc = 124 ] && [ $(( $(date +%s) - start )) -lt 15 ] && pass || fail "timeout: exit $rc"
sleep 0.5
pgrep -u cordon-offline >/dev/null && fail "processes of cordon-offline are left: $(pgrep -a -u cordon-offline)" || pass

# The user's secret: its owner reads it (control), the sandbox does not.
$AS_USER cat "$TH/.ssh/id_test" >/dev/null && pass || fail "control: the owner cannot read its key"
out=$(cordon_as run --policy read-only -- cat "$TH/.ssh/id_test" 2>&1)
[ $? != 0 ] && printf '%s' "$out" | grep -q "Permission denied" && pass || fail "sandbox read the key: $out"

finish
