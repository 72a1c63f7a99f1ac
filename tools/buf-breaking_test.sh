#!/usr/bin/env bash
# Proves that tools/buf-breaking.sh can fail: in a throwaway git repository it commits a proto,
# then harmless and breaking changes, and checks what the script says and returns for each
# choice of baseline (first commit, previous commit, branch, release tag, override, working
# tree). Needs bin/buf (`make tools`); BUF names another one. Prints "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
script=$root/tools/buf-breaking.sh
export BUF=${BUF:-$root/bin/buf}
if [[ ! -x $BUF ]]; then
	echo "buf-breaking_test: $BUF missing: run 'make tools'" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A repository of its own, untouched by the user's git configuration.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
unset BUF_BREAKING_AGAINST CI
repo=$tmp/repo
git init -q -b main "$repo"
cd "$repo"
cp "$root/buf.yaml" buf.yaml
mkdir -p proto/demo/v1

passed=0 failed=0
proto() { # proto FIELD... writes message Item with the given "type name = n;" fields
	{
		echo 'syntax = "proto3";'
		echo 'package demo.v1;'
		echo 'message Item {'
		for field in "$@"; do echo "  $field"; done
		echo '}'
	} >proto/demo/v1/demo.proto
}
commit() { git add -A && git commit -q -m "$1"; }

# expect NAME STATUS TEXT: runs the script; its exit status must be STATUS (0 or non-zero:
# "fail") and its output must contain TEXT.
expect() {
	local name=$1 want=$2 text=$3 out status
	out=$("$script" 2>&1)
	status=$?
	if { [[ $want == 0 && $status == 0 ]] || [[ $want == fail && $status != 0 ]]; } && [[ $out == *"$text"* ]]; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name: want status $want and output containing \"$text\", got status $status:"
		echo "$out" | sed 's/^/     /'
	fi
}

proto 'string id = 1;' 'string name = 2;'
commit "first"
expect "first commit: nothing to compare with" 0 "skipped: HEAD is the first commit"

proto 'string id = 1;' 'string name = 2;' 'string city = 3;'
commit "add a field"
expect "added field passes against the previous commit" 0 "against the commit before HEAD"

proto 'string id = 1;' 'string city = 3;'
commit "remove a field"
expect "removed field fails against the previous commit" fail 'field "2" with name "name" on message "Item" was deleted'

proto 'string id = 1;' 'string city = 3;' 'reserved 2;'
commit "reserve the removed number"
expect "the commit after a break compares with the break only" 0 "against the commit before HEAD"

proto 'string id = 1;'
expect "uncommitted removal in the working tree fails" fail 'field "3" with name "city" on message "Item" was deleted'
git checkout -q -- proto

git checkout -q -b feature
proto 'string id = 1;'
commit "feature: remove city"
proto 'string id = 1;' 'string note = 4;'
commit "feature: add note"
expect "a branch is compared with where it left main" fail 'field "3" with name "city" on message "Item" was deleted'
git checkout -q main

git tag v1.0.0
proto 'string id = 1;' 'string city = 3;' 'reserved 2;' 'string note = 4;'
commit "after release: add note"
expect "tagged release, harmless change passes" 0 "against the last release tag v1.0.0"
proto 'string id = 1;' 'reserved 2;' 'string note = 4;'
commit "after release: remove city"
proto 'string id = 1;' 'reserved 2;' 'string note = 4;' 'string email = 5;'
commit "after release: add email"
expect "break since the release fails though HEAD alone is harmless" fail 'field "3" with name "city" on message "Item" was deleted'
BUF_BREAKING_AGAINST=HEAD~1 expect "BUF_BREAKING_AGAINST overrides the baseline" 0 "against BUF_BREAKING_AGAINST=HEAD~1"

git clone -q --depth 1 "file://$repo" "$tmp/shallow"
cd "$tmp/shallow"
expect "a shallow clone is deepened to reach the previous commit" 0 "against the commit before HEAD"
git clone -q --depth 1 "file://$repo" "$tmp/cut"
cd "$tmp/cut"
git remote remove origin
expect "a shallow clone that cannot be deepened is skipped" 0 "skipped: shallow clone"
CI=true expect "... but fails under CI" fail "this clone is shallow"

echo "buf-breaking: $passed passed, $failed failed"
[[ $failed == 0 ]]
