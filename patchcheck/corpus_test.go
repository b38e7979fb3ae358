// SPDX-License-Identifier: GPL-2.0-only

package patchcheck_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

var placed = regexp.MustCompile(`:\d+: `)

// TestCorpusNoFalsePositives checks the real kernel patches of
// ../shared/corpus (none touches a kfunc set): every one must yield no
// kfunc change and no finding at any severity, and every problem reading
// one must name its place.
func TestCorpusNoFalsePositives(t *testing.T) {
	root := "../../shared/corpus/real-patches"
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not present (%v): it lives in ../shared beside the repository", err)
	}
	files, patches := 0, 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, "README.md") {
			return err
		}
		files++
		rerr := input.Read(path, input.Options{}, func(s *model.Series) {
			for _, r := range patchcheck.CheckSeries(s, benchOptions) {
				patches++
				for _, c := range r.Changes {
					t.Errorf("%s: false change %s %s: %s", path, c.Kind, c.Kfunc, c.Detail)
				}
				for _, f := range r.Findings {
					t.Errorf("%s: false finding %s: %s", path, f.Rule, f.Message)
				}
				for _, e := range r.Errors {
					if !placed.MatchString(e.Error()) {
						t.Errorf("%s: error without a place: %v", path, e)
					}
				}
			}
		})
		if rerr != nil {
			t.Errorf("%s: %v", path, rerr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 1800 || patches < files {
		t.Errorf("read %d files and %d patches; the corpus has 1,844 files", files, patches)
	}
}
