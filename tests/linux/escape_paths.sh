#!/bin/sh
# Live tests of linux-unelevated's protected paths and roots against a
# command that tries: renames and removals of the directories on the way,
# symbolic links (the protected path, the gitdir as written, a directory
# on the way, a root), submodules and linked worktrees, missing parents,
# and the run report. Each denial is paired with the same snippet run
# without the sandbox, which must change things (the positive control).
#
# usage: escape_paths.sh PROBE root|user
# Environment (from CTest): CORDON, CORDON_BUILD, CORDON_SHIM_DIR.
set -u
PROBE=$1
WHO=${2:-root}
SKIP=77

. "$(dirname "$0")/setup.sh"
live_setup paths
command -v git >/dev/null || { echo "SKIP: git is missing"; exit $SKIP; }

# The test user's environment: its own HOME (so its record of granted
# roots is this test's), git quiet and identified.
as() {
    $RUN env HOME="$H" PATH=/usr/bin:/bin GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t \
        GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t "$@"
}
POLICY=$T/policy.toml
cat > "$POLICY" <<'EOF'
mode = "workspace-write"
writable_roots = ["."]
protected_paths = [".git", ".codex", "cfg/deep/secret", "cfg/deep/absent", "miss/a/b"]
network = "off"
private_tmp = true
EOF
chmod 644 "$POLICY"
sbx() {
    s=$1
    shift
    as "$CORDON" run --policy-file "$POLICY" -C "$WS" "$@" -- sh -c "$s"
}

# The workspace of every case: a repository whose gitdir lives in a
# subdirectory (store/gd), a nested protected file, a submodule with its
# .git file and one not checked out, and a linked worktree inside the root.
reset() {
    as sh -c "
        cd '$WS' && rm -rf ./* ./.[!.]* '$O'/* 2>/dev/null
        mkdir -p store/gd/hooks cfg/deep mods/m mods/u '$O/real'
        echo orig > store/gd/config
        echo 'gitdir: store/gd' > .git
        echo orig > cfg/deep/secret
        printf '[submodule \"m\"]\n\tpath = mods/m\n\turl = ./m\n[submodule \"u\"]\n\tpath = \"mods/u\"\n\turl = ./u\n' > .gitmodules
        mkdir -p store/gd/modules/m && echo orig > store/gd/modules/m/config
        echo 'gitdir: ../../store/gd/modules/m' > mods/m/.git
        echo orig > '$O/real/config'
    "
}
# A real repository with a linked worktree inside the root.
reset_git() {
    as sh -c "
        cd '$WS' && rm -rf ./* ./.[!.]* 2>/dev/null
        git init -q . && git commit -q --allow-empty -m init && git worktree add -q wt1 2>/dev/null
    "
}

# denied NAME SNIPPET CHECK [RESET]: CHECK must hold after the sandboxed
# attempt and must not after the unsandboxed one.
denied() {
    name=$1 snip=$2 chk=$3 rs=${4:-reset}
    $rs
    plain "$snip" >/dev/null 2>&1
    if eval "$chk"; then
        fail "$name: positive control did not change anything (check: $chk)"
        return
    fi
    $rs
    if out=$(sbx "$snip" 2>&1); then
        fail "$name: the command succeeded inside the sandbox"
    elif ! eval "$chk"; then
        fail "$name: changed things inside the sandbox (check: $chk): $out"
    else
        pass
    fi
}
# refused NAME PATTERN [cordon args]: the run is refused (125) before the
# command starts, with a message matching PATTERN.
refused() {
    name=$1 pat=$2
    shift 2
    out=$(as "$CORDON" run "$@" -- echo ran-ok 2>&1)
    rc=$?
    if [ $rc != 125 ] || printf '%s' "$out" | grep -q ran-ok; then
        fail "$name: not refused (rc=$rc): $out"
    elif ! printf '%s' "$out" | grep -qF -- "$pat"; then
        fail "$name: refused without naming $pat: $out"
    else
        pass
    fi
}
# runs NAME [cordon args]: the run goes through (the positive control of
# a refusal).
runs() {
    name=$1
    shift
    if out=$(as "$CORDON" run "$@" -- echo ran-ok 2>&1) && [ "$out" = ran-ok ]; then pass; else
        fail "$name: refused: $out"; fi
}

live_need_levels '*"fs_write":"enforced","protected_paths":"enforced","network":"enforced"*' \
    "this host does not give all three dimensions enforced" --policy-file "$POLICY"

# ---- the whole path holds -------------------------------------------------------
SECRET_OK="[ \"\$(cat '$WS/cfg/deep/secret' 2>/dev/null)\" = orig ]"
GD_OK="[ \"\$(cat '$WS/store/gd/config' 2>/dev/null)\" = orig ] && [ ! -e '$WS/store/gd/hooks/pre-commit' ]"
denied rename-parent      "mv cfg/deep cfg/d2; mkdir -p cfg/deep && echo evil > cfg/deep/secret" "$SECRET_OK"
denied rename-grandparent "mv cfg c2; mkdir -p cfg/deep && echo evil > cfg/deep/secret" "$SECRET_OK"
denied remove-parent      "rm -rf cfg; mkdir -p cfg/deep && echo evil > cfg/deep/secret" "$SECRET_OK"
denied replace-parent     "rm -f cfg/deep/secret && mkdir -p n/deep && echo evil > n/deep/secret && mv -T n/deep cfg/deep" "$SECRET_OK"
denied link-parent        "mv cfg c2 && mkdir -p n/deep && echo evil > n/deep/secret && ln -s n cfg" "$SECRET_OK"
denied rename-gitdir-path "mv store s2; mkdir -p store/gd/hooks && echo evil > store/gd/hooks/pre-commit && echo evil > store/gd/config" "$GD_OK"
denied rename-gitdir      "mv store/gd store/g2; mkdir -p store/gd/hooks && echo evil > store/gd/hooks/pre-commit" "$GD_OK"
# A missing protected path's placeholder is not carried elsewhere either.
denied strand-placeholder "mv cfg/deep cfg/d2 && mkdir cfg/deep/absent" \
    "[ ! -e '$WS/cfg/d2' ] && [ ! -e '$WS/cfg/deep/absent' ]"
reset
sbx true >/dev/null 2>&1
left=$(find "$WS" -type s 2>/dev/null)
if [ -z "$left" ]; then pass; else fail "placeholders left behind: $left"; fi

# Placeholders are links of one socket node, the template in the user's
# state directory. Positive control: with that directory outside every
# root the template is made there. With it inside a root the command
# could put a node of its own in the template's place (a socket node of
# mode 0 is what a template looks like) for later runs to link into their
# protected paths: no template is used there, the command's node is never
# linked (its link count stays 1), and the placeholders still hold.
reset
OUT=$T/state-out
mkdir -p "$OUT" && { [ -z "$RUN" ] || chown 65534:65534 "$OUT"; }
as env XDG_STATE_HOME="$OUT" "$CORDON" run --policy-file "$POLICY" -C "$WS" -- true >/dev/null 2>&1
if [ -S "$OUT/cordon/placeholder" ]; then pass; else fail "template: none made in $OUT/cordon"; fi
ST=$WS/state
tsbx() { as env XDG_STATE_HOME="$ST" "$CORDON" run --policy-file "$POLICY" -C "$WS" -- sh -c "$1"; }
tsbx true >/dev/null 2>&1
if [ -e "$ST/cordon/placeholder" ]; then fail "template: made inside a writable root"; else pass; fi
out=$(tsbx "mkdir -p '$ST/cordon' && python3 -c 'import os,stat,sys; os.mknod(sys.argv[1], stat.S_IFSOCK); os.chmod(sys.argv[1], 0)' '$ST/cordon/placeholder' && echo planted" 2>&1)
case $out in *planted*) pass ;; *) fail "template: the command could not plant its node (the positive control of the case): $out" ;; esac
out=$(tsbx "stat -c %h '$ST/cordon/placeholder'; mkdir .codex 2>/dev/null && echo made" 2>&1)
[ "$out" = 1 ] && pass || fail "template: the command's node was linked or .codex was made: $out"
if [ -e "$WS/.codex" ]; then fail "template: .codex was made"; else pass; fi
tsbx true >/dev/null 2>&1
left=$(find "$WS" -type s ! -path "$ST/cordon/placeholder" 2>/dev/null)
if [ -z "$left" ]; then pass; else fail "template: placeholders left behind: $left"; fi

# ---- a protected path whose parent does not exist ----------------------------------
reset
if sbx "echo ran > ran" >/dev/null 2>&1 && [ -f "$WS/ran" ]; then pass; else
    fail "missing-parent: the run failed"; fi
denied missing-parent "mkdir -p miss/a/b && echo evil > miss/a/b/x" "[ ! -e '$WS/miss' ]"
denied missing-parent-file "echo evil > miss" "[ ! -e '$WS/miss' ]"

# ---- symbolic links ---------------------------------------------------------------
WSP="--policy-file $POLICY -C $WS"
# The protected path itself is a link, to a directory inside or outside.
reset
as sh -c "cd '$WS' && rm .git && mv store/gd realgit && ln -s realgit .git"
refused link-git-inside "symbolic link $WS/.git" $WSP
as sh -c "cd '$WS' && rm .git && mv realgit .git"
runs link-git-control $WSP
reset
as sh -c "cd '$WS' && rm .git && ln -s '$O/real' .git"
refused link-git-outside "symbolic link $WS/.git (-> $O/real)" $WSP
# A missing protected path as a dangling link (to be created through it).
reset
as sh -c "cd '$WS' && ln -s '$O/newcodex' .codex"
refused link-codex-dangling "symbolic link $WS/.codex" $WSP
# A directory on the way is a link.
reset
as sh -c "cd '$WS' && mv cfg cfgreal && ln -s cfgreal cfg"
refused link-on-the-way "symbolic link $WS/cfg " $WSP
# The gitdir as written goes through a link inside the root ...
reset
as sh -c "cd '$WS' && ln -s store st && echo 'gitdir: st/gd' > .git"
refused link-gitdir "symbolic link $WS/st " $WSP
# ... or outside every root: the command cannot change that link, so it runs.
reset
as sh -c "cd '$WS' && ln -s '$O/real' '$O/lnk' && echo 'gitdir: $O/lnk' > .git"
runs link-gitdir-outside $WSP
# The command cannot make any of these links itself.
denied make-link-git   "rm -rf .git; ln -s store/gd .git" "[ -f '$WS/.git' ]"
denied make-link-codex "ln -s '$O/real' .codex" "[ ! -e '$WS/.codex' ] && [ ! -L '$WS/.codex' ]"

# ---- submodules and linked worktrees -----------------------------------------------
SUB_OK="[ -f '$WS/mods/m/.git' ] && grep -q modules/m '$WS/mods/m/.git'"
denied submodule-gitfile "echo 'gitdir: /tmp/evil' > mods/m/.git" "$SUB_OK"
denied submodule-replace "rm -f mods/m/.git; mkdir mods/m/.git && echo evil > mods/m/.git/config" "$SUB_OK"
denied submodule-rename  "mv mods/m mods/m2; mkdir -p mods/m/.git" "$SUB_OK"
denied submodule-config  "echo evil > store/gd/modules/m/config" \
    "[ \"\$(cat '$WS/store/gd/modules/m/config')\" = orig ]"
denied submodule-list    "printf '[submodule \"x\"]\\n\\tpath = x\\n' > .gitmodules" "grep -q mods/m '$WS/.gitmodules'"
denied submodule-uninit  "mkdir mods/u/.git && echo '[core]' > mods/u/.git/config" "[ ! -e '$WS/mods/u/.git' ]"
WT_OK="[ -f '$WS/wt1/.git' ] && grep -q worktrees/wt1 '$WS/wt1/.git'"
denied worktree-gitfile "echo 'gitdir: /tmp/evil' > wt1/.git" "$WT_OK" reset_git
denied worktree-replace "rm -f wt1/.git; mkdir wt1/.git" "$WT_OK" reset_git
denied worktree-rename  "mv wt1 wt2; mkdir -p wt1/.git" "$WT_OK" reset_git
# git itself still works in the worktree for reading.
reset_git
if out=$(as "$CORDON" run --policy-file "$POLICY" -C "$WS/wt1" -w "$WS" -- git status --short 2>&1); then pass; else
    fail "worktree: git status failed in the sandbox: $out"; fi

# ---- roots reached through a link ----------------------------------------------------
# A run in $WS records it as granted; a link planted in it (the sandboxed
# command may make one: it is inside its root) cannot lead a later root
# elsewhere, even when that root is not $WS itself.
reset
as mkdir -p "$O/target"
if sbx "ln -s '$O/target' planted" >/dev/null 2>&1 && [ -L "$WS/planted" ]; then pass; else
    fail "root-link: the command could not make a link inside its root (positive control)"; fi
refused root-link-cwd "symbolic link $WS/planted (-> $O/target)" -C "$WS/planted"
# The same link as the caller's working directory (a harness that changed
# into it): $PWD shows the way it was reached.
out=$(cd "$WS/planted" && as env PWD="$WS/planted" "$CORDON" run -- echo ran-ok 2>&1)
case $out in
*"symbolic link $WS/planted (-> $O/target)"*) pass ;;
*) fail "root-link-pwd: not refused: $out" ;;
esac
refused root-link-root "symbolic link $WS/planted (-> $O/target)" -C "$H" -w "$WS/planted"
# The record lives in the user's state directory, outside every root.
if grep -qx "$WS" "$H/.local/state/cordon/roots" 2>/dev/null; then pass; else
    fail "root-record: $WS is not in the record"; fi
# A record grown past its bound is rewritten without the roots that are
# gone; the ones still there stay.
as sh -c "for i in \$(seq 3000); do echo '$T/gone-'\$i'/a/long/enough/path/name'; done >> '$H/.local/state/cordon/roots'"
as "$CORDON" run -C "$WS" -- true >/dev/null 2>&1
if grep -qx "$WS" "$H/.local/state/cordon/roots" && ! grep -q gone- "$H/.local/state/cordon/roots"; then pass; else
    fail "root-record: not compacted, or $WS lost: $(wc -c < "$H/.local/state/cordon/roots") bytes"; fi
refused root-link-after-compact "symbolic link $WS/planted (-> $O/target)" -C "$WS/planted"
# A link the user made outside every granted root keeps working.
as ln -s "$O/target" "$H/mine"
runs root-link-user -C "$H/mine"

# ---- the run report ------------------------------------------------------------------
reset
as ln -s "$O/real/config" "$H/rep-link"
refused report-link "$H/rep-link" -C "$WS" --report "$H/rep-link"
if [ "$(cat "$O/real/config")" = orig ]; then pass; else fail "report-link: wrote through the link"; fi
refused report-missing-dir "$H/no/such/dir/rep" -C "$WS" --report "$H/no/such/dir/rep"
runs report-control -C "$WS" --report "$H/rep"
if grep -q '"exit_status":0' "$H/rep"; then pass; else fail "report-control: no report written"; fi
# The command replaces the report (inside its root) by a link outside:
# cordon writes through the descriptor it opened, not the new link.
reset
as "$CORDON" run -C "$WS" --report "$WS/rep" -- sh -c "rm -f rep && ln -s '$O/real/config' rep" >/dev/null 2>&1
if [ "$(cat "$O/real/config")" = orig ] && [ -L "$WS/rep" ]; then pass; else
    fail "report-swap: cordon's report went through the command's link"; fi
# (control: writing by path there would have changed the file outside)
as sh -c "echo json > '$WS/rep'"
if [ "$(cat "$O/real/config")" = json ]; then pass; else fail "report-swap: positive control"; fi

live_done "linux_escape_paths_$WHO"
