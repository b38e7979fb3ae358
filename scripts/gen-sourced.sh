#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# gen-sourced.sh writes patchcheck/history/sourced.json, the sourced table
# that tells history and btf compat which program types can call the
# kfuncs of a built kernel (whose BTF holds no registrations): for each
# kernel series whose source the project ships, the hook table of its
# kernel/bpf/btf.c and the registrations of its kfunc sets. The source is
# the evolution fixture (testdata/evolution, written by gen-evolution.sh
# from Debian's linux-source-6.1 and linux-source-6.12).
#
# usage: scripts/gen-sourced.sh   (needs git and go)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git init -q --bare "$tmp/linux.git"
gzip -dc "$ROOT/testdata/evolution/kfunc-evolution.fast-export.gz" |
	git -C "$tmp/linux.git" fast-import --quiet
# The versions the fixture was cut from, as its commit messages name them.
v61=$(git -C "$tmp/linux.git" log -1 --format=%s v6.1 | sed -n 's/^Linux \([0-9.]*\):.*/\1/p')
v612=$(git -C "$tmp/linux.git" log -1 --format=%s v6.12 | sed -n 's/^Linux \([0-9.]*\):.*/\1/p')
cd "$ROOT"
go run ./patchcheck/history/internal/gensourced -o patchcheck/history/sourced.json "$tmp/linux.git" \
	"6.1=v6.1=Debian linux-source-6.1 $v61" \
	"6.12=v6.12=Debian linux-source-6.12 $v612"
echo "wrote patchcheck/history/sourced.json"
