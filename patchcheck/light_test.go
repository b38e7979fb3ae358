// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// eachPatch reads every patch of the fixtures and, when present, of the
// corpus.
func eachPatch(t *testing.T, fn func(p *model.Patch, s *model.Series)) {
	t.Helper()
	roots := []string{"../testdata", "../rules/testdata"}
	if _, err := os.Stat("../../shared/corpus/real-patches"); err == nil {
		roots = append(roots, "../../shared/corpus/real-patches")
	}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, "README.md") {
				return err
			}
			_ = input.Read(path, input.Options{}, func(s *model.Series) {
				for _, p := range s.Patches {
					fn(p, s)
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRulesQuietWithoutChanges holds every rule to what judge relies on
// when it skips a patch that changes no kfunc: without changes, only a
// waiver trailer can be reported. A rule that judges commit messages
// alone must make judge's shortcut (judgedWithoutChanges) see it.
func TestRulesQuietWithoutChanges(t *testing.T) {
	cfg := policy.Default()
	eachPatch(t, func(p *model.Patch, s *model.Series) {
		in := rules.Pass{Patch: p, Config: cfg, Msg: rules.AnalyzeMessage(p, cfg)}
		facts := rules.Facts{Series: s, SoFar: rules.NewSeriesFacts(), Target: &model.Target{Name: "v6.1.y", Series: "v6.1.*"}}
		findings, _ := rules.Run(rules.All, in, facts, rules.Selection{})
		for _, f := range findings {
			if !judgedWithoutChanges(p, cfg) {
				t.Errorf("%s: %s reports %q without any change or waiver", p.Source, f.Rule, f.Message)
			}
		}
	})
}

// TestMayMatterFindsMarkers holds MayMatter to cscan.HasMarker on every
// hunk line and hunk header of the fixtures and the corpus.
func TestMayMatterFindsMarkers(t *testing.T) {
	may := MayMatter(Options{})
	n := 0
	eachPatch(t, func(p *model.Patch, _ *model.Series) {
		for _, f := range p.Files {
			for _, h := range f.Hunks {
				if cscan.HasMarker(h.Section) != may([]byte(h.Section)) {
					t.Errorf("%s: %q: HasMarker %v", p.Source, h.Section, cscan.HasMarker(h.Section))
				}
				for _, l := range h.Lines {
					if cscan.HasMarker(l.Text) {
						n++
						if !may([]byte(l.Text)) {
							t.Errorf("%s: marker missed in %q", p.Source, l.Text)
						}
					}
				}
			}
		}
	})
	if n == 0 {
		t.Error("no marker in the fixtures")
	}
}

func TestMayMatterInterest(t *testing.T) {
	may := MayMatter(Options{Interest: map[string]bool{"bpf_obj_new": true}})
	for in, want := range map[string]bool{
		"+\tbpf_obj_new(x);\n": true, "+bpf_obj_new_impl\n": false, "xbpf_obj_new\n": false,
		"KF_ACQUIRE": true, "BTF_ID(func, x)": true, "__bpf_kfunc int f(void)": true, "btf_kfunc_id_set": true,
		"SKF_AD_OFF": true, "nothing here": false, "__diag_push();": true, "BTF_SET8_START(x)": true,
	} {
		if got := may([]byte(in)); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// FuzzMayMatter holds MayMatter to cscan.HasMarker on any text.
func FuzzMayMatter(f *testing.F) {
	for _, s := range []string{"BTF_ID_FLAGS(func, x)", "__bpf_kfunc", "KF_", "_id_set", "__diag_push", "x_y_z"} {
		f.Add(s)
	}
	may := MayMatter(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		if cscan.HasMarker(s) && !may([]byte(s)) {
			t.Errorf("%q: marker missed", s)
		}
	})
}
