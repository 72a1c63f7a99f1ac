#!/usr/bin/env bash
# Puts promtool, pinned to Prometheus 2.42.0, at bin/promtool when it is missing or another
# version: the binary of Debian 12's `prometheus` package, taken out of the .deb (apt checks
# its hash against the signed archive) without installing the package, its server or its
# service. Debian keeps 2.42.0 for the whole of bookworm, changing only its revision for
# security fixes, so the pin is on the upstream version: a new revision is taken, another
# version refused. Prometheus 2.42's PromQL and rule tests are what deploy/prometheus uses.
#
# Measured on 2 shared cores: 2.5 s (download of 19 MB and extraction). Building promtool from
# the Go module instead (github.com/prometheus/prometheus v0.316.0, cmd/promtool) had not
# finished after 18 minutes on the same machine under load, so it is not the way here.
set -euo pipefail
cd "$(dirname "$0")/.."

version=2.42.0
bin=bin/promtool

installed() {
  [ -x "$bin" ] && "$bin" --version 2>&1 | head -n1 | grep -q "^promtool, version ${version//./\\.}[+ ]"
}
installed && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "promtool.sh: apt-get not found: put promtool $version at $bin (from Debian 12's prometheus package, or a Prometheus $version release)" >&2
  exit 1
fi

candidate() { apt-cache madison prometheus 2>/dev/null | awk -F' *[|] *' -v v="$version" 'index($2, v "+") == 1 {print $2; exit}'; }
deb_version=$(candidate)
if [ -z "$deb_version" ]; then
  apt-get update -qq >/dev/null || { echo "promtool.sh: apt-get update failed (it needs root)" >&2; exit 1; }
  deb_version=$(candidate)
fi
if [ -z "$deb_version" ]; then
  echo "promtool.sh: Debian offers no prometheus $version (apt-cache madison prometheus: $(apt-cache madison prometheus 2>/dev/null | awk -F' *[|] *' '{print $2}' | tr '\n' ' ')); update the pin in tools/promtool.sh and test deploy/prometheus with it" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The sandbox user _apt cannot write into a private temporary directory.
download() { (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "prometheus=$deb_version" >/dev/null); }
if ! download; then
  # Lists older than the archive name a revision it no longer holds.
  apt-get update -qq >/dev/null || { echo "promtool.sh: apt-get update failed (it needs root)" >&2; exit 1; }
  deb_version=$(candidate)
  [ -n "$deb_version" ] && download || { echo "promtool.sh: could not download prometheus $version from Debian" >&2; exit 1; }
fi
dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool
mkdir -p bin
install -m 0755 "$work/usr/bin/promtool" "$bin"
if ! installed; then
  echo "promtool.sh: $bin from prometheus $deb_version says: $("$bin" --version 2>&1 | head -n1)" >&2
  exit 1
fi
echo "promtool.sh: $bin is promtool $version (Debian prometheus $deb_version)"
