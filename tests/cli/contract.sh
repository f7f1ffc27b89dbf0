#!/bin/sh
# The level JSON has exactly the documented keys, and a default run either
# runs sandboxed with the network-off environment or is refused with 125.
set -u
: "${CORDON:?}"
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAILED: $1"; fail=1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-test-contract.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$CORDON" level --json > "$work/level.json" || { echo "level --json failed"; exit 1; }
if python3 - "$work/level.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["backend", "tier", "enforcement_level", "dimensions", "reasons", "fallback_reason"], list(d)
assert list(d["dimensions"]) == ["fs_write", "protected_paths", "network", "secrets_read"]
assert d["enforcement_level"] == d["dimensions"]["network"]
for k, v in d["dimensions"].items():
    assert v in ("none", "advisory", "enforced")
    assert v == "enforced" or d["reasons"].get(k), "no reason for " + k
PY
then ok "level --json has exactly the documented keys; every level below enforced has a reason"
else bad "level --json keys"
fi

"$CORDON" explain --os windows --json > "$work/plan.json" || { echo "explain --os windows failed"; exit 1; }
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["plan"]["os"]=="windows" and d["levels"] is None' "$work/plan.json"
then ok "explain --os windows --json is a windows plan"
else bad "explain --os windows --json"
fi

# One tier's plan: the Windows elevated plan on any host (the sandbox
# user, the runner request, the firewall rules expected), and nothing of
# the unelevated tier's token; the unelevated one the other way round; no
# elevated plan for Linux, said so.
"$CORDON" explain --os windows --tier elevated --json > "$work/eplan.json" || { echo "explain --tier elevated failed"; exit 1; }
if python3 -c '
import json,sys
p=json.load(open(sys.argv[1]))["plan"]
e=p["windows_elevated"]
assert p["tier"]=="elevated" and "windows" not in p, p.keys()
for k in ("identity","runner_request","firewall_rules"):
    assert k in e, (k, sorted(e))
' "$work/eplan.json"
then ok "explain --os windows --tier elevated --json is the elevated plan alone"
else bad "explain --tier elevated: $(head -c 400 "$work/eplan.json")"
fi
"$CORDON" explain --os windows --tier unelevated --json > "$work/uplan.json" &&
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["plan"]; assert p["tier"]=="unelevated" and "windows" in p and "windows_elevated" not in p' "$work/uplan.json" &&
    ok "explain --tier unelevated keeps the restricted token's plan alone" || bad "explain --tier unelevated"
if "$CORDON" explain --os linux --tier elevated > "$work/lin.out" 2>&1; then bad "explain --os linux --tier elevated succeeded"
elif grep -q "elevated plan for Windows only" "$work/lin.out"; then ok "explain --os linux --tier elevated says why not"
else bad "explain --os linux --tier elevated: $(cat "$work/lin.out")"
fi

# A root whose name is not UTF-8 (Latin-1 "café"): every JSON output stays
# valid UTF-8 and gives the name back byte for byte (surrogateescape).
odd="$work/$(printf 'caf\351')"
mkdir "$odd"
"$CORDON" explain --json -w "$odd" > "$work/odd-plan.json" 2>"$work/odd.err"
"$CORDON" level --json -w "$odd" > "$work/odd-level.json" 2>>"$work/odd.err"
if python3 - "$work/odd-plan.json" "$odd" <<'PY'
import json, os, sys
raw = open(sys.argv[1], "rb").read()
doc = json.loads(raw.decode("utf-8"))  # strict: raises on invalid UTF-8
roots = [os.fsencode(r) for r in doc["plan"]["writable_roots"]]
assert os.fsencode(sys.argv[2]) in roots, (roots, sys.argv[2])
PY
then ok "explain --json with a non-UTF-8 root is valid UTF-8 and gives the name back"
else bad "explain --json with a non-UTF-8 root: $(cat "$work/odd.err")"
fi
if python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$work/odd-level.json"
then ok "level --json with a non-UTF-8 root is valid UTF-8"
else bad "level --json with a non-UTF-8 root"
fi

backend=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backend"] or "")' "$work/level.json")
"$CORDON" run -C "$work" -- sh -c 'echo "$CORDON_NETWORK $HTTPS_PROXY"; command -v ssh' > "$work/out" 2> "$work/err"
rc=$?
if [ -n "$backend" ]; then
  [ $rc -eq 0 ] && ok "default run succeeds with $backend" || bad "default run with $backend: exit $rc: $(cat "$work/err")"
  grep -q '^off http://127.0.0.1:9$' "$work/out" && ok "network-off environment reaches the command" || bad "environment: $(cat "$work/out")"
  grep -q 'ssh$' "$work/out" && ! grep -q '^/usr/bin/ssh$' "$work/out" && ok "the ssh stub is first on PATH" || bad "ssh on PATH: $(cat "$work/out")"
else
  [ $rc -eq 125 ] && ok "default run is refused with 125 when no backend is available" || bad "exit $rc without a backend"
  grep -q 'no sandbox backend' "$work/err" && ok "the refusal says why" || bad "refusal message: $(cat "$work/err")"
fi

# The run report has exactly the documented keys, in order, started or not;
# a run that did not start carries no level that was not determined.
"$CORDON" run -C "$work" --report "$work/rep-ran.json" -- sh -c 'exit 5' >/dev/null 2>&1
"$CORDON" run -C "$work" --report "$work/rep-args.json" --timeout never -- true >/dev/null 2>&1
"$CORDON" run -C "$work" --report "$work/rep-missing.json" -- cordon-test-no-such-command >/dev/null 2>&1
if python3 - "$work" <<'PY'
import json, sys
keys = ["started", "backend", "tier", "enforcement_level", "dimensions", "reasons",
        "fallback_reason", "exit_status", "ran", "exit_code", "signal", "timed_out",
        "timeout_signal", "duration_s", "denials", "cost", "error"]
d = sys.argv[1]
ran = json.load(open(d + "/rep-ran.json"))
args = json.load(open(d + "/rep-args.json"))
missing = json.load(open(d + "/rep-missing.json"))
for r in (ran, args, missing):
    assert list(r) == keys, list(r)
if ran["backend"]:
    assert ran["started"] is True and ran["exit_status"] == 5 and ran["exit_code"] == 5, ran
    assert ran["error"] is None and ran["enforcement_level"] == ran["dimensions"]["network"], ran
assert args["started"] is False and args["exit_status"] == 125, args
assert all(args[k] is None for k in keys[1:7] + ["exit_code", "signal", "timed_out",
                                                 "timeout_signal", "duration_s", "denials"]), args
if ran["backend"]:
    assert ran["denials"] == [], ran
assert args["error"]["code"] == 1 and "--timeout" in args["error"]["message"], args
assert missing["started"] is False and missing["exit_code"] is None, missing
assert missing["exit_status"] in (125, 127), missing
assert missing["backend"] is None or missing["dimensions"] is not None, missing
PY
then ok "the run report has exactly the documented keys; not started means null, never a guessed level"
else bad "run report keys"
fi
exit $fail
