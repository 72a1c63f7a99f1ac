#!/usr/bin/env bash
# npm-fetch.sh LOCK NAME DEST: copies the file that LOCK pins for package NAME out of its npm
# tarball into DEST, after checking the tarball against the pinned sha512 integrity and the
# file against the pinned sha256. Nothing is installed and no package script runs: npm only
# downloads the tarball (`npm pack`).
set -euo pipefail
lock=$1 name=$2 dest=$3
read -r _ version integrity inner sha256 < <(awk -v n="$name" '$1 == n' "$lock")
[ -n "${version:-}" ] || { echo "npm-fetch: $name is not pinned in $lock" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm-fetch: npm is needed to fetch $name@$version (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "npm-fetch: $name@$version tarball is $got, pinned $integrity" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" "package/$inner"
got=$(sha256sum "$tmp/package/$inner" | cut -d' ' -f1)
if [ "$got" != "$sha256" ]; then
  echo "npm-fetch: $name@$version $inner is sha256 $got, pinned $sha256" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$tmp/package/$inner" "$dest"
echo "npm-fetch: $name@$version $inner -> $dest"
