#!/usr/bin/env bash
# Times assignment.SolveDense against scipy.optimize.linear_sum_assignment on the same seeded
# dense integer matrices (n = 1000, 2000, 4000 by default) and checks both find the same total.
# Extra arguments go to the Go program, e.g. ./compare.sh -sizes 500,1000 -repeat 5.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=/usr/bin/python3
if ! [ -x "$PYTHON" ] || ! "$PYTHON" -c 'import numpy, scipy.optimize' 2>/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "compare: installing python3-scipy" >&2
		apt-get update
		apt-get install -y python3-scipy
	else
		echo "compare: needs $PYTHON with numpy and scipy; install them with:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y python3-scipy" >&2
		exit 1
	fi
fi

exec go run . -python "$PYTHON" -script compare.py "$@"
