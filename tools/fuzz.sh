#!/usr/bin/env bash
# Runs every fuzz target of the workspace for the given time each: tools/fuzz.sh 60s [REGEXP].
#
# A target is a `func FuzzX(f *testing.F)` in a _test.go file of the modules pkg, services/* and
# gateway; they are found by reading the files, so a new target runs without being listed here.
# Each runs from its own module as `go test -run '^$' -fuzz '^FuzzX$' -fuzztime TIME -parallel 2`
# (two workers: the machines that run `make test` have two cores). An input that fails is
# written to the target's testdata/fuzz/FuzzX/ (commit it: it then runs as a plain test); the
# script runs every target, then exits non-zero if any failed. REGEXP keeps only the targets
# whose name matches it. docs/FUZZING.md says what each target checks.
set -euo pipefail

fuzztime=${1:-60s}
only=${2:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
workers=${FUZZ_WORKERS:-2}

modules=()
for dir in "$root"/pkg "$root"/services/* "$root"/gateway; do
	[[ -f $dir/go.mod ]] && modules+=("$dir")
done

# targets prints "module<TAB>./package<TAB>FuzzX" for every fuzz target of a module, outside
# its testdata and outside any module nested in it.
targets() {
	local module=$1 file dir name
	while IFS= read -r file; do
		dir=$(dirname "$file")
		for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file"); do
			printf '%s\t./%s\t%s\n' "$module" "${dir#"$module"/}" "$name"
		done
	done < <(find "$module" -name testdata -prune -o -name '*_test.go' -print | sort |
		while IFS= read -r f; do
			d=$(dirname "$f")
			# A file belongs to the nearest go.mod above it: skip nested modules.
			while [[ $d != "$module" && ! -f $d/go.mod ]]; do d=$(dirname "$d"); done
			[[ $d == "$module" ]] && grep -l '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' "$f" || true
		done)
}

# spurious tells whether a failed run's log is the coordinator's deadline race alone: the
# deadline error, and no failing input written.
spurious() {
	grep -q '^    context deadline exceeded$' "$1" && ! grep -q 'Failing input written to' "$1"
}

list=()
for module in "${modules[@]}"; do
	while IFS=$'\t' read -r mod pkg name; do
		[[ $name =~ $only ]] && list+=("$mod"$'\t'"$pkg"$'\t'"$name")
	done < <(targets "$module")
done
if [[ ${#list[@]} -eq 0 ]]; then
	echo "fuzz: no target matches $only" >&2
	exit 1
fi

started=$SECONDS
failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for entry in "${list[@]}"; do
	IFS=$'\t' read -r mod pkg name <<<"$entry"
	where="${mod#"$root"/}/${pkg#./}"
	echo "== fuzz $where $name ($fuzztime)"
	t0=$SECONDS
	for attempt in 1 2 3; do
		rc=0
		(cd "$mod" && go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel "$workers" "$pkg") >"$log" 2>&1 || rc=$?
		# Go's fuzzing coordinator (before Go 1.27, go.dev/issue/75804) may fail a target
		# as its -fuzztime ends, "context deadline exceeded", having found nothing: a finding
		# always writes its input first. That failure is tried again, twice; a third one
		# passes if the corpus, replayed as plain tests, does.
		if [[ $rc -eq 0 ]] || ! spurious "$log"; then
			break
		fi
		echo "   $name: the fuzzing coordinator's deadline race (go.dev/issue/75804), no input failed; attempt $attempt of 3"
		if [[ $attempt -eq 3 ]] && (cd "$mod" && go test -count=1 -run "^${name}\$" "$pkg") >"$log" 2>&1; then
			rc=0
		fi
	done
	# The progress lines but the last, which says how many inputs ran.
	grep -v '^fuzz: elapsed: ' "$log" | grep -v -E '^(PASS|ok  .*)$' || true
	grep '^fuzz: elapsed: ' "$log" | tail -n 1 | sed 's/^/   /' || true
	if [[ $rc -ne 0 ]]; then
		failed+=("$where $name")
	fi
	echo "   $name: $((SECONDS - t0))s"
done

echo "fuzz: ${#list[@]} targets, $fuzztime each, in $((SECONDS - started))s"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s (see above: an input that fails is written to its testdata/fuzz)\n' "${failed[@]}" >&2
	exit 1
fi
