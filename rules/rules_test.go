// SPDX-License-Identifier: GPL-2.0-only

package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

func TestRegistry(t *testing.T) {
	if err := rules.Validate(rules.All); err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.All {
		if rules.ByID(r.ID) != r {
			t.Errorf("ByID(%s) does not return the registered rule", r.ID)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	good := *rules.StableRemoval
	cases := map[string]func(r *rules.Rule){
		"bad id":       func(r *rules.Rule) { r.ID = "stable-removal" },
		"no title":     func(r *rules.Rule) { r.Title = "" },
		"title dot":    func(r *rules.Rule) { r.Title = "something." },
		"short doc":    func(r *rules.Rule) { r.Doc = "too short" },
		"no bad":       func(r *rules.Rule) { r.Bad = "" },
		"no good":      func(r *rules.Rule) { r.Good = " " },
		"no check":     func(r *rules.Rule) { r.Check = nil },
		"bad severity": func(r *rules.Rule) { r.Severity = 7 },
	}
	for name, mutate := range cases {
		r := good
		mutate(&r)
		if rules.Validate([]*rules.Rule{&r}) == nil {
			t.Errorf("%s: Validate accepted an invalid rule", name)
		}
	}
	if rules.Validate([]*rules.Rule{&good, &good}) == nil {
		t.Error("Validate accepted a duplicate ID")
	}
}

// testCase is one file or series directory under testdata/RULE_ID/.
type testCase struct {
	rule, path string
}

func cases(t *testing.T) []testCase {
	t.Helper()
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join("testdata", d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			out = append(out, testCase{rule: d.Name(), path: filepath.Join("testdata", d.Name(), e.Name())})
		}
	}
	return out
}

// expectations reads the kfunccheck-want and kfunccheck-stable-list lines
// of a patch's notes (after "---", dropped by git am).
func expectations(p *model.Patch) (wants []string, stable []string) {
	for _, l := range p.Notes {
		t := strings.TrimSpace(l.Text)
		if v, ok := strings.CutPrefix(t, "kfunccheck-want:"); ok {
			wants = append(wants, strings.Join(strings.Fields(v), " "))
		}
		if v, ok := strings.CutPrefix(t, "kfunccheck-stable-list:"); ok {
			stable = append(stable, strings.Fields(v)...)
		}
	}
	return wants, stable
}

func matches(want string, f model.Finding) bool {
	w := strings.Fields(want)
	if len(w) >= 2 && w[1] == "-" {
		w[1] = ""
	}
	if len(w) < 2 || w[0] != f.Rule || w[1] != f.Kfunc {
		return false
	}
	return len(w) < 3 || w[2] == f.Severity.String()
}

// TestRules runs every rule on every testdata case and compares all
// findings, of every rule and severity, with the case's expectations: a
// missing finding and an unexpected one both fail.
func TestRules(t *testing.T) {
	wanted := map[string]bool{}
	all := cases(t)
	if len(all) == 0 {
		t.Fatal("no rule testdata found")
	}
	for _, tc := range all {
		t.Run(tc.rule+"/"+filepath.Base(tc.path), func(t *testing.T) {
			var series []*model.Series
			if err := input.Read(tc.path, input.Options{}, func(s *model.Series) { series = append(series, s) }); err != nil {
				t.Fatalf("reading: %v", err)
			}
			var stable []string
			for _, s := range series {
				for _, p := range s.Patches {
					_, st := expectations(p)
					stable = append(stable, st...)
				}
			}
			opt := patchcheck.Options{Interest: map[string]bool{}}
			if len(stable) > 0 {
				opt.Baseline = baseline.Multi{baseline.NewStableList("testdata", stable), baseline.HunksOnly{}}
				for _, n := range stable {
					opt.Interest[n] = true
				}
			}
			checked := 0
			for _, s := range series {
				for _, res := range patchcheck.CheckSeries(s, opt) {
					checked++
					if len(res.Errors) > 0 {
						t.Errorf("%s: input errors: %v", res.Patch.Name(), res.Errors)
					}
					wants, _ := expectations(res.Patch)
					used := make([]bool, len(wants))
					for _, f := range res.Findings {
						i := slices.IndexFunc(wants, func(w string) bool { return matches(w, f) })
						for i >= 0 && used[i] {
							j := slices.IndexFunc(wants[i+1:], func(w string) bool { return matches(w, f) })
							if j < 0 {
								i = -1
								break
							}
							i += 1 + j
						}
						if i < 0 {
							t.Errorf("%s: unexpected finding %s %s %s: %s", res.Patch.Name(), f.Rule, f.Kfunc, f.Severity, f.Message)
							continue
						}
						used[i] = true
					}
					for i, w := range wants {
						wanted[strings.Fields(w)[0]] = true
						if !used[i] {
							t.Errorf("%s: missing finding %s", res.Patch.Name(), w)
						}
					}
				}
			}
			if checked == 0 {
				t.Error("case holds no patch")
			}
		})
	}
	// Like staticcheck's "found no tests": a rule without a case that
	// expects it is untested.
	for _, r := range rules.All {
		if !wanted[r.ID] {
			t.Errorf("rule %s has no testdata case that expects it", r.ID)
		}
		if _, err := os.Stat(filepath.Join("testdata", r.ID)); err != nil {
			t.Errorf("rule %s has no testdata directory: %v", r.ID, err)
		}
	}
}

func TestExplain(t *testing.T) {
	for _, r := range rules.All {
		e := r.Explain()
		for _, want := range []string{r.ID, r.Title, "Reported:", "Accepted:"} {
			if !strings.Contains(e, want) {
				t.Errorf("%s: Explain lacks %q", r.ID, want)
			}
		}
	}
	_ = fmt.Sprint()
}
