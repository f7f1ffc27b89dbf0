#!/bin/sh
# Live tests of workspaces in unusual places (linux-unelevated): a root
# under /dev/shm (the sandbox's private /dev would hide it), under /tmp
# (its private /tmp would), reached through a bind mount, itself a mount
# point, holding mounts of its own (writable and read-only), a read-only
# root and a protected path inside a writable root, and a root below /proc
# (refused). For each: `cordon level` and `cordon run` agree; a run that
# starts writes where the host would let it (the file shows on the host),
# and the protected .git stays read-only (the positive control writes it
# outside the sandbox as the same user).
#
# With HOSTFILTER (tests/linux/hostfilter.c), the shapes that must work
# everywhere are tried again on a host without open_tree, move_mount and
# mount_setattr (kernels before 5.2: the fallbacks).
#
# usage: workspaces.sh PROBE root|user [HOSTFILTER]
set -u
PROBE=$1
WHO=${2:-root}
HOSTFILTER=${3:-}
WRAP=
SKIP=77

[ "$(uname -s)" = Linux ] || { echo "SKIP: not Linux"; exit $SKIP; }
[ "$(id -u)" = 0 ] || { echo "SKIP: the bind and tmpfs mounts of this test need root"; exit $SKIP; }
. "$(dirname "$0")/setup.sh"
MOUNTS= SHM= TMPWS=
test_cleanup() {
    for m in $MOUNTS; do umount "$m" 2>/dev/null; done
    [ -n "$SHM" ] && rm -rf "$SHM"
    [ -n "$TMPWS" ] && rm -rf "$TMPWS"
}
live_setup workspaces

own() { [ -n "$RUN" ] && chown -R 65534:65534 "$@"; return 0; }
mnt() { mount "$@" && MOUNTS="${*##* } $MOUNTS"; }

live_need_levels '*"fs_write":"enforced"*"protected_paths":"enforced"*' \
    "this host does not give fs_write and protected_paths enforced"

# workspace NAME DIR [cordon options]: level and run agree in DIR (a git
# repository of the test user): level enforced, the run writes a file the
# host then shows, and cannot write .git, which the same user can outside.
workspace() {
    name=$1 dir=$2
    shift 2
    lv=$(as $WRAP "$CORDON" level -C "$dir" --json "$@" 2>&1)
    case $lv in
    *'"fs_write":"enforced"'*'"protected_paths":"enforced"'*) pass ;;
    *) fail "$name: level in $dir: $lv" ;;
    esac
    rm -f "$dir/made-inside" "$dir/.git/cordon-test"
    out=$(as $WRAP "$CORDON" run -C "$dir" "$@" -- sh -c \
        'echo inside > made-inside && echo WROTE; echo x > .git/cordon-test 2>/dev/null && echo GITWROTE' 2>&1)
    case $out in
    *GITWROTE*) fail "$name: the sandbox wrote the protected .git" ;;
    *WROTE*) [ "$(cat "$dir/made-inside" 2>/dev/null)" = inside ] && pass ||
                 fail "$name: the file written inside is not on the host" ;;
    *) fail "$name: the run did not write in its workspace: $out" ;;
    esac
    if as sh -c "echo x > '$dir/.git/cordon-test'" 2>/dev/null; then pass; else
        fail "$name: positive control: the user cannot write $dir/.git outside the sandbox"
    fi
    rm -f "$dir/made-inside" "$dir/.git/cordon-test"
}
repo() { mkdir -p "$1" && own "$1" && as git init -q "$1" || fail "cannot make a repository in $1"; }

# Under /dev/shm: hidden by the private /dev until roots were bound into it.
SHM=$(mktemp -d /dev/shm/cordon-test-ws-XXXXXX) && chmod 755 "$SHM" && repo "$SHM"
[ -n "$SHM" ] && workspace shm "$SHM"
# The command's own /dev stays minimal: the host's devices are not there.
if [ -n "$SHM" ]; then
    out=$(as "$CORDON" run -C "$SHM" -- sh -c 'ls /dev/shm; ls /dev | tr "\n" " "' 2>&1)
    case $out in
    *vda*|*sda*|*loop*|*kmsg*) fail "shm: host devices in the private /dev: $out" ;;
    *"${SHM##*/}"*null*) pass ;;
    *) fail "shm: unexpected /dev in the sandbox: $out" ;;
    esac
fi

# Under /tmp: the root is the host's directory, bound into the private
# /tmp (a file made outside shows inside).
TMPWS=$(mktemp -d /tmp/cordon-test-ws-XXXXXX) && chmod 755 "$TMPWS" && repo "$TMPWS"
if [ -n "$TMPWS" ]; then
    workspace tmp "$TMPWS"
    as sh -c "echo host > '$TMPWS/from-host'"
    out=$(as "$CORDON" run -C "$TMPWS" -- cat from-host 2>&1)
    [ "$out" = host ] && pass || fail "tmp: the root under /tmp is not the host's: $out"
fi

# Through a bind mount, and itself a mount point (a tmpfs).
mkdir -p "$T/real" "$T/bound" "$T/mp" && own "$T/real" "$T/bound" "$T/mp"
if mnt --bind "$T/real" "$T/bound"; then
    repo "$T/bound" && workspace bind "$T/bound"
    [ -d "$T/real/.git" ] && pass || fail "bind: the repository is not in the bound directory"
else
    fail "cannot bind-mount $T/real"
fi
if mnt -t tmpfs cordon-test "$T/mp"; then
    own "$T/mp" && repo "$T/mp" && workspace mountpoint "$T/mp"
else
    fail "cannot mount a tmpfs on $T/mp"
fi

# Mounts inside a root keep the host's state: a writable tmpfs stays
# writable, a read-only bind stays read-only (the same user outside: the
# same two answers).
repo "$WS"
mkdir -p "$WS/sub" "$WS/ro" "$T/rosrc" && own "$WS/sub" "$WS/ro" "$T/rosrc"
if mnt -t tmpfs cordon-test "$WS/sub" && own "$WS/sub" &&
    mnt --bind "$T/rosrc" "$WS/ro" && mount -o remount,bind,ro "$WS/ro"; then
    if as sh -c "echo x > '$WS/sub/out' && ! echo x > '$WS/ro/out'" 2>/dev/null; then pass; else
        fail "submounts: positive control: outside, sub should be writable and ro not"
    fi
    rm -f "$WS/sub/out"
    out=$(as "$CORDON" run -C "$WS" -- sh -c \
        'echo x > sub/in && echo SUB; echo x > ro/in 2>/dev/null && echo RO' 2>&1)
    case $out in
    *RO*) fail "submounts: the sandbox wrote a read-only mount inside the root" ;;
    *SUB*) [ -f "$WS/sub/in" ] && pass || fail "submounts: sub/in is not on the host" ;;
    *) fail "submounts: a writable mount inside the root was read-only in the sandbox: $out" ;;
    esac
    # Device files stay unusable inside a root and the mounts in it (the
    # copy of the root's tree is nodev like the rest of the view); the
    # node is /dev/null's, so the control's write is harmless.
    if [ "$WHO" = root ] && mknod "$WS/sub/cordon-test-null" c 1 3; then
        if sh -c "echo x > '$WS/sub/cordon-test-null'" 2>/dev/null; then pass; else
            fail "nodev: positive control: cannot write the device node outside"
        fi
        out=$(as "$CORDON" run -C "$WS" -- sh -c 'echo x > sub/cordon-test-null && echo DEV' 2>&1)
        case $out in *DEV*) fail "nodev: a device node in a mount inside the root was usable" ;; *) pass ;; esac
        rm -f "$WS/sub/cordon-test-null"
    fi
    # The read-only mount as a root of its own: the run starts (level
    # agrees), the write is refused as it is outside.
    workspace nested-ro-root "$WS" -w "$WS" -w "$WS/ro"
    out=$(as "$CORDON" run -C "$WS" -w "$WS" -w "$WS/ro" -- sh -c \
        'echo x > ro/in2 2>/dev/null && echo RO; echo STARTED' 2>&1)
    case $out in
    *RO*) fail "nested-ro-root: the sandbox wrote a read-only root" ;;
    *STARTED*) pass ;;
    *) fail "nested-ro-root: the run did not start: $out" ;;
    esac
else
    fail "cannot mount inside the workspace"
fi

# A protected path of a root inside another root: held read-only too.
repo "$WS/inner"
workspace nested-protected "$WS/inner" -w "$WS" -w "$WS/inner"

# Below /proc: refused before the run by both, with the reason.
lv=$(as "$CORDON" level -C "$WS" -w /proc/sys --json 2>&1)
case $lv in *'below /proc'*) pass ;; *) fail "proc: level did not refuse: $lv" ;; esac
out=$(as "$CORDON" run -C "$WS" -w /proc/sys -- sh -c "echo ran > '$WS/proc-ran'" 2>&1)
rc=$?
if [ $rc -eq 125 ] && [ ! -e "$WS/proc-ran" ]; then
    case $out in *'below /proc'*) pass ;; *) fail "proc: refused without the reason: $out" ;; esac
else
    fail "proc: a root below /proc was not refused before the run (rc $rc): $out"
fi

# The fallbacks: each root bound from the read-only view (mounts inside
# a root then stay read-only, see linux-unelevated.md).
if [ -n "$HOSTFILTER" ] && cp "$HOSTFILTER" "$T/hostfilter" && chmod 755 "$T/hostfilter"; then
    WRAP="$T/hostfilter oldmount"
    [ -n "$SHM" ] && workspace shm-oldmount "$SHM"
    [ -n "$TMPWS" ] && workspace tmp-oldmount "$TMPWS"
    grep -q " $T/bound " /proc/self/mountinfo && workspace bind-oldmount "$T/bound"
    grep -q " $T/mp " /proc/self/mountinfo && workspace mountpoint-oldmount "$T/mp"
    WRAP=
fi

live_done "workspaces ($WHO)"
