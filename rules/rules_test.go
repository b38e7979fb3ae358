// SPDX-License-Identifier: GPL-2.0-only

package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/rules"
	"github.com/kfunccheck/kfunccheck/rules/rulestest"
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

// TestRules runs every rule on every testdata case (rules/rulestest) and
// checks that each rule has a case that wants it.
func TestRules(t *testing.T) {
	wanted := rulestest.Run(t, "testdata")
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
