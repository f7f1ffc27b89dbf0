#!/bin/sh
# Live tests of secrets_read (policy deny_read) and env_deny in
# linux-unelevated: each read of a denied path is tried inside the sandbox
# (must fail and show nothing) and outside it as the same user (the
# positive control: must show the secret), through the path as listed,
# through a symlink to it, through another mount of the same directory
# (as root), and after trying to move or unmask it.
#
# usage: secrets.sh PROBE root|user [HOSTFILTER]
set -u
PROBE=$1
WHO=${2:-root}
HOSTFILTER=${3:-}
SKIP=77

. "$(dirname "$0")/setup.sh"
ALIAS=
test_cleanup() { [ -n "$ALIAS" ] && umount "$ALIAS" 2>/dev/null; }
live_setup secrets

# The secrets: a directory, a file, and a directory reached by a symlink.
as sh -c "
    mkdir -p '$H/.ssh' '$O/aws-real' '$H/.config' &&
    echo SECRET-SSH > '$H/.ssh/id_test' && chmod 700 '$H/.ssh' &&
    echo SECRET-NETRC > '$H/.netrc' &&
    echo SECRET-AWS > '$O/aws-real/credentials' && ln -s '$O/aws-real' '$H/.aws'
" || { echo "cannot make the test secrets"; exit 1; }

live_need_levels '*"secrets_read":"enforced"*' "this host does not give secrets_read enforced"

# unreadable NAME SNIPPET SECRET [cordon options]: the snippet shows
# SECRET outside the sandbox, and not inside it. $RESTORE (a shell
# snippet, as the test user) puts things back after the control.
RESTORE=
unreadable() {
    name=$1 snip=$2 secret=$3
    shift 3
    if ! plain "$snip" 2>/dev/null | grep -q "$secret"; then
        fail "$name: positive control did not read $secret"
        return
    fi
    [ -n "$RESTORE" ] && as sh -c "$RESTORE"
    if sbx "$snip" "$@" 2>/dev/null | grep -q "$secret"; then
        fail "$name: read $secret inside the sandbox"
    else
        pass
    fi
}

unreadable dir-file     "cat ~/.ssh/id_test"                 SECRET-SSH
unreadable dir-list     "ls -a ~/.ssh"                       id_test
unreadable dir-find     "find ~/.ssh"                        id_test
unreadable file         "cat ~/.netrc"                       SECRET-NETRC
unreadable via-symlink  "cat ~/.aws/credentials"             SECRET-AWS
unreadable link-target  "cat '$O/aws-real/credentials'"      SECRET-AWS
unreadable proc-root    "cat /proc/self/root$H/.ssh/id_test" SECRET-SSH
RESTORE="rm -rf '$WS/nl' '$WS/s'"
unreadable hardlink     "ln ~/.netrc ./nl 2>/dev/null; cat ./nl" SECRET-NETRC
unreadable copy-out     "cp -r ~/.ssh ./s 2>/dev/null; cat ./s/id_test" SECRET-SSH

# With the home itself writable (forced), the masks cannot be moved away,
# removed or unmounted; the control shows the move works unsandboxed.
RESTORE="mv '$H/.ssh-x' '$H/.ssh'"
unreadable move-away    "mv ~/.ssh ~/.ssh-x 2>/dev/null; cat ~/.ssh-x/id_test" SECRET-SSH \
    --force-roots -w "$H" -w "$WS"
RESTORE="mv '$H/n2' '$H/.netrc'"
unreadable move-file    "mv ~/.netrc ~/n2 2>/dev/null; cat ~/n2" SECRET-NETRC \
    --force-roots -w "$H" -w "$WS"
RESTORE=
unreadable umount       "umount ~/.ssh 2>/dev/null; cat ~/.ssh/id_test" SECRET-SSH

# From a user and mount namespace of the command's own (it may make them,
# and holds every capability there): the mask unmounted, the home bound
# elsewhere without its submounts (the mask), or with them; then the
# secret read through the place. Unsandboxed the bind shows it (control);
# inside, Landlock refuses the mounts, seccomp too, and without both the
# kernel's locked mounts hold (the masks come as one locked unit).
if command -v python3 >/dev/null; then
    cat > "$T/nest.py" <<'PYEOF'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
op, src, dst, path = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode(), sys.argv[4]
if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
    sys.exit("unshare: errno %d" % ctypes.get_errno())
if op == "umount":
    r = libc.umount2(src, 2)  # MNT_DETACH
else:
    r = libc.mount(src, dst, None, 4096 | (16384 if op == "rbind" else 0), None)  # MS_BIND, MS_REC
print(op, r, ctypes.get_errno(), file=sys.stderr)
print(open(path).read())
PYEOF
    chmod 644 "$T/nest.py"
    as mkdir -p "$WS/nest"
    for DIS in "" landlock seccomp landlock,seccomp; do
        unreadable "nested-umount${DIS:+ [$DIS]}" \
            "python3 '$T/nest.py' umount ~/.ssh - ~/.ssh/id_test" SECRET-SSH
        for op in bind rbind; do
            unreadable "nested-$op${DIS:+ [$DIS]}" \
                "python3 '$T/nest.py' $op ~ '$WS/nest' '$WS/nest/.ssh/id_test'" SECRET-SSH
        done
    done
    unset DIS
fi
[ -e "$H/.ssh/id_test" ] && [ -e "$H/.netrc" ] || fail "the test secrets were not put back"

# Another mount of the same directory (root can make one): the copy the
# host shows there is hidden too.
if [ "$WHO" = root ]; then
    mkdir -p "$T/alias" && mount --bind "$H" "$T/alias" && ALIAS=$T/alias
    if [ -n "$ALIAS" ]; then
        unreadable alias-mount "cat '$ALIAS/.ssh/id_test'" SECRET-SSH
        unreadable alias-file  "cat '$ALIAS/.netrc'"       SECRET-NETRC
        # The same where the kernel has no listmount/statmount (before
        # 6.8): the other mounts are read from mountinfo.
        if [ -n "$HOSTFILTER" ]; then
            out=$(as "$HOSTFILTER" oldmount "$CORDON" run -C "$WS" -- \
                sh -c "cat '$ALIAS/.ssh/id_test' '$ALIAS/.netrc'" 2>&1)
            case $out in *SECRET-*) fail "alias-mount without statmount: read: $out" ;; *) pass ;; esac
            out=$(as "$HOSTFILTER" oldmount "$CORDON" explain -C "$WS" 2>&1)
            case $out in *"$ALIAS/.ssh (the same files, mounted again)"*) pass ;;
            *) fail "alias-mount without statmount: the other mount is not listed: $out" ;; esac
        fi
        umount "$ALIAS" && ALIAS=
    else
        fail "alias-mount: cannot bind-mount the test home"
    fi
fi

# Other mounts that the mount table's order or a prefix match would get
# wrong, each made by root in a private mount namespace of the test's own
# (nothing reaches the host's) in which cordon runs as $WHO:
#   alias-stacked  the deny_read path lies on a bind mount that covers an
#                  older mount with a deeper mount point (the deepest
#                  mount point above the path is not the mount it is on):
#                  the bind's source must be hidden too;
#   alias-part     a subdirectory of the deny_read directory bound
#                  elsewhere: that mount shows a part of the secret;
#   alias-parent   a bind of the directory above both, made last: the
#                  stacked secret's source shows there again (a bind of a
#                  parent is found from the mount the path is really on).
# Each also where the kernel has no listmount/statmount (mountinfo and
# statx's older mount id, through the host filter).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
    as sh -c "mkdir -p '$O/src/b/sec' '$O/view/b' '$O/sec2/sub' '$O/subview' '$O/pview' &&
        echo SECRET-STACK > '$O/src/b/sec/key' && echo SECRET-PART > '$O/sec2/sub/key'"
    printf 'mode = "workspace-write"\ndeny_read = ["%s", "%s"]\n' "$O/view/b/sec" "$O/sec2" > "$T/alias.toml"
    chmod 644 "$T/alias.toml"
    MOUNTS="mount -t tmpfs -o mode=755 cordon-test '$O/view/b' && mount --bind '$O/src' '$O/view' &&
        mount --bind '$O/sec2/sub' '$O/subview' && mount --bind '$O' '$O/pview'"
    # ns_plain SNIPPET, ns_sbx FILTER SNIPPET: the snippet as $WHO in a
    # fresh namespace with $MOUNTS, outside the sandbox or inside it.
    ns_plain() { unshare -m --propagation private sh -c "$MOUNTS"' && exec "$@"' sh \
        $RUN env HOME="$H" PATH=/usr/bin:/bin sh -c "$1"; }
    ns_sbx() { f=$1 s=$2; unshare -m --propagation private sh -c "$MOUNTS"' && exec "$@"' sh \
        $RUN env HOME="$H" PATH=/usr/bin:/bin $f "$CORDON" run -C "$WS" --policy-file "$T/alias.toml" -- sh -c "$s"; }
    for shape in "alias-stacked:cat '$O/src/b/sec/key':SECRET-STACK" \
        "alias-part:cat '$O/subview/key':SECRET-PART" \
        "alias-parent:cat '$O/pview/src/b/sec/key' '$O/pview/sec2/sub/key':SECRET-"; do
        name=${shape%%:*} rest=${shape#*:}
        snip=${rest%:*} secret=${rest##*:}
        if ! ns_plain "$snip" 2>/dev/null | grep -q "$secret"; then
            fail "$name: positive control did not read $secret"
            continue
        fi
        for f in "" ${HOSTFILTER:+"$HOSTFILTER oldmount"}; do
            out=$(ns_sbx "$f" "$snip; cat '$O/view/b/sec/key' '$O/sec2/sub/key'" 2>&1)
            case $out in
            *SECRET-*) fail "$name${f:+ ($f)}: read inside the sandbox: $out" ;;
            *"Permission denied"*) pass ;;
            *) fail "$name${f:+ ($f)}: the sandbox did not run: $out" ;;
            esac
        done
    done
fi

# The policy decides: deny_read = [] leaves them readable and says so.
printf 'mode = "workspace-write"\ndeny_read = []\n' > "$T/open.toml"
chmod 644 "$T/open.toml"
out=$(sbx "cat ~/.ssh/id_test" --policy-file "$T/open.toml" 2>&1)
case $out in *SECRET-SSH*) pass ;; *) fail "deny_read = []: the secret should be readable: $out" ;; esac
lv=$(as "$CORDON" level -C "$WS" --policy-file "$T/open.toml" --json)
case $lv in *'"secrets_read":"none"'*'deny_read is empty'*) pass ;; *) fail "deny_read = []: level $lv" ;; esac

# Without a mount namespace nothing hides them: the level says none with
# the reason, and the read indeed gets through.
lv=$(CORDON_DISABLE=userns as "$CORDON" level -C "$WS" --json)
case $lv in *'"secrets_read":"none"'*'"secrets_read":"deny_read paths stay readable'*) pass ;;
*) fail "CORDON_DISABLE=userns: level $lv" ;; esac
out=$(CORDON_DISABLE=userns sbx "cat ~/.ssh/id_test" 2>&1)
case $out in *SECRET-SSH*) pass ;; *) fail "CORDON_DISABLE=userns: expected the read to get through (level none): $out" ;; esac
if CORDON_DISABLE=userns as "$CORDON" run -C "$WS" --require secrets_read=enforced -- true 2>/dev/null; then
    fail "--require secrets_read=enforced ran without a mount namespace"
else
    pass
fi

# env_deny: secret-bearing variables do not reach the command; [] keeps them.
out=$(GITHUB_TOKEN=t1 MY_API_KEY=t2 AWS_SECRET_ACCESS_KEY=t3 DB_PASSWORD=t4 KEEP_ME=ok \
      sbx 'env' 2>&1)
case $out in
*GITHUB_TOKEN*|*MY_API_KEY*|*AWS_SECRET*|*DB_PASSWORD*) fail "env_deny: a secret variable reached the command" ;;
*KEEP_ME=ok*) pass ;;
*) fail "env_deny: an ordinary variable was removed: $out" ;;
esac
printf 'mode = "workspace-write"\nenv_deny = []\n' > "$T/env.toml"
chmod 644 "$T/env.toml"
out=$(GITHUB_TOKEN=t1 sbx 'echo "$GITHUB_TOKEN"' --policy-file "$T/env.toml" 2>&1)
[ "$out" = t1 ] && pass || fail "env_deny = []: GITHUB_TOKEN was removed: $out"

live_done "secrets ($WHO)"
