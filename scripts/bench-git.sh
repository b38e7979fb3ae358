#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds a kernel-sized repository (the kernel/ and net/ trees of Debian's
# linux-source-6.12, then N generated commits) and times, in the same run,
# "kfunccheck check -g" and "git log -p" over the same range.
# Usage: scripts/bench-git.sh [N=3000] [WORKDIR]
set -euo pipefail
n=${1:-3000}
work=${2:-$(mktemp -d)}
cache=${KSRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kfunccheck-ksrc}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$cache"
src="$cache/linux-source-6.12-tree"
if [ ! -d "$src/kernel" ]; then
	(cd "$cache" && { ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download linux-source-6.12 >/dev/null; })
	deb=$(ls "$cache"/linux-source-6.12_*.deb | head -n1)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache" --wildcards '*.tar.xz'
	mkdir -p "$src"
	tar -xJf "$cache/usr/src/linux-source-6.12.tar.xz" -C "$src" --strip-components=1 \
		--wildcards 'linux-source-6.12/kernel/*' 'linux-source-6.12/net/*'
fi
repo="$work/repo"
if [ ! -d "$repo/.git" ]; then
	git init -q -b main "$repo"
	python3 "$root/scripts/bench-git-import.py" "$src" "$n" | git -C "$repo" fast-import --quiet
	git -C "$repo" checkout -q main
	git -C "$repo" gc -q
fi
(cd "$root" && go build -o "$work/kfunccheck" ./cmd/kfunccheck)
files=$(git -C "$repo" ls-files | wc -l)
echo "repository: $repo ($files files, $(git -C "$repo" rev-list --count HEAD) commits)"
range="HEAD~$n..HEAD"
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
g=$(t git -C "$repo" log -p --no-renames "$range")
k=$(t "$work/kfunccheck" check -q -g "$range" --repo "$repo")
echo "git log -p $range:            ${g}s"
echo "kfunccheck check -g $range:   ${k}s"
echo "ratio kfunccheck / git log -p: $(echo "scale=2; $k / $g" | bc)"
