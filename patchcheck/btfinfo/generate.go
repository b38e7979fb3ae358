// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

// The BTF and ELF fixtures are generated; the BPF program object is built
// with clang by testdata/build-prog.sh.
//go:generate go run ./internal/genfixtures testdata
