// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	pathpkg "path"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// KfuncSelector keeps the files kfunccheck judges: C sources that hold
// kfunc code or name a kfunc of interest, Documentation/, where
// deprecations are documented, and the tree's policy file, whose changes
// are reported. The path test runs before any blob is read.
func KfuncSelector(interest map[string]bool) Selector {
	always := func(path string) bool {
		return strings.HasPrefix(path, "Documentation/") || pathpkg.Base(path) == policy.FileName
	}
	return Selector{
		Path: func(path string) bool {
			return extract.IsSource(path) || always(path)
		},
		Content: func(path string, before, after []byte) bool {
			if always(path) {
				return true
			}
			for _, b := range [][]byte{before, after} {
				s := string(b)
				if cscan.FileHasKfuncs(s) {
					return true
				}
				// A header may hold an X-macro list that a kfunc set
				// expands (XDP_METADATA_KFUNC_xxx in include/net/xdp.h).
				if strings.HasSuffix(path, ".h") && strings.Contains(s, "_KFUNC") {
					return true
				}
				for n := range interest {
					if strings.Contains(s, n) {
						return true
					}
				}
			}
			return false
		},
	}
}
