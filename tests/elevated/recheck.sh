#!/bin/sh
# A run's probe trusts what an earlier "cordon-runner check" said of the
# runner's primitives (remembered per user for the boot and the runner
# file) and leaves the firewall to the runner, which tries it as the
# offline user just before the command starts. Each way that can go wrong
# after the probe must end in a run that reports what really held, never
# in one with `network` or a namespace level reported enforced without it:
#   - the rules flushed after the check was remembered: the runner refuses,
#     cordon probes live and falls back to linux-unelevated, naming the
#     rules in fallback_reason; --require network=enforced still holds;
#   - what is remembered claims more than the runner applies now (user
#     namespaces switched off): the runner refuses, cordon probes live and
#     runs on the elevated tier with the lower levels, and remembers them.
. "$CORDON_SOURCE/tests/elevated/common.sh"
need_install
# A workspace of this test's own (elevated_grants checks the first grant
# of the fixture's).
WS=$(cat "$CORDON_TEST_STATE/base")/ws-recheck
mkdir -p "$WS" && chown "$TU:" "$WS"
ST=$TH/.local/state/cordon
REP=$TH/recheck-report.json
reinstall() { "$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" >/dev/null 2>&1; }
# field REPORT EXPR: a field of the run report (EXPR uses d)
field() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# The run's levels as the report gives them.
levels() { field "$REP" "d['$1']"; }
rm -f "$REP"

# Control: a run remembers the runner's primitives and runs elevated; a
# second run does not start "cordon-runner check" (one runner process).
out=$(cordon_as run --policy read-only --report "$REP" -- id -un)
[ "$out" = cordon-offline ] && pass || fail "control run: '$out'"
[ "$(levels backend)" = linux-elevated ] && pass || fail "control report: $(cat "$REP")"
grep -qE '^boot [0-9a-f-]+ runner [0-9 .]+ userns sysctls [0-9-]+ [0-9-]+ [0-9-]+ disable -; userns=[01] landlock=[0-9]+ seccomp=[01] gate=[01] protocol=[0-9]+$' \
    "$ST/runner-primitives" && pass || fail "nothing remembered: $(cat "$ST/runner-primitives" 2>&1)"
if command -v strace >/dev/null; then
    strace -f -qq -e trace=execve -o "$TH/recheck.strace" \
        sh -c "cd '$WS' && $AS_USER env HOME='$TH' PATH=/usr/bin:/bin '$CORDON' run --policy read-only -- true"
    n=$(grep -c 'execve("/usr/local/libexec/cordon/cordon-runner"' "$TH/recheck.strace")
    [ "$n" = 1 ] && pass || fail "a run started the runner $n times: $(grep runner "$TH/recheck.strace")"
    grep -q '"check"' "$TH/recheck.strace" && fail "a run with the primitives remembered ran cordon-runner check"
    rm -f "$TH/recheck.strace"
fi
# What another boot remembered is not used: an entry of a made-up boot
# claiming less is replaced by the live answer (where the runner has its
# namespaces here, the run's secrets_read shows which answer was used).
if grep -q ' userns=1 ' "$ST/runner-primitives"; then
    sed -i 's/^boot [0-9a-f-]* /boot 00000000-0000-0000-0000-000000000000 /; s/ userns=1 / userns=0 /' \
        "$ST/runner-primitives"
    cordon_as run --report "$REP" -- true
    [ "$(field "$REP" "d['dimensions']['secrets_read']")" = enforced ] && pass ||
        fail "another boot's primitives were used: $(cat "$REP")"
    grep -q '^boot 00000000-' "$ST/runner-primitives" && fail "another boot's entry was kept"
    grep -q ' userns=1 ' "$ST/runner-primitives" && pass || fail "not remembered again: $(cat "$ST/runner-primitives")"
fi
# What a runner of another protocol said is not trusted: a remembered
# line without the protocol (as an older cordon wrote it) has the check
# run live again, which remembers this runner's own answer.
sed -i 's/ protocol=[0-9]*$//' "$ST/runner-primitives"
cordon_as run --policy read-only -- true && pass || fail "run after an entry without the protocol"
grep -q ' protocol=[0-9]*$' "$ST/runner-primitives" && pass ||
    fail "an entry without the protocol was trusted: $(cat "$ST/runner-primitives")"
# Network on: the online user, which the rules leave alone.
out=$(cordon_as run --policy read-only --network on -- id -un)
[ "$out" = cordon-online ] && pass || fail "network on: '$out'"

# 1. The rules flushed after the primitives were remembered.
nft flush chain inet cordon output
out=$(cordon_as run --policy read-only --report "$REP" -- id -un)
[ "$out" = "$TU" ] && pass || fail "rules flushed: the command ran as '$out', not through linux-unelevated as $TU"
[ "$(levels backend)" = linux-unelevated ] && pass || fail "rules flushed: report $(cat "$REP")"
levels fallback_reason | grep -q "^linux-elevated: the nftables rules inet cordon are not in force: a UDP send to 127.0.0.1 port 9 as cordon-offline was not refused" &&
    pass || fail "rules flushed: fallback_reason $(cat "$REP")"
# What was remembered is forgotten once the live check found the rules
# not in force (later runs check live rather than start the runner only
# to be refused).
grep -q 'userns=' "$ST/runner-primitives" 2>/dev/null &&
    fail "rules flushed: still remembered: $(cat "$ST/runner-primitives")" || pass
# Never network enforced by rules that did not hold: the level the run
# reports is the unelevated tier's own (its seccomp and network namespace).
[ "$(field "$REP" "d['dimensions']['network']")" = enforced ] && pass ||
    fail "rules flushed: network level $(cat "$REP")"
cordon_as run --policy read-only --require network=enforced -- true && pass ||
    fail "rules flushed: --require network=enforced through linux-unelevated"
# The runner's own refusal, as a client that skips the probe would meet it.
out=$(cordon_as run --policy read-only -- id -un)
[ "$out" = "$TU" ] && pass || fail "rules flushed, second run: '$out'"
reinstall
out=$(cordon_as run --policy read-only -- id -un)
[ "$out" = cordon-offline ] && pass || fail "rules restored: '$out'"

# 2. What is remembered claims user namespaces the runner does not apply
# now (CORDON_DISABLE=userns reaches the runner; the key is forged to
# match it).
sed -i 's/ disable -; userns=[01] / disable userns; userns=1 /' "$ST/runner-primitives"
grep -q 'disable userns; userns=1 ' "$ST/runner-primitives" && pass || fail "forging the remembered primitives"
out=$(CORDON_DISABLE=userns cordon_as run --report "$REP" -- id -un)
[ "$out" = cordon-offline ] && pass || fail "forged primitives: '$out'"
[ "$(field "$REP" "d['backend'], d['dimensions']['secrets_read']")" = "linux-elevated none" ] &&
    pass || fail "forged primitives: the run reports $(cat "$REP")"
grep -q 'disable userns; userns=0 ' "$ST/runner-primitives" && pass ||
    fail "forged primitives not replaced: $(cat "$ST/runner-primitives")"
# Control: without the switch the namespaces are there and claimed.
out=$(cordon_as run --report "$REP" -- id -un)
[ "$out" = cordon-offline ] && [ "$(field "$REP" "d['dimensions']['secrets_read']")" = enforced ] &&
    pass || fail "namespaces back: '$out' $(cat "$REP")"
rm -f "$REP"
finish
