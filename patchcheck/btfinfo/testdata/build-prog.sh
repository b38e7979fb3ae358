#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Rebuilds prog.bpf.o from prog.bpf.c (needs clang with the BPF target).
set -eu
cd "$(dirname "$0")"
${CLANG:-clang} -O2 -g -target bpf -c prog.bpf.c -o prog.bpf.o
${LLVM_STRIP:-llvm-strip} -g prog.bpf.o 2>/dev/null || true
