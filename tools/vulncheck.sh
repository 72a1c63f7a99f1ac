#!/usr/bin/env bash
# Runs govulncheck over the modules named, directories relative to the current one (`make
# vulncheck` names every module of go.work): tools/vulncheck.sh MODULE_DIR...
#
# It fails when a known vulnerability affects code that the modules call (govulncheck's
# default symbol scan); vulnerabilities only in dependencies' uncalled code are listed and pass.
# The database is https://vuln.go.dev, or VULN_DB (for instance file:///path, a local copy in
# the same layout). When the online database does not answer within VULN_DB_TIMEOUT seconds
# (default 5) the check prints "vulncheck: skipped: vuln.go.dev unreachable" and passes, also
# under CI: the machines that run it may have no route to it.
#
# GOVULNCHECK names the binary (default: bin/govulncheck, built by `make vulncheck`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
govulncheck=${GOVULNCHECK:-$root/bin/govulncheck}
db=${VULN_DB:-https://vuln.go.dev}
timeout=${VULN_DB_TIMEOUT:-5}

if [[ $# -eq 0 ]]; then
	echo "usage: tools/vulncheck.sh MODULE_DIR..." >&2
	exit 2
fi

if [[ $db == http* ]]; then
	probe=$db/index/db.json.gz
	if command -v curl >/dev/null 2>&1; then
		reach() { curl -fsS --max-time "$timeout" -o /dev/null "$probe" 2>&1; }
	elif command -v wget >/dev/null 2>&1; then
		reach() { wget -q -T "$timeout" -t 1 -O /dev/null "$probe" 2>&1; }
	else
		echo "vulncheck: skipped: neither curl nor wget to reach ${db#*://}"
		exit 0
	fi
	if ! why=$(reach); then
		echo "vulncheck: skipped: ${db#*://} unreachable (${why:-no answer within ${timeout}s})"
		exit 0
	fi
fi

# One run over every module: they share most of their dependencies, and govulncheck's call
# graph of all of them at once costs a fraction of one run per module (42 s against 6.5 min
# here). It must start from a module's directory (go.work still applies there); the others
# are named relative to it. Exit status 3: vulnerabilities in called code.
first=$1
patterns=()
for m in "$@"; do patterns+=("$(realpath --relative-to="$first" "$m")/..."); done
echo "vulncheck: govulncheck -db $db over $*"
exec "$govulncheck" -C "$first" -db "$db" "${patterns[@]}"
