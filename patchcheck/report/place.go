// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"net/url"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// TreePlace returns the place in the kernel tree, relative to its root,
// that a finding is about: its own place; for a finding about a commit
// message, the BTF_ID_FLAGS entry or definition of the kfunc it is about
// (the place of that kfunc's change in the same patch); failing that, the
// first file the patch changes, at line 1. Code scanning and workflow
// annotations show a finding only on a file of the repository, never on
// the rendered patch or the commit. ok is false when the patch names no
// such place (a finding of btf diff names a BTF file without a line).
func TreePlace(r *patchcheck.Result, f model.Finding) (file string, line int, ok bool) {
	if f.Pos.File != "" && f.Pos.Line > 0 {
		return f.Pos.File, f.Pos.Line, true
	}
	if f.Pos.File != "" {
		return "", 0, false
	}
	if f.Kfunc != "" {
		for _, c := range r.Changes {
			if c.Kfunc == f.Kfunc && c.Pos.File != "" && c.Pos.Line > 0 {
				return c.Pos.File, c.Pos.Line, true
			}
		}
	}
	if r.Patch != nil {
		for _, fd := range r.Patch.Files {
			if p := fd.Path(); p != "" {
				return p, 1, true
			}
		}
	}
	return "", 0, false
}

// uriOf turns a relative path into a URI reference, as SARIF's
// artifactLocation.uri must be: a space, '%', '#', '?' or a control
// character in a file name is percent-encoded.
func uriOf(path string) string {
	return (&url.URL{Path: path}).EscapedPath()
}
