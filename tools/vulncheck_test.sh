#!/usr/bin/env bash
# Proves that tools/vulncheck.sh can fail, without the online database: a local database in
# vuln.go.dev's layout lists a made-up vulnerability in the standard library's strings.ToUpper;
# a throwaway module that calls it must fail the check, one that only imports the package must
# pass, and an unreachable database must be skipped with its message. Needs bin/govulncheck
# (GOVULNCHECK names another one). Prints "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
script=$root/tools/vulncheck.sh
export GOVULNCHECK=${GOVULNCHECK:-$root/bin/govulncheck}
if [[ ! -x $GOVULNCHECK ]]; then
	echo "vulncheck_test: $GOVULNCHECK missing: run 'make lint-tools'" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOWORK= GOFLAGS=  # go.work below, found as usual

db=$tmp/db
mkdir -p "$db/index" "$db/ID"
modified=2026-01-01T00:00:00Z
echo "{\"modified\":\"$modified\"}" >"$db/index/db.json"
echo "[{\"path\":\"stdlib\",\"vulns\":[{\"id\":\"GO-2099-0001\",\"modified\":\"$modified\"}]}]" >"$db/index/modules.json"
cat >"$db/ID/GO-2099-0001.json" <<EOF
{"schema_version":"1.3.1","id":"GO-2099-0001","modified":"$modified","published":"$modified",
 "summary":"made up by tools/vulncheck_test.sh","details":"Not a real vulnerability.",
 "database_specific":{"url":"https://example.invalid/GO-2099-0001"},
 "affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}],
   "ecosystem_specific":{"imports":[{"path":"strings","symbols":["ToUpper"]}]}}]}
EOF

# module NAME BODY: a module in $tmp/NAME whose main function runs BODY (importing strings).
module() {
	mkdir -p "$tmp/$1"
	printf 'module example.invalid/%s\n\ngo 1.26\n' "$1" >"$tmp/$1/go.mod"
	printf 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { %s }\n' "$2" >"$tmp/$1/main.go"
}
module calls 'fmt.Println(strings.ToUpper("x"))'
module imports 'fmt.Println(strings.ToLower("x"))'
# A workspace of both, as go.work makes of this repository: the call in its second module counts.
printf 'go 1.26\n\nuse (\n\t./imports\n\t./calls\n)\n' >"$tmp/go.work"

passed=0 failed=0
# expect NAME STATUS TEXT MODULE [VAR=VALUE...]: runs the script from $tmp over MODULE; its
# exit status must be STATUS and its output must contain TEXT.
expect() {
	local name=$1 want=$2 text=$3 mod=$4 out status
	shift 4
	# shellcheck disable=SC2086 # MODULE may name several
	out=$(cd "$tmp" && env "$@" "$script" $mod 2>&1)
	status=$?
	if [[ $status == "$want" && $out == *"$text"* ]]; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name: want status $want and output containing \"$text\", got status $status:"
		echo "$out" | sed 's/^/     /'
	fi
}

# govulncheck exits 3 when called code is affected.
expect "a called vulnerable function fails" 3 "Your code is affected by 1 vulnerability" calls VULN_DB="file://$db"
expect "an imported, uncalled one passes" 0 "Your code is affected by 0 vulnerabilities" imports VULN_DB="file://$db"
expect "a workspace: a call in its second module fails" 3 "Your code is affected by 1 vulnerability" "imports calls" VULN_DB="file://$db"
expect "an unreachable database is skipped" 0 "skipped: 127.0.0.1:9 unreachable" calls VULN_DB=http://127.0.0.1:9 VULN_DB_TIMEOUT=2

echo "vulncheck: $passed passed, $failed failed"
[[ $failed == 0 ]]
