#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kfunc_stability: a per-patch NIPA test that checks the BPF kfunc
# stability contracts of the patch at HEAD with kfunccheck.
#
# NIPA runs it in the kernel tree with the patch applied (git am) as HEAD,
# and the earlier patches of its series applied below it, on top of
# $BRANCH_BASE. The patch is judged in that context (a kfunc deprecated in
# 1/2 and removed in 2/2 is caught in 2/2), but only HEAD's findings count.
#
# Environment (set by NIPA): DESC_FD, the file descriptor for the one-line
# description; RESULTS_DIR, this test's result directory; BRANCH_BASE, the
# tree's base; FIRST_IN_SERIES, 1 for the first patch of a series.
# KFUNCCHECK names the kfunccheck binary (default: kfunccheck on PATH);
# KFUNCCHECK_CONFIG the operator's policy file (default: the built-in
# policy), which the tree's .kfunccheck.toml may only tighten.
# Arguments are passed to "kfunccheck check" (e.g. --strict, --ignore TYPES);
# not ones that change the shape of the text report (-q, --terse,
# --no-summary, --mailback, --format), which this script reads.
#
# Exit: 0 pass, 250 warnings or checks only, 1 errors or the check failed.

desc() {
	if [ -n "${DESC_FD:-}" ]; then
		echo "$*" >&"$DESC_FD"
	else
		echo "$*" >&2
	fi
}

kfunccheck=${KFUNCCHECK:-kfunccheck}
if ! command -v "$kfunccheck" >/dev/null 2>&1; then
	echo "kfunc_stability: kfunccheck not found: '$kfunccheck' (set KFUNCCHECK to the binary or put kfunccheck on PATH)" >&2
	desc "kfunccheck not found ('$kfunccheck'): nothing was checked"
	exit 1
fi

# The range to check: the series so far, when NIPA says where it starts.
range=HEAD
earlier=0
if [ "${FIRST_IN_SERIES:-}" != 1 ] && [ -n "${BRANCH_BASE:-}" ] &&
	git merge-base --is-ancestor "$BRANCH_BASE" HEAD 2>/dev/null; then
	earlier=$(git rev-list --count "$BRANCH_BASE..HEAD~" 2>/dev/null || echo 0)
	[ "$earlier" -gt 0 ] && range="$BRANCH_BASE..HEAD"
fi

# The policy. The tree's own .kfunccheck.toml is the maintainers' when the
# patches under test leave it alone; when they change it, what they bring
# may only tighten the operator's policy (KFUNCCHECK_CONFIG, else the
# defaults), as it may always when KFUNCCHECK_CONFIG is set.
policy=()
if [ -n "${KFUNCCHECK_CONFIG:-}" ]; then
	policy+=(--config "$KFUNCCHECK_CONFIG")
fi
if ! git diff --quiet "${BRANCH_BASE:-HEAD~}" HEAD -- .kfunccheck.toml 2>/dev/null; then
	policy+=(--tree-policy tighten)
fi

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

"$kfunccheck" check --show-types --color=never "${policy[@]}" "$@" -g "$range" >"$out"
rc=$?
if [ -n "${RESULTS_DIR:-}" ] && [ -d "$RESULTS_DIR" ]; then
	cp "$out" "$RESULTS_DIR/kfunccheck.txt"
fi

# kfunccheck exits 0 (clean) or 1 (findings somewhere in the range);
# anything else (2: bad arguments, unreadable input) is a failed check.
# (--summary-file puts the input's name before "total:".)
total=$(grep -E '^(.* )?total: [0-9]+ errors, ' "$out" | tail -n 1)
if { [ $rc -ne 0 ] && [ $rc -ne 1 ]; } || [ -z "$total" ]; then
	cat "$out"
	echo "kfunc_stability: kfunccheck check -g $range failed (exit $rc)" >&2
	desc "kfunccheck failed (exit $rc): nothing was checked"
	exit 1
fi

# HEAD's part of the report: with several commits, from HEAD's header
# (the last "Commit <id> ("subject")" block; the range is oldest first).
start=1
if [ "$range" != HEAD ]; then
	echo "kfunc_stability: HEAD judged after the $earlier earlier patch(es) of its series ($BRANCH_BASE..HEAD~); the report on the whole range is kfunccheck.txt in the results"
	header=$(grep -n -E '^Commit [0-9a-f]+ \(".*"\)$' "$out" | tail -n 1 | cut -d: -f1)
	[ -n "$header" ] && [ "$header" -gt 1 ] && start=$((header - 1))
fi
section=$(tail -n +"$start" "$out")
echo "$section"

num() { sed -n -E "s/.* ([0-9]+) $1,.*/\\1/p" <<<"$total"; }
errors=$(num errors)
warnings=$(num warnings)
checks=$(num checks)
checks=${checks:-0}

# The rule IDs of HEAD's findings, for the description.
types=$(grep -o -E '^(ERROR|WARNING|CHECK):[A-Z0-9_]+:' <<<"$section" | cut -d: -f2 | LC_ALL=C sort -u | paste -sd, -)

line="$errors errors, $warnings warnings, $checks checks"
[ -n "$types" ] && line="$line ($types)"
[ "$range" != HEAD ] && line="$line; in the context of $earlier earlier patch(es) of the series"
desc "$line"

if [ "$errors" -gt 0 ]; then
	exit 1
elif [ "$warnings" -gt 0 ] || [ "$checks" -gt 0 ]; then
	exit 250
fi
exit 0
