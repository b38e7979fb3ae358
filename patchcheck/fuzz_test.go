// SPDX-License-Identifier: GPL-2.0-only

package patchcheck_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

// FuzzCheck runs the whole engine (split, parse, extract, every rule) on
// arbitrary input, seeded with the rule fixtures. Whatever comes in, it
// must not panic, and every finding must name a registered rule and point
// inside the input.
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob("../rules/testdata/*/*.patch")
	if len(seeds) == 0 {
		f.Fatal("no rule fixtures to seed from")
	}
	for _, s := range seeds[:min(len(seeds), 12)] {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	known := map[string]bool{}
	for _, r := range rules.All {
		known[r.ID] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		input.Read("-", input.Options{Stdin: bytes.NewReader(data)}, func(s *model.Series) {
			for _, res := range patchcheck.CheckSeries(s, benchOptions) {
				for _, fd := range res.Findings {
					if !known[fd.Rule] {
						t.Errorf("finding of an unknown rule %q", fd.Rule)
					}
					if fd.Pos.PatchLine < 0 || fd.Pos.PatchLine > lines {
						t.Errorf("%s: line %d outside the input's %d lines", fd.Rule, fd.Pos.PatchLine, lines)
					}
					if strings.TrimSpace(fd.Message) == "" {
						t.Errorf("%s: empty message", fd.Rule)
					}
				}
			}
		})
	})
}
