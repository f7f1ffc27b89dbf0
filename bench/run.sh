#!/bin/sh
# cordon's per-command cost on Linux (issue 3's benchmark).
#
#   bench/run.sh [--quick] [--cordon PATH] [--reps N]
#
# Measures, in one run with interleaved repetitions, the median wall time
# of
#   true     /bin/true
#   cordon   cordon run -- /bin/true                   (workspace of 1,000 files)
#   bwrap    bwrap --ro-bind / / --dev /dev --unshare-net --unshare-pid
#                  --proc /proc /bin/true              (the known alternative)
#   large    cordon run -- /bin/true                   (workspace of 100,000 files)
# and prints the ratios. Targets: cordon's overhead over /bin/true at most
# half of bwrap's, (cordon - true) / (bwrap - true) <= 0.5, and no growth
# with the workspace size, large / cordon <= 1.2. Exits 1 when a target is
# missed, 2 when the benchmark cannot run. --quick: fewer repetitions
# (well under 60 s).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPS=300
CORDON=${CORDON:-}
while [ $# -gt 0 ]; do
    case $1 in
    --quick) REPS=60 ;;
    --reps) REPS=$2; shift ;;
    --cordon) CORDON=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$CORDON" ]; then
    for c in "$HERE/../build/cli/cordon" "$HERE/../build-linux/cli/cordon"; do
        [ -x "$c" ] && CORDON=$c && break
    done
fi
[ -n "$CORDON" ] && [ -x "$CORDON" ] || { echo "bench: no cordon binary (build first, or --cordon PATH)" >&2; exit 2; }
command -v bwrap >/dev/null || { echo "bench: bwrap is missing (apt-get install bubblewrap)" >&2; exit 2; }
CC=${CC:-cc}

W=$(mktemp -d "${TMPDIR:-/tmp}/cordon-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
"$CC" -O2 -o "$W/bench" "$HERE/bench.c"
mkdir "$W/small" "$W/large"
"$W/bench" mkfiles "$W/small" 1000
"$W/bench" mkfiles "$W/large" 100000
# Written out before timing: 100,000 new files would otherwise be flushed
# to disk during the runs, in the large workspace's directories above all.
sync

BWRAP=$(command -v bwrap)
echo "cordon: $CORDON"
echo "levels: $("$CORDON" level -C "$W/small" --json)"
echo "repetitions: $REPS, interleaved"
"$W/bench" time "$REPS" \
    :: true /bin/true \
    :: cordon "$CORDON" run -C "$W/small" -- /bin/true \
    :: bwrap "$BWRAP" --ro-bind / / --dev /dev --unshare-net --unshare-pid --proc /proc /bin/true \
    :: large "$CORDON" run -C "$W/large" -- /bin/true >"$W/medians"

awk '
{ m[$1] = $2 }
END {
    oc = m["cordon"] - m["true"]; ob = m["bwrap"] - m["true"]
    over = ob > 0 ? oc / ob : 99; raw = m["cordon"] / m["bwrap"]; growth = m["large"] / m["cordon"]
    printf "median /bin/true            %7.3f ms\n", m["true"]
    printf "median cordon run (1k)      %7.3f ms   overhead %.3f ms\n", m["cordon"], oc
    printf "median bwrap                %7.3f ms   overhead %.3f ms\n", m["bwrap"], ob
    printf "median cordon run (100k)    %7.3f ms\n", m["large"]
    printf "overhead ratio cordon/bwrap %7.2f   (target <= 0.50)\n", over
    printf "wall ratio cordon/bwrap     %7.2f\n", raw
    printf "workspace 100k/1k           %7.2f   (target <= 1.20: no growth)\n", growth
    ok = over <= 0.5 && growth <= 1.2
    printf "VERDICT: %s (overhead ratio %.2f %s 0.50; size growth %.2f %s 1.20)\n", ok ? "PASS" : "FAIL", over, over <= 0.5 ? "<=" : ">", growth, growth <= 1.2 ? "<=" : ">"
    exit ok ? 0 : 1
}' "$W/medians"
