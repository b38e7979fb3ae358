#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-bpf-objects.sh builds real BPF objects that call kfuncs, for the
# tests of `btf uses`, `btf compat` and `history --uses`: the BPF
# selftests (tools/testing/selftests/bpf/progs) of Debian's
# linux-source-VERSION that declare __ksym externs or include the
# kfunc headers, with Debian's clang and, where it compiles them, Debian's
# gcc-bpf. Each series is built against a vmlinux.h that bpftool writes
# from the project's own BTF fixture of that series
# (patchcheck/btfinfo/testdata/real/), and against bpf_helper_defs.h that
# the tree's own scripts/bpf_doc.py writes.
#
# usage: scripts/build-bpf-objects.sh [--fixtures] [VERSION...]  (default: 6.1 6.12)
#   Objects go to $KFUNCCHECK_BPF_OUT/VERSION/{clang,gcc}/ (default
#   ~/.cache/kfunccheck-bpf). Sources are unpacked once into $KSRC_CACHE
#   (default ~/.cache/kfunccheck-ksrc/bpf-VERSION); KSRC_VERSION (dots as
#   underscores: KSRC_6_12=/path) names an unpacked tree to use instead.
#   --fixtures also writes the few objects the tests keep, debug info
#   stripped (.BTF stays) and gzipped, to patchcheck/btfinfo/testdata/objects/.
# Needs apt-get (with an updated package list), dpkg-deb, tar, xz, clang,
# llvm-strip, bpftool, python3 and gzip; bpf-gcc is optional.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${KFUNCCHECK_BPF_OUT:-$HOME/.cache/kfunccheck-bpf}
CACHE=${KSRC_CACHE:-$HOME/.cache/kfunccheck-ksrc}
FIX=$ROOT/patchcheck/btfinfo/testdata/objects
fixtures=false
if [ "${1:-}" = --fixtures ]; then
	fixtures=true
	shift
fi
[ $# -gt 0 ] || set -- 6.1 6.12

# The objects the tests keep: flavoured externs libbpf resolves or not
# (task_kfunc_success), typed __ksym variables cilium/ebpf's loader
# refuses (test_ksyms_btf), extern maps (linked_maps1), an XDP program
# (xdp_metadata2) and a program with weak kfuncs (wq). gcc-bpf's objects
# hold all of vmlinux.h's types (1.5 MB each): the tests keep a small one
# built from testdata/prog.bpf.c by build-prog.sh instead.
KEEP="clang/task_kfunc_success clang/test_ksyms_btf clang/linked_maps1 clang/xdp_metadata2 clang/wq"

# source VERSION: a tree with the selftests, bpf_doc.py and the headers.
source_tree() {
	local v=$1 var="KSRC_${1//./_}"
	if [ -n "${!var:-}" ]; then
		echo "${!var}"
		return
	fi
	local pkg=linux-source-$v dir=$CACHE/bpf-$v
	if [ ! -f "$dir/scripts/bpf_doc.py" ]; then
		mkdir -p "$dir"
		local deb
		deb=$(ls "$CACHE"/"$pkg"_*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$CACHE" && apt-get download "$pkg" >/dev/null)
			deb=$(ls "$CACHE"/"$pkg"_*.deb | head -n1)
		fi
		dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./usr/src/$pkg.tar.xz" |
			tar -xJ -C "$dir" --strip-components=1 --wildcards \
				'*/tools/*' '*/include/uapi/*' '*/scripts/bpf_doc.py'
	fi
	echo "$dir"
}

for v in "$@"; do
	K=$(source_tree "$v")
	S=$K/tools/testing/selftests/bpf
	dst=$OUT/$v
	gen=$dst/include
	mkdir -p "$gen/bpf" "$dst/clang" "$dst/gcc"
	btf=$(ls "$ROOT"/patchcheck/btfinfo/testdata/real/vmlinux-"$v".[0-9]*.elf.gz | head -n1)
	gzip -dc "$btf" >"$dst/vmlinux.elf"
	bpftool btf dump file "$dst/vmlinux.elf" format c >"$gen/vmlinux.h"
	python3 "$K/scripts/bpf_doc.py" --header --file "$K/include/uapi/linux/bpf.h" >"$gen/bpf_helper_defs.h"
	cp "$K"/tools/lib/bpf/*.h "$gen/bpf/"
	cp "$gen/bpf_helper_defs.h" "$gen/bpf/"
	incs=(-I "$gen" -I "$S/progs" -I "$S" -I "$K/tools/include" -I "$K/tools/include/uapi" -idirafter /usr/include/x86_64-linux-gnu)
	built=0 failed=0
	# linked_maps1 calls no kfunc: it declares extern maps.
	for f in $(grep -lE '__ksym|bpf_experimental\.h|bpf_kfuncs\.h' "$S"/progs/*.c) "$S/progs/linked_maps1.c"; do
		b=$(basename "$f" .c)
		# As the selftests' Makefile builds them, without -Werror.
		if clang -g -O2 --target=bpf -mcpu=v3 -D__TARGET_ARCH_x86 -std=gnu11 -fno-strict-aliasing \
			-Wno-compare-distinct-pointer-types "${incs[@]}" -c "$f" -o "$dst/clang/$b.bpf.o" 2>/dev/null; then
			built=$((built + 1))
		else
			rm -f "$dst/clang/$b.bpf.o"
			failed=$((failed + 1))
		fi
		if command -v bpf-gcc >/dev/null; then
			bpf-gcc -g -gbtf -O2 -mcpu=v3 -D__TARGET_ARCH_x86 -std=gnu11 -fno-strict-aliasing "${incs[@]}" \
				-c "$f" -o "$dst/gcc/$b.bpf.o" 2>/dev/null || rm -f "$dst/gcc/$b.bpf.o"
		fi
	done
	echo "$v: $built objects built with clang ($failed did not compile), $(ls "$dst/gcc" | wc -l) with gcc-bpf, in $dst"
	if $fixtures; then
		mkdir -p "$FIX"
		for k in $KEEP; do
			src=$dst/$k.bpf.o
			[ -f "$src" ] || continue
			name=$(basename "$k")-${k%%/*}-$v.bpf.o
			llvm-strip -g -o "$FIX/$name" "$src"
			gzip -9 -n -f "$FIX/$name"
			echo "wrote $FIX/$name.gz ($(wc -c <"$FIX/$name.gz") bytes)"
		done
	fi
done
