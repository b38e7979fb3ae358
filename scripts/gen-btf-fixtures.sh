#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# gen-btf-fixtures.sh writes the real-kernel fixtures of package btfinfo
# (patchcheck/btfinfo/testdata/real/) from Debian's linux-image-*-dbg
# packages: for each kernel release, its vmlinux and one module, cut down to
# what a kfunc reader needs (.BTF, .BTF_ids and the __BTF_ID__* symbols)
# and gzipped.
#
# usage: scripts/gen-btf-fixtures.sh [RELEASE...]
#   RELEASE is a Debian kernel ABI name such as 6.1.0-57-amd64 or
#   6.12.117+deb12-amd64; the package is linux-image-RELEASE-dbg.
#   KFUNCCHECK_BTF_OUT writes elsewhere (to compare more kernels without
#   committing them); KFUNCCHECK_BTF_CACHE moves the cache.
#
# Each package is about 1 GB: it is downloaded once into $CACHE, the two
# ELF files are extracted from it and the .deb is deleted, so a second run
# only cuts again. Needs apt-get (with an updated package list), dpkg-deb,
# tar, objcopy and gzip.
set -eu

CACHE=${KFUNCCHECK_BTF_CACHE:-$HOME/.cache/kfunccheck-btf}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${KFUNCCHECK_BTF_OUT:-$ROOT/patchcheck/btfinfo/testdata/real}
# nf_conntrack registers kfuncs (bpf_xdp_ct_lookup, ...) in both 6.1 and
# 6.12, so it shows module kfuncs over their kernel's base BTF.
MODULE=kernel/net/netfilter/nf_conntrack.ko

[ $# -gt 0 ] || set -- 6.1.0-57-amd64 6.12.117+deb12-amd64
mkdir -p "$CACHE" "$OUT"

# cut keeps the sections and symbols the reader uses. The symbol table
# loses everything but the __BTF_ID__ labels: the set8 labels give each
# set's place and size, the func labels name entries whose id stayed 0.
cut() {
	# objcopy warns that the program headers now cover no section; the
	# reader has no use for them, so that warning is dropped, not others.
	if ! objcopy --only-section=.BTF --only-section=.BTF_ids \
		--strip-all --wildcard --keep-symbol='__BTF_ID__*' "$1" "$2.tmp" 2>"$2.err"; then
		cat "$2.err" >&2
		exit 1
	fi
	grep -v 'empty loadable segment' "$2.err" >&2 || true
	rm -f "$2.err"
	gzip -9 -n -c "$2.tmp" >"$2"
	rm -f "$2.tmp"
	echo "wrote $2 ($(wc -c <"$2") bytes)"
}

for rel in "$@"; do
	dir=$CACHE/$rel
	if [ ! -s "$dir/vmlinux" ] || [ ! -s "$dir/module.ko" ]; then
		mkdir -p "$dir"
		pkg=linux-image-$rel-dbg
		(cd "$CACHE" && apt-get download "$pkg")
		deb=$(ls "$CACHE"/"$pkg"_*.deb | head -n 1)
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -O "./usr/lib/debug/boot/vmlinux-$rel" >"$dir/vmlinux"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -O "./usr/lib/debug/lib/modules/$rel/$MODULE" >"$dir/module.ko"
		rm -f "$deb"
	fi
	cut "$dir/vmlinux" "$OUT/vmlinux-$rel.elf.gz"
	cut "$dir/module.ko" "$OUT/$(basename "$MODULE" .ko)-$rel.ko.gz"
done
