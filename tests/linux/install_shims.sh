#!/bin/sh
# A program linked with an installed libcordon.so finds the ssh/scp stubs
# of that install, wherever it was installed (cmake --install --prefix),
# not at the compiled-in prefix: with seccomp switched off the network
# guarantee rests on the stubs, and `ssh` inside must be the stub. Runs as
# root and as an unprivileged user; the positive control runs the same
# shell line unsandboxed (where ssh is the host's, or missing).
set -u
SKIP=77
: "${CORDON_BUILD:?}"
CC=${CORDON_TEST_CC:-cc}
command -v "$CC" >/dev/null || { echo "SKIP: no C compiler ($CC)"; exit $SKIP; }
base=$CORDON_BUILD
case "$base/" in /tmp/*) base=/var/tmp ;; esac
T=$(mktemp -d "$base/cordon-test-install-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
fail=0
bad() { echo "FAIL: $1"; fail=1; }

cmake --install "$CORDON_BUILD" --prefix "$T/prefix" >/dev/null || { echo "install failed"; exit 1; }
lib=$(dirname "$(find "$T/prefix" -name 'libcordon.so' | head -n 1)")
[ -d "$lib" ] || { echo "no libcordon.so installed"; exit 1; }
[ -x "$T/prefix/libexec/cordon/shims/ssh" ] || { echo "no stub installed"; exit 1; }

cat >"$T/app.c" <<'C'
#include <cordon.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    const char *cmd[] = {"sh", "-c",
                         "command -v ssh; ssh git@cordon-test.invalid; echo \"status $?\"", NULL};
    cordon_policy *p = NULL;
    cordon_run_options o;
    cordon_run_result r;
    cordon_levels lv;
    (void)argc;
    if (cordon_policy_builtin("workspace-write", &p) != CORDON_OK)
        return 3;
    cordon_run_options_init(&o);
    o.argv = cmd;
    o.cwd = argv[1];
    if (cordon_level_query(p, argv[1], &lv) != CORDON_OK) {
        fprintf(stderr, "%s\n", cordon_last_error());
        return 4;
    }
    printf("network %s: %s\n", cordon_level_name(lv.level[CORDON_DIM_NETWORK]),
           lv.reason[CORDON_DIM_NETWORK]);
    fflush(stdout);
    if (cordon_run(p, &o, &r) != CORDON_OK) {
        fprintf(stderr, "%s\n", cordon_last_error());
        return 5;
    }
    cordon_policy_free(p);
    return r.exit_code;
}
C
"$CC" ${CORDON_TEST_CFLAGS:-} -o "$T/app" "$T/app.c" -I"$T/prefix/include" -L"$lib" -lcordon -Wl,-rpath,"$lib" ||
    { echo "cannot build against the install"; exit 1; }
chmod -R a+rX "$T"
mkdir -p "$T/ws-root" "$T/ws-user"
chown 65534:65534 "$T/ws-user"

# The positive control: the same line without the sandbox.
sh -c 'command -v ssh; echo "status none"' >"$T/control.out" 2>&1
if grep -q "$T/prefix" "$T/control.out"; then bad "control: ssh is the stub outside the sandbox"; fi

for who in root user; do
    RUN=
    if [ "$who" = user ]; then
        if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
            echo "note: the unprivileged run needs root and setpriv; not run"; continue
        fi
        RUN="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    # CORDON_SHIM_DIR (set by the test environment) would hide the lookup.
    mkdir -p "$T/home-$who"; [ "$who" = user ] && chown 65534:65534 "$T/home-$who"
    # Its own home, tool cache and record (the test environment points XDG_CACHE_HOME and XDG_STATE_HOME
    # at the build tree, which uid 65534 cannot use).
    (cd "$T" && env -u CORDON_SHIM_DIR -u XDG_CACHE_HOME -u XDG_STATE_HOME CORDON_DISABLE=seccomp HOME="$T/home-$who" \
        $RUN "$T/app" "$T/ws-$who") >"$T/$who.out" 2>&1
    rc=$?
    sed "s/^/  $who: /" "$T/$who.out"
    if [ $rc -ne 0 ]; then bad "$who: the installed program failed ($rc)"; continue; fi
    grep -q "^network advisory:" "$T/$who.out" || bad "$who: network is not advisory with seccomp off"
    grep -qx "$T/prefix/libexec/cordon/shims/ssh" "$T/$who.out" ||
        bad "$who: ssh inside is not the install's stub"
    grep -q "network access is disabled in this sandbox (ssh)" "$T/$who.out" ||
        bad "$who: the stub did not answer"
    grep -qx "status 255" "$T/$who.out" || bad "$who: ssh did not fail with 255"
done
[ $fail -eq 0 ] && echo "ok: an install under another prefix finds its own stubs"
exit $fail
