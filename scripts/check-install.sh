#!/usr/bin/env bash
# Installs the build in $1 to a temporary prefix and builds two small C
# programs against it: one with find_package(cordon), one with pkg-config.
set -euo pipefail
build=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cordon-test-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
mkdir -p "$tmp/app"
cat >"$tmp/app/main.c" <<'C'
#include <cordon.h>
#include <stdio.h>
int main(void)
{
    cordon_policy *p = NULL;
    cordon_levels lv;
    if (cordon_policy_builtin("workspace-write", &p) != CORDON_OK)
        return 1;
    if (cordon_level_query(p, NULL, &lv) != CORDON_OK)
        return 2;
    printf("%s network=%s\n", cordon_version(), cordon_level_name(cordon_levels_overall(&lv)));
    cordon_policy_free(p);
    return 0;
}
C
cat >"$tmp/app/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.20)
project(app C)
find_package(cordon 0.1 REQUIRED)
add_executable(app main.c)
target_link_libraries(app PRIVATE cordon::cordon)
C
cmake -S "$tmp/app" -B "$tmp/app/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/app/build" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/app/build/app"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig"
cc -o "$tmp/app/pc" "$tmp/app/main.c" $(pkg-config --cflags --libs cordon)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/app/pc"
test -x "$tmp/prefix/bin/cordon"
test -x "$tmp/prefix/libexec/cordon/shims/ssh"
"$tmp/prefix/bin/cordon" --version
echo "install: find_package and pkg-config consumers built and ran"
