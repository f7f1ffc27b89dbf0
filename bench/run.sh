#!/bin/sh
# cordon's per-command cost on Linux.
#
#   bench/run.sh [--quick] [--cordon PATH] [--reps N]
#
# Measures, in one run with interleaved repetitions, the median wall time
# of
#   true     /bin/true
#   cordon   cordon run -- /bin/true                   (workspace of 1,000 files)
#   floor    unshare -U -r -m -p --fork /bin/true      (the namespaces cordon
#                                                      makes, nothing else)
#   bwrap    bwrap --ro-bind / / --dev /dev --unshare-net --unshare-pid
#                  --proc /proc /bin/true              (the known alternative)
#   large    cordon run -- /bin/true                   (workspace of 100,000 files)
# and prints the ratios of the overheads over /bin/true. Targets:
#   cordon / floor <= 1.2   what cordon adds to the cost every namespace
#                           sandbox pays (creating and tearing down the same
#                           namespaces) stays small;
#   cordon / bwrap <= 0.6   cheaper than the known alternative (this ratio
#                           depends on how much the kernel charges for the
#                           network namespace bwrap makes);
#   large / cordon <= 1.2   no growth with the workspace size.
# The floor's namespaces follow "namespaces" in `cordon explain --json`
# (user -Ur, mount -m, pid -p --fork, ipc -i, net -n, uts -u, cgroup -C),
# so a namespace cordon starts making is paid by the floor too. Exits 1
# when a target is missed, 2 when the benchmark cannot run. --quick: fewer
# repetitions (well under 60 s).
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
    for c in "$HERE/../build/native/cli/cordon" "$HERE/../build/cli/cordon" "$HERE/../build-linux/cli/cordon"; do
        [ -x "$c" ] && CORDON=$c && break
    done
fi
[ -n "$CORDON" ] && [ -x "$CORDON" ] || { echo "bench: no cordon binary (build first, or --cordon PATH)" >&2; exit 2; }
command -v bwrap >/dev/null || { echo "bench: bwrap is missing (apt-get install bubblewrap)" >&2; exit 2; }
command -v unshare >/dev/null || { echo "bench: unshare is missing (apt-get install util-linux)" >&2; exit 2; }
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
UNSHARE=$(command -v unshare)
# The floor: unshare with the namespaces the plan says cordon makes.
ns=$("$CORDON" explain -C "$W/small" --json | sed -n 's/.*"namespaces":{\([^}]*\)}.*/\1/p')
[ -n "$ns" ] || { echo "bench: no namespaces in cordon explain --json" >&2; exit 2; }
FLOOR=
for kv in $(echo "$ns" | tr ',' ' '); do
    case $kv in
    '"user":true') FLOOR="$FLOOR -U -r" ;;
    '"mount":true') FLOOR="$FLOOR -m" ;;
    '"pid":true') FLOOR="$FLOOR -p --fork" ;;
    '"ipc":true') FLOOR="$FLOOR -i" ;;
    '"net":true'|'"network":true') FLOOR="$FLOOR -n" ;;
    '"uts":true') FLOOR="$FLOOR -u" ;;
    '"cgroup":true') FLOOR="$FLOOR -C" ;;
    *:true) echo "bench: unknown namespace $kv in cordon explain --json: add it to the floor" >&2; exit 2 ;;
    esac
done
"$UNSHARE" $FLOOR /bin/true || { echo "bench: the floor (unshare$FLOOR) cannot run here" >&2; exit 2; }
echo "cordon: $CORDON"
echo "levels: $("$CORDON" level -C "$W/small" --json)"
echo "floor:  unshare$FLOOR /bin/true   (namespaces: $ns)"
echo "repetitions: $REPS, interleaved"
"$W/bench" time "$REPS" \
    :: true /bin/true \
    :: cordon "$CORDON" run -C "$W/small" -- /bin/true \
    :: floor "$UNSHARE" $FLOOR /bin/true \
    :: bwrap "$BWRAP" --ro-bind / / --dev /dev --unshare-net --unshare-pid --proc /proc /bin/true \
    :: large "$CORDON" run -C "$W/large" -- /bin/true >"$W/medians"

awk '
{ m[$1] = $2 }
END {
    oc = m["cordon"] - m["true"]; of = m["floor"] - m["true"]; ob = m["bwrap"] - m["true"]
    rf = of > 0 ? oc / of : 99; rb = ob > 0 ? oc / ob : 99
    growth = m["large"] / m["cordon"]
    printf "median /bin/true              %7.3f ms\n", m["true"]
    printf "median cordon run (1k)        %7.3f ms   overhead %.3f ms\n", m["cordon"], oc
    printf "median floor (unshare)        %7.3f ms   overhead %.3f ms\n", m["floor"], of
    printf "median bwrap                  %7.3f ms   overhead %.3f ms\n", m["bwrap"], ob
    printf "median cordon run (100k)      %7.3f ms\n", m["large"]
    printf "overhead ratio cordon/floor   %7.2f   (target <= 1.20)\n", rf
    printf "overhead ratio cordon/bwrap   %7.2f   (target <= 0.60)\n", rb
    printf "wall ratio cordon/bwrap       %7.2f\n", m["cordon"] / m["bwrap"]
    printf "workspace 100k/1k             %7.2f   (target <= 1.20: no growth)\n", growth
    ok = rf <= 1.2 && rb <= 0.6 && growth <= 1.2
    printf "VERDICT: %s (cordon/floor %.2f %s 1.20; cordon/bwrap %.2f %s 0.60; size growth %.2f %s 1.20)\n", ok ? "PASS" : "FAIL", rf, rf <= 1.2 ? "<=" : ">", rb, rb <= 0.6 ? "<=" : ">", growth, growth <= 1.2 ? "<=" : ">"
    exit ok ? 0 : 1
}' "$W/medians"
