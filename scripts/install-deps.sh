#!/bin/sh
# Installs everything cordon needs to build and test on Debian 12, from
# Debian's packages only. Safe to re-run.
set -eu
packages="
  cmake make gcc pkg-config musl-tools
  clang libclang-rt-14-dev
  libseccomp-dev libnftables-dev libcap-dev
  mingw-w64 wine wine64
  bubblewrap nftables iproute2 util-linux passwd procps
  python3 python3-venv git ca-certificates
  golang-go
"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: everything is installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
echo "install-deps: installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
