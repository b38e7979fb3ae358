#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Rebuilds prog.bpf.o from prog.bpf.c with clang, and prog-gcc.bpf.o with
# Debian's gcc-bpf (12), which writes the same program's BTF its own way:
# integer names as gcc spells them, kfunc externs as static FUNCs outside
# any data section (libbpf refuses to open that object).
set -eu
cd "$(dirname "$0")"
${CLANG:-clang} -O2 -g -target bpf -c prog.bpf.c -o prog.bpf.o
${LLVM_STRIP:-llvm-strip} -g prog.bpf.o 2>/dev/null || true
${BPF_GCC:-bpf-gcc} -O2 -gbtf -c prog.bpf.c -o prog-gcc.bpf.o
