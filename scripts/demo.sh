#!/usr/bin/env bash
# The demonstration: installs what is needed, builds cordon, and runs a
# command that tries to write inside and outside its workspace, touch a
# protected path and reach the network, then shows what this host enforces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/native -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
cordon=$PWD/build/native/cli/cordon

ws=$(mktemp -d "${TMPDIR:-/tmp}/cordon-demo.XXXXXX")
outside=$(mktemp -d "${TMPDIR:-/tmp}/cordon-demo-outside.XXXXXX")
trap 'rm -rf "$ws" "$outside"' EXIT
git init -q "$ws"
export CORDON_DEMO_OUTSIDE=$outside

echo "== What this host enforces for the default policy (workspace-write, network off)"
"$cordon" level
echo
"$cordon" level --json
echo
echo "== A command in the sandbox, workspace $ws"
set +e
"$cordon" run -C "$ws" -- sh -c '
try() { label=$1; shift; if "$@" 2>/dev/null; then echo "  $label: allowed"; else echo "  $label: refused"; fi; }
try "write inside the workspace      " sh -c "echo hi > note.txt"
try "write outside the workspace     " sh -c "echo x > \"$CORDON_DEMO_OUTSIDE/escape\""
try "create .git/hooks/pre-commit    " sh -c "echo x > .git/hooks/pre-commit"
try "write in the private temp dir   " sh -c "echo x > \"$TMPDIR/scratch\""
echo "  network marker CORDON_NETWORK=$CORDON_NETWORK, HTTPS_PROXY=$HTTPS_PROXY"
echo "  ssh says:"; ssh git@example.invalid 2>&1 | sed "s/^/    /"
if command -v python3 >/dev/null; then
  python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)" 2>/dev/null \
    && echo "  open an IPv4 socket            : allowed" \
    || echo "  open an IPv4 socket            : refused"
fi
'
status=$?
set -e
echo "  (cordon run exited $status)"
echo
echo "  outside the sandbox afterwards: $(ls -A "$outside" | wc -l) file(s) in $outside; note.txt in the workspace: $([ -f "$ws/note.txt" ] && echo yes || echo no)"
echo
echo "== The same policy with every kernel primitive switched off (CORDON_DISABLE=landlock,userns,seccomp)"
CORDON_DISABLE=landlock,userns,seccomp "$cordon" level
echo
echo "== The plan this policy compiles to on Windows (cordon explain --os windows)"
"$cordon" explain --os windows | head -n 20
