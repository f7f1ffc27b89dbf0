#!/bin/sh
# Live tests of the tool cache (policy cache = "sandbox", the default) in
# linux-unelevated, with real package managers and nothing from the
# network: every package is made here. Each CASE installs or builds in a
# workspace under the default policy (network off), then again in a fresh
# workspace, and shows that the second run used what the first one left
# in cordon's cache; the control is the same first run with cache = "none",
# which fails (or, for pip, cannot reuse anything) because the tools' own
# caches in the home are read-only inside the sandbox.
#
#   npm    npm install <a local tarball>
#   pip    pip install --no-index --find-links DIR (into a venv in the
#          workspace); the sdist is built once, the second run uses the
#          cached wheel
#   cargo  cargo build --offline with a vendored crate
#   go     go build with a module proxy directory; the second run has no
#          proxy at all (GOPROXY=off) and builds from the module cache
#   clear  the cache directory itself: where it is, that level/explain do
#          not create it and a run does (0700), the variables inside, and
#          `cordon cache clear` emptying it without following the links a
#          command planted there
#
# usage: caches.sh PROBE root|user CASE
set -u
PROBE=$1
WHO=${2:-root}
CASE=${3:-clear}
SKIP=77

. "$(dirname "$0")/setup.sh"
# The tools leave read-only files (Go's module cache) in T.
test_cleanup() { [ -n "${T:-}" ] && chmod -R u+w "$T" 2>/dev/null; }
# Found before the home changes: rustup's cargo lives in the caller's home.
CARGO_BIN=$(command -v cargo 2>/dev/null || true)
REAL_RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
live_setup "caches-$CASE"
# The tools' own settings from this machine stay out of the test.
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL GOFLAGS GOPROXY CARGO_HOME \
      npm_config_cache NPM_CONFIG_CACHE 2>/dev/null

TOOLPATH=/usr/bin:/bin
as() { $RUN env HOME="$H" PATH="$TOOLPATH" "$@"; }
# sbx DIR SNIPPET [cordon options]: SNIPPET in the sandbox, cwd DIR.
sbx() { d=$1 s=$2; shift 2; as "$CORDON" run -C "$d" "$@" -- sh -c "$s"; }
CACHE=$H/.cache/cordon/tools
printf 'mode = "workspace-write"\ncache = "none"\n' > "$T/none.toml"
chmod 644 "$T/none.toml"
mkws() { mkdir -p "$1" && { [ -z "$RUN" ] || chown 65534:65534 "$1"; }; }
give() { [ -z "$RUN" ] || chown -R 65534:65534 "$@"; }

live_need_levels '*"backend":"linux-unelevated"*"fs_write":"enforced"*' \
    "this host does not run linux-unelevated with fs_write enforced"

case $CASE in
npm)
    command -v npm >/dev/null || { echo "SKIP: npm is not installed"; exit $SKIP; }
    mkdir -p "$T/pkg" && printf '{"name":"cordon-test-pkg","version":"1.0.0","main":"index.js"}\n' \
        > "$T/pkg/package.json" && echo 'module.exports = 42;' > "$T/pkg/index.js" &&
        give "$T/pkg" || { echo "cannot make the test package in $T/pkg"; exit 1; }
    # Outside the sandbox: the package the sandboxed install takes. Errors
    # stay in the log (--silent would drop them too). npm's cache and its
    # debug log go outside the directory being packed (a log growing while
    # it is packed fails the pack), and npm does not ask the registry for
    # a newer npm (nothing leaves the machine).
    mkdir -p "$T/pack-cache" && give "$T/pack-cache"
    (cd "$T/pkg" && as npm pack --loglevel error --no-update-notifier --cache "$T/pack-cache" \
        >"$T/pack.log" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && [ -f "$T/pkg/cordon-test-pkg-1.0.0.tgz" ] ||
        { echo "cannot pack the test package (npm pack, outside the sandbox): exit $rc"
          cat "$T/pack.log"; ls -la "$T/pkg"; exit 1; }
    TGZ=$T/pkg/cordon-test-pkg-1.0.0.tgz
    install="npm install --no-audit --no-fund '$TGZ' && node -e 'console.log(require(\"cordon-test-pkg\"))'"
    mkws "$T/none"
    out=$(sbx "$T/none" "$install" --policy-file "$T/none.toml" 2>&1)
    case $out in
    *EROFS*|*EACCES*|*ENOENT*) pass ;;
    *) fail "control: npm install with cache = none did not fail on its home cache: $out" ;;
    esac
    out=$(sbx "$WS" "$install" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "npm install in the sandbox: $out"
    [ -d "$CACHE/npm/_cacache/content-v2" ] && pass || fail "npm wrote nothing in $CACHE/npm"
    [ ! -e "$H/.npm" ] && pass || fail "npm wrote the user's own cache $H/.npm"
    idx=$(find "$CACHE/npm/_cacache/index-v5" -type f 2>/dev/null | head -1)
    mkws "$T/ws2"
    out=$(sbx "$T/ws2" "$install" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "second npm install: $out"
    [ -n "$idx" ] && [ -f "$idx" ] && pass || fail "the second run did not find the first run's npm cache index"
    ;;
pip)
    [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null ||
        { echo "SKIP: /usr/bin/python3 with venv and ensurepip is missing (Debian: python3-venv)"; exit $SKIP; }
    # An sdist whose build backend is in the tree (no setuptools, no
    # download) and counts its builds in $CORDON_TEST_BUILD_LOG.
    src=$T/src/cordon_test_pkg-1.0
    mkdir -p "$src" "$T/links"
    cat > "$src/pyproject.toml" <<'EOF'
[build-system]
requires = []
build-backend = "cordon_backend"
backend-path = ["."]
EOF
    printf 'Metadata-Version: 2.1\nName: cordon_test_pkg\nVersion: 1.0\n' > "$src/PKG-INFO"
    cat > "$src/cordon_backend.py" <<'EOF'
import base64, hashlib, os, zipfile
NAME, VER = "cordon_test_pkg", "1.0"
def get_requires_for_build_wheel(config_settings=None):
    return []
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    log = os.environ.get("CORDON_TEST_BUILD_LOG")
    if log:
        with open(log, "a") as f:
            f.write("built\n")
    di = "%s-%s.dist-info" % (NAME, VER)
    files = {NAME + ".py": b"ANSWER = 42\n",
             di + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VER)).encode(),
             di + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: cordon-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    name = "%s-%s-py3-none-any.whl" % (NAME, VER)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
            h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (n, h, len(d)))
        record.append(di + "/RECORD,,")
        z.writestr(di + "/RECORD", "\n".join(record) + "\n")
    return name
EOF
    (cd "$T/src" && tar czf "$T/links/cordon_test_pkg-1.0.tar.gz" cordon_test_pkg-1.0) ||
        { echo "cannot make the sdist"; exit 1; }
    chmod -R a+rX "$T/src" "$T/links"
    # One venv made in the sandbox; the other workspaces get copies of it
    # (made before anything is installed), to save its minute of ensurepip.
    sbx "$WS" "/usr/bin/python3 -m venv venv" >/dev/null 2>&1 && [ -x "$WS/venv/bin/python" ] ||
        { echo "cannot make a venv in the sandbox"; exit 1; }
    for d in none none2 ws2; do
        mkws "$T/$d" && as cp -a "$WS/venv" "$T/$d/venv" || { echo "cannot copy the venv"; exit 1; }
    done
    install="CORDON_TEST_BUILD_LOG=\$PWD/builds venv/bin/python -m pip install --no-index --find-links '$T/links' cordon_test_pkg && venv/bin/python -c 'import cordon_test_pkg; print(cordon_test_pkg.ANSWER)'"
    # Control: without the cache, pip cannot keep the wheel it built (as
    # an ordinary user it disables its cache; as root it fails writing it).
    sbx "$T/none" "$install" --policy-file "$T/none.toml" >/dev/null 2>&1
    out=$(sbx "$T/none2" "$install" --policy-file "$T/none.toml" 2>&1)
    if [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && [ -f "$T/none2/builds" ]; then pass
    else case $out in
        *"Read-only file system"*) pass ;;
        *) fail "control: with cache = none the second install neither rebuilt nor failed on the home cache: $out" ;;
        esac
    fi
    out=$(sbx "$WS" "$install" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && [ -f "$WS/builds" ] && pass ||
        fail "pip install in the sandbox: $out"
    find "$CACHE/pip" -name '*.whl' 2>/dev/null | grep -q . && pass ||
        fail "pip kept no wheel in $CACHE/pip"
    [ ! -e "$H/.cache/pip" ] && pass || fail "pip wrote the user's own cache $H/.cache/pip"
    out=$(sbx "$T/ws2" "$install" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "second pip install: $out"
    [ ! -e "$T/ws2/builds" ] && pass || fail "the second pip install built the sdist again: no reuse"
    ;;
cargo)
    [ -n "$CARGO_BIN" ] || { echo "SKIP: cargo is not installed"; exit $SKIP; }
    TOOLPATH=/usr/bin:/bin:$(dirname "$CARGO_BIN")
    if ! as env RUSTUP_HOME="$REAL_RUSTUP_HOME" cargo --version >/dev/null 2>&1; then
        echo "SKIP: cargo ($CARGO_BIN) does not run as this user (uid $($RUN id -u)): its toolchain is not reachable"
        exit $SKIP
    fi
    mkcrate() {
        mkdir -p "$1/src" "$1/.cargo" "$1/vendor/cordon-test-dep/src"
        printf '[package]\nname = "cordon-test-app"\nversion = "0.1.0"\nedition = "2018"\n\n[dependencies]\ncordon-test-dep = "1.0"\n' > "$1/Cargo.toml"
        echo 'fn main() { println!("{}", cordon_test_dep::answer()); }' > "$1/src/main.rs"
        printf '[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "vendor"\n' > "$1/.cargo/config.toml"
        printf '[package]\nname = "cordon-test-dep"\nversion = "1.0.0"\nedition = "2018"\n' > "$1/vendor/cordon-test-dep/Cargo.toml"
        echo 'pub fn answer() -> u32 { 42 }' > "$1/vendor/cordon-test-dep/src/lib.rs"
        echo '{"files":{},"package":null}' > "$1/vendor/cordon-test-dep/.cargo-checksum.json"
        give "$1"
    }
    build="cargo build --offline -q && ./target/debug/cordon-test-app"
    mkcrate "$WS"
    out=$(RUSTUP_HOME=$REAL_RUSTUP_HOME sbx "$WS" "RUSTUP_HOME='$REAL_RUSTUP_HOME' $build" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "cargo build --offline in the sandbox: $out"
    [ -e "$CACHE/cargo/.package-cache" ] && pass || fail "cargo did not use CARGO_HOME=$CACHE/cargo"
    [ ! -e "$H/.cargo" ] && pass || fail "cargo wrote the user's own $H/.cargo"
    mkws "$T/ws2"
    mkcrate "$T/ws2"
    out=$(sbx "$T/ws2" "RUSTUP_HOME='$REAL_RUSTUP_HOME' $build" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "second cargo build: $out"
    [ -e "$CACHE/cargo/.global-cache" ] && pass || fail "no cargo cache database kept in $CACHE/cargo"
    ;;
go)
    command -v go >/dev/null ||
        { echo "SKIP: go is not installed (Debian: golang-go, scripts/install-deps.sh)"; exit $SKIP; }
    TOOLPATH=/usr/bin:/bin:$(dirname "$(command -v go)")
    # A module proxy directory (GOPROXY=file://) holding one module.
    v=$T/proxy/example.com/cordontest/@v
    mkdir -p "$v"
    /usr/bin/python3 - "$v" <<'EOF' || { echo "cannot make the module proxy"; exit 1; }
import json, sys, zipfile
v = sys.argv[1] + "/"
mod = "module example.com/cordontest\n\ngo 1.19\n"
open(v + "list", "w").write("v1.0.0\n")
open(v + "v1.0.0.info", "w").write(json.dumps({"Version": "v1.0.0", "Time": "2026-01-01T00:00:00Z"}))
open(v + "v1.0.0.mod", "w").write(mod)
with zipfile.ZipFile(v + "v1.0.0.zip", "w") as z:
    z.writestr("example.com/cordontest@v1.0.0/go.mod", mod)
    z.writestr("example.com/cordontest@v1.0.0/answer.go",
               "package cordontest\n\nfunc Answer() int { return 42 }\n")
EOF
    chmod -R a+rX "$T/proxy"
    mkapp() {
        printf 'module cordontestapp\n\ngo 1.19\n\nrequire example.com/cordontest v1.0.0\n' > "$1/go.mod"
        printf 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/cordontest"\n)\n\nfunc main() { fmt.Println(cordontest.Answer()) }\n' > "$1/main.go"
        give "$1"
    }
    goenv="GOFLAGS='-mod=mod -buildvcs=false' GONOSUMDB=example.com GOTOOLCHAIN=local"
    build="go build -o app . && ./app"
    mkws "$T/none"
    mkapp "$T/none"
    out=$(sbx "$T/none" "$goenv GOPROXY=file://$T/proxy $build" --policy-file "$T/none.toml" 2>&1)
    case $out in
    *"read-only file system"*|*"permission denied"*) pass ;;
    *) fail "control: go build with cache = none did not fail on its home caches: $out" ;;
    esac
    mkapp "$WS"
    out=$(sbx "$WS" "$goenv GOPROXY=file://$T/proxy $build" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass || fail "go build in the sandbox: $out"
    [ -d "$CACHE/go-mod/example.com/cordontest@v1.0.0" ] && pass ||
        fail "the module is not in GOMODCACHE=$CACHE/go-mod"
    [ ! -e "$H/go" ] && [ ! -e "$H/.cache/go-build" ] && pass ||
        fail "go wrote the user's own $H/go or $H/.cache/go-build"
    # No proxy at all now: only the module cache can provide the module.
    mkws "$T/ws2"
    mkapp "$T/ws2"
    out=$(sbx "$T/ws2" "$goenv GOPROXY=off $build" 2>&1)
    [ "$(printf '%s\n' "$out" | tail -1)" = 42 ] && pass ||
        fail "second go build with GOPROXY=off did not build from the module cache: $out"
    # Go's module cache is read-only on disk: cordon cache clear still empties it.
    as "$CORDON" cache clear && [ -z "$(ls -A "$CACHE")" ] && pass ||
        fail "cordon cache clear left: $(ls -A "$CACHE")"
    ;;
clear)
    out=$(as "$CORDON" cache path)
    [ "$out" = "$CACHE" ] && pass || fail "cordon cache path says '$out', expected $CACHE"
    as "$CORDON" level -C "$WS" >/dev/null && as "$CORDON" explain -C "$WS" >/dev/null
    [ ! -e "$H/.cache" ] && pass || fail "level/explain created $H/.cache"
    case $(as "$CORDON" explain -C "$WS") in
    *"$CACHE (tool cache; created at the first run)"*) pass ;;
    *) fail "explain does not show the cache to be created" ;;
    esac
    out=$(sbx "$WS" 'echo "$npm_config_cache|$PIP_CACHE_DIR|$CARGO_HOME|$GOMODCACHE|$XDG_CACHE_HOME"')
    [ "$out" = "$CACHE/npm|$CACHE/pip|$CACHE/cargo|$CACHE/go-mod|$CACHE/xdg" ] && pass ||
        fail "the cache variables inside: $out"
    [ "$(stat -c %a "$CACHE" 2>/dev/null)" = 700 ] && [ "$(stat -c %a "$H/.cache" 2>/dev/null)" = 700 ] &&
        pass || fail "the cache was not created private: $(ls -ld "$H/.cache" "$CACHE" 2>&1)"
    # With cache = "none", nothing points there.
    out=$(sbx "$WS" 'echo "${npm_config_cache:-unset}"' --policy-file "$T/none.toml")
    [ "$out" = unset ] && pass || fail "cache = none still sets npm_config_cache=$out"
    # The cache is writable inside, the user's own cache beside it is not.
    mkdir -p "$H/.cache/pip" && give "$H/.cache/pip"
    sbx "$WS" "echo x > '$CACHE/w' && ! (echo y > '$H/.cache/pip/poison') 2>/dev/null" && pass ||
        fail "inside: the tool cache not writable, or the user's own cache writable"
    # What a command plants in the cache: a link to a directory outside,
    # a link to a file outside, a read-only tree. Clear empties the cache
    # and leaves what the links point at.
    mkdir -p "$O/keep" && echo precious > "$O/keep/file" && echo precious > "$O/keepfile" && give "$O"
    sbx "$WS" "ln -s '$O/keep' '$CACHE/dirlink' && ln -s '$O/keepfile' '$CACHE/filelink' &&
               mkdir -p '$CACHE/ro/sub' && echo z > '$CACHE/ro/sub/f' && chmod 555 '$CACHE/ro/sub' '$CACHE/ro'" ||
        fail "cannot plant the links in the cache"
    # Through those links nothing outside is writable from inside.
    sbx "$WS" "! (echo x >> '$CACHE/filelink') 2>/dev/null && ! (echo x > '$CACHE/dirlink/new') 2>/dev/null" &&
        [ "$(cat "$O/keepfile")" = precious ] && [ ! -e "$O/keep/new" ] && pass ||
        fail "a link in the cache let the command write outside"
    as "$CORDON" cache clear && pass || fail "cordon cache clear failed"
    [ -d "$CACHE" ] && [ -z "$(ls -A "$CACHE")" ] && pass || fail "the cache is not empty: $(ls -A "$CACHE")"
    [ "$(cat "$O/keep/file" 2>/dev/null)" = precious ] && [ "$(cat "$O/keepfile" 2>/dev/null)" = precious ] &&
        pass || fail "cordon cache clear followed a link out of the cache"
    as "$CORDON" cache clear && pass || fail "cordon cache clear of an empty cache failed"
    # A cache directory of another user's is refused, not shared (as root:
    # the test can make one).
    if [ -z "$RUN" ]; then
        H2=$T/home2
        mkdir -p "$H2/.cache/cordon/tools" && chown -R 65534:65534 "$H2/.cache/cordon"
        out=$(env HOME="$H2" PATH="$TOOLPATH" "$CORDON" run -C "$WS" -- true 2>&1)
        rc=$?
        [ $rc -eq 125 ] && case $out in *"belongs to uid 65534"*) true ;; *) false ;; esac && pass ||
            fail "a tool cache owned by another user was used: exit $rc: $out"
        out=$(env HOME="$H2" PATH="$TOOLPATH" "$CORDON" run -C "$WS" --policy-file "$T/none.toml" -- true 2>&1) &&
            pass || fail "cache = none still needs the cache directory: $out"
    fi
    ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac

live_done "caches $CASE ($WHO)"
