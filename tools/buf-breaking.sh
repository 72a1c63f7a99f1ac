#!/usr/bin/env bash
# Runs `buf breaking` on the proto/ of the current checkout (working tree included) against a
# baseline commit of the same repository, and says which one:
#
#   1. $BUF_BREAKING_AGAINST when set (any git revision: a tag, a branch, a sha);
#   2. else the last release tag (v*) before HEAD: what clients already have;
#   3. else, on a branch with commits that main lacks, the commit it forked from main: every
#      change the branch would bring;
#   4. else (CI's clone, where HEAD is main's tip) the commit before HEAD.
#
# The baseline's buf.yaml and proto/ are exported with `git archive` into a temporary
# directory and buf compares against that directory: buf's own git input cannot name
# `<sha>~1`, and it does not open a linked worktree's `.git` file.
#
# No baseline (a repository of one commit, or a baseline without proto/) is reported and
# passes. A shallow clone is deepened by one commit; when that fails the check fails under
# CI=true (it would otherwise pass without ever comparing) and is skipped elsewhere.
#
# BUF names the buf binary (default: bin/buf of the checkout, built by `make tools`).
set -euo pipefail

root=$(git rev-parse --show-toplevel)
cd "$root"
buf=${BUF:-$root/bin/buf}

say() { echo "buf breaking: $*"; }

# parent prints the sha of HEAD's first parent, deepening a shallow clone once if needed.
parent() {
	if git rev-parse --verify -q 'HEAD^{commit}^' >/dev/null 2>&1; then
		git rev-parse 'HEAD^'
		return
	fi
	if [[ $(git rev-parse --is-shallow-repository) == true ]] && git fetch -q --deepen=1 2>/dev/null &&
		git rev-parse --verify -q 'HEAD^' >/dev/null 2>&1; then
		git rev-parse 'HEAD^'
		return
	fi
	return 1
}

baseline='' why=''
if [[ -n ${BUF_BREAKING_AGAINST:-} ]]; then
	baseline=$(git rev-parse --verify "${BUF_BREAKING_AGAINST}^{commit}")
	why="BUF_BREAKING_AGAINST=$BUF_BREAKING_AGAINST"
elif tag=$(git describe --tags --abbrev=0 --match 'v*' 'HEAD^' 2>/dev/null); then
	baseline=$(git rev-parse "$tag^{commit}")
	why="the last release tag $tag"
elif git rev-parse --verify -q refs/heads/main >/dev/null && ! git merge-base --is-ancestor HEAD refs/heads/main; then
	baseline=$(git merge-base HEAD refs/heads/main)
	why="where this branch left main"
elif baseline=$(parent); then
	why="the commit before HEAD"
elif [[ $(git rev-parse --is-shallow-repository) == true ]]; then
	if [[ ${CI:-} == true ]]; then
		say "failed: this clone is shallow and HEAD's parent cannot be fetched; clone with at least two commits"
		exit 1
	fi
	say "skipped: shallow clone without HEAD's parent"
	exit 0
else
	say "skipped: HEAD is the first commit, there is no earlier commit to compare with"
	exit 0
fi

short=$(git rev-parse --short "$baseline")
if [[ -z $(git ls-tree "$baseline" -- proto) ]]; then
	say "skipped: $why ($short) has no proto/"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths=(proto)
for f in buf.yaml buf.lock; do
	[[ -n $(git ls-tree "$baseline" -- "$f") ]] && paths+=("$f")
done
git archive "$baseline" -- "${paths[@]}" | tar -x -C "$tmp"

say "proto/ against $why ($short)"
"$buf" breaking --against "$tmp"
