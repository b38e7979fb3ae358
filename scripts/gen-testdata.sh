#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Regenerates the patch fixtures under rules/testdata/ and testdata/ from
# real kernel files: Debian's linux-source-6.12 and linux-source-6.1
# packages. Run from the repository root; needs apt-get, dpkg-deb, xz, git
# and python3. The generated files are committed; CI does not run this.
set -euo pipefail
cache=${KSRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kfunccheck-ksrc}
mkdir -p "$cache"
fetch() { # package version-dir
	local pkg=$1
	if [ ! -d "$cache/$pkg" ]; then
		(cd "$cache" && apt-get download "$pkg" >/dev/null)
		local deb
		deb=$(ls "$cache"/"$pkg"_*.deb | head -n1)
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache" --wildcards '*.tar.xz'
		mkdir -p "$cache/$pkg"
		tar -xJf "$cache"/usr/src/"$pkg".tar.xz -C "$cache/$pkg" --strip-components=1 \
			--wildcards '*/kernel/bpf/helpers.c' '*/kernel/bpf/cpumask.c' \
			'*/net/netfilter/nf_conntrack_bpf.c' '*/Documentation/bpf/kfuncs.rst' 2>/dev/null || true
	fi
}
fetch linux-source-6.12
fetch linux-source-6.1
python3 scripts/gen-testdata.py "$cache/linux-source-6.12" "$cache/linux-source-6.1"
