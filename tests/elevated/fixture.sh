#!/bin/sh
# fixture.sh install | uninstall: the elevated tier's CTest fixture.
#   install    makes a throwaway real user cordon-test-u<pid> (home and a
#              workspace under /var/tmp), then runs cordon-setup install for
#              it with the runner of this build; checks idempotence.
#   uninstall  runs cordon-setup uninstall (twice: the second is a no-op),
#              removes the test user and its files, then fails if anything
#              of cordon's setup or of this test is left on the host.
. "$CORDON_SOURCE/tests/elevated/common.sh"
STATE=$CORDON_TEST_STATE

leftovers() {
    left=""
    for u in cordon-offline cordon-online; do
        getent passwd "$u" >/dev/null && left="$left user:$u"
    done
    for g in cordon-sandbox cordon-users; do
        getent group "$g" >/dev/null && left="$left group:$g"
    done
    [ -n "${TU:-}" ] && getent passwd "$TU" >/dev/null && left="$left user:$TU"
    [ -n "${TU:-}" ] && getent group "$TU" >/dev/null && left="$left group:$TU"
    getent passwd | grep -q '^cordon-test-v' && left="$left user:cordon-test-v*"
    nft list table inet cordon >/dev/null 2>&1 && left="$left nft:inet-cordon"
    for p in /etc/cordon /usr/local/libexec/cordon /var/lib/cordon /etc/apparmor.d/cordon-runner \
        /etc/systemd/system/cordon-nftables.service \
        /etc/systemd/system/multi-user.target.wants/cordon-nftables.service; do
        [ -e "$p" ] || [ -L "$p" ] && left="$left $p"
    done
    ip netns list 2>/dev/null | grep -q '^cordon-test' && left="$left netns:cordon-test*"
    ip link show 2>/dev/null | grep -q ' cordon-test' && left="$left link:cordon-test*"
    ls -d /var/tmp/cordon-test-elev-* >/dev/null 2>&1 && left="$left /var/tmp/cordon-test-elev-*"
    echo "$left"
}

case "$1" in
install)
    [ "$(id -u)" = 0 ] || skip "cordon-setup needs root"
    command -v useradd >/dev/null || skip "useradd is missing"
    [ -x "$PY" ] || skip "$PY is missing"
    command -v setpriv >/dev/null || skip "setpriv is missing"
    nft list tables >/dev/null 2>&1 || skip "nftables is not usable here (nft list tables failed)"
    # A real installation is someone's: the tests would replace and then
    # remove it.
    if [ -e /etc/cordon/setup.json ] || getent passwd cordon-offline >/dev/null; then
        skip "cordon-setup is installed on this host already; the tests would remove it"
    fi
    rm -rf "$STATE"
    mkdir -p "$STATE"
    TU=cordon-test-u$$
    base=$(mktemp -d /var/tmp/cordon-test-elev-XXXXXX) || exit 1
    chmod 755 "$base"
    echo "$base" >"$STATE/base"
    useradd --create-home --home-dir "$base/home" --shell /bin/sh "$TU" || { fail "useradd $TU"; finish; exit 1; }
    echo "$TU" >"$STATE/user"
    # A home others may enter (so the sandbox users reach the workspace),
    # with a secret only its owner may read.
    chmod 755 "$base/home"
    mkdir -p "$base/home/.ssh" "$base/ws"
    echo "secret key" >"$base/home/.ssh/id_test"
    chmod 700 "$base/home/.ssh"
    chmod 600 "$base/home/.ssh/id_test"
    chown -R "$TU:$TU" "$base/home" "$base/ws"
    echo "$base/ws" >"$STATE/ws"
    echo "$base/home" >"$STATE/home"

    out=$("$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" 2>&1)
    rc=$?
    echo "$out"
    [ $rc = 0 ] && pass || fail "install exited $rc"
    n=$(printf '%s\n' "$out" | grep -cE '^\[[0-9]+/11\] .* \.\.\. ok')
    [ "$n" = 11 ] && pass || fail "install printed $n ok progress lines, expected 11"
    "$CORDON_SETUP" verify && pass || fail "verify after install"
    # Idempotent: a second install changes nothing.
    out=$("$CORDON_SETUP" install --user "$TU" --runner "$CORDON_RUNNER" 2>&1)
    rc=$?
    [ $rc = 0 ] && pass || fail "second install exited $rc"
    for step in "group cordon-sandbox ... ok: already there" "sandbox user cordon-offline ... ok: already there" \
        "runner /usr/local/libexec/cordon/cordon-runner ... ok: already installed" \
        "nftables table inet cordon ... ok: unchanged" "1 user allowed, 0 added"; do
        printf '%s\n' "$out" | grep -qF "$step" && pass || fail "second install: no \"$step\" in: $out"
    done
    js=$("$CORDON_SETUP" status --json)
    [ "$(json_field "$js" "d['installed'] and d['rules_loaded']")" = True ] && pass || fail "status --json: $js"
    # The marker is root's, parsed strictly, and names the test user.
    [ "$(stat -c %U:%a /etc/cordon/setup.json)" = root:644 ] && pass || fail "marker owner/mode"
    grep -q "\"allowed_users\":\[\"$TU\"\]" /etc/cordon/setup.json && pass || fail "marker users"
    # The runner: root's, group cordon-users, 0750, exactly cap_setgid,cap_setuid.
    [ "$(stat -c %U:%G:%a /usr/local/libexec/cordon/cordon-runner)" = root:cordon-users:750 ] && pass || fail "runner owner/mode"
    if command -v getcap >/dev/null; then
        caps=$(getcap /usr/local/libexec/cordon/cordon-runner)
        case "$caps" in *" cap_setgid,cap_setuid=p") pass ;; *) fail "runner caps: $caps" ;; esac
    fi
    # The sandbox users: no login shell, locked password, homes of their own.
    for u in cordon-offline cordon-online; do
        getent passwd "$u" | grep -q ':/var/lib/cordon/'"$u"':/usr/sbin/nologin$' && pass || fail "$u passwd entry"
        getent shadow "$u" | cut -d: -f2 | grep -q '^[!*]' && pass || fail "$u password not locked"
        [ "$(stat -c %U:%a /var/lib/cordon/$u)" = "$u:700" ] && pass || fail "$u home"
    done
    nft list table inet cordon | grep -q "meta skuid $(id -u cordon-offline) drop" && pass || fail "drop rule"
    echo "$(id -u cordon-offline)|$(id -u cordon-online)" >"$STATE/uids"
    finish
    ;;
uninstall)
    [ "$(id -u)" = 0 ] || skip "cordon-setup needs root"
    TU=$(cat "$STATE/user" 2>/dev/null)
    base=$(cat "$STATE/base" 2>/dev/null)
    if [ -n "$TU" ]; then
        # A run that just ended may still be exiting (userdel refuses a
        # user with a process): give it a few seconds, then name it.
        i=0
        while [ $i -lt 50 ] && ps -o pid= -u cordon-offline,cordon-online >/dev/null 2>&1; do
            sleep 0.2; i=$((i + 1))
        done
        left=$(ps -o pid=,stat=,comm= -u cordon-offline,cordon-online 2>/dev/null)
        [ -z "$left" ] && pass || fail "processes of the sandbox users still there: $left"
        out=$("$CORDON_SETUP" uninstall 2>&1)
        rc=$?
        echo "$out"
        [ $rc = 0 ] && pass || fail "uninstall exited $rc"
        out=$("$CORDON_SETUP" uninstall 2>&1)
        rc=$?
        [ $rc = 0 ] && pass || fail "second uninstall exited $rc"
        n=$(printf '%s\n' "$out" | grep -cE '\.\.\. ok: (not there|gone)$')
        [ "$n" = 12 ] && pass || fail "second uninstall is not a no-op: $out"
        "$CORDON_SETUP" verify
        rc=$?
        [ $rc = 3 ] && pass || fail "verify after uninstall exited $rc, expected 3 (nothing installed)"
        # No ACL entry naming a sandbox uid is left in the user's workspace
        # (a later account with that uid would inherit it).
        if [ -s "$STATE/uids" ] && [ -d "$base" ]; then
            left=$(find "$base" -xdev \( -type d -o -type f \) -exec $PY "$CORDON_SOURCE/tests/elevated/acl_ids.py" {} + |
                grep -E " ($(cat "$STATE/uids"))\$")
            [ -z "$left" ] && pass || fail "ACL entries of the sandbox users left: $left"
        fi
        userdel --remove "$TU" 2>/dev/null
        getent group "$TU" >/dev/null && groupdel "$TU"
    elif [ -e /etc/cordon/setup.json ]; then
        echo "no test installation recorded: leaving the host's own cordon setup alone"
        exit $SKIP
    fi
    [ -n "$base" ] && case "$base" in /var/tmp/cordon-test-elev-*) rm -rf "$base" ;; esac
    rm -rf "$STATE"
    left=$(leftovers)
    [ -z "$left" ] && pass || fail "left on the host:$left"
    finish
    ;;
*)
    echo "usage: fixture.sh install|uninstall"
    exit 2
    ;;
esac
