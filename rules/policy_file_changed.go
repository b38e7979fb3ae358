// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"
	"path"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// PolicyFileChanged reports a patch that changes kfunccheck's own policy
// file in the tree.
var PolicyFileChanged = &Rule{
	ID:       "POLICY_FILE_CHANGED",
	Severity: model.SeverityWarning,
	Title:    "patch changes kfunccheck's policy file",
	Doc: `The .kfunccheck.toml of a tree says what kfunccheck enforces there: which
rules are ignored, which flag changes break callers, which kfuncs are
stable. A patch that changes it changes what is checked, its own changes
included, so reviewers should read it as they read the code. Where an
operator's policy governs (the list bot, NIPA, the GitHub Action,
--config with --tree-policy=tighten), the tree's policy may only tighten
it and a relaxation is not applied; elsewhere (a local check, the pre-push
hook) the tree's policy is the policy.`,
	Bad: `--- a/.kfunccheck.toml
+++ b/.kfunccheck.toml
+ignore = ["STABLE_REMOVAL"]`,
	Good: `(the policy change sent as a patch of its own, with its reasons, and
reviewed as such)`,
	Check: func(p *Pass) {
		for _, f := range p.Patch.Files {
			if path.Base(f.NewPath) != policy.FileName && path.Base(f.OldPath) != policy.FileName {
				continue
			}
			var added, removed int
			var first *model.HunkLine
			var quote []string
			for _, h := range f.Hunks {
				for i := range h.Lines {
					l := &h.Lines[i]
					switch l.Op {
					case '+':
						added++
					case '-':
						removed++
					default:
						continue
					}
					if first == nil {
						first = l
					}
					if len(quote) < 6 {
						quote = append(quote, string(l.Op)+l.Text)
					}
				}
			}
			pos := model.Pos{File: f.Path(), PatchLine: f.PatchLine}
			if first != nil {
				pos.PatchLine, pos.Line = first.PatchLine, first.NewLine
				if first.Op == '-' {
					pos.File, pos.Line = f.OldPath, first.OldLine
				}
			}
			p.Report(model.Finding{Pos: pos, Quote: quote, Message: fmt.Sprintf(
				"the patch changes kfunccheck's policy file %s (%d line(s) added, %d removed), and so what is checked: review it as code; an operator's policy may only be tightened by it",
				f.Path(), added, removed)})
		}
	},
}
