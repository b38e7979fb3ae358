// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/rules"
)

// TestSelectRules: --ignore and --types choose which rules run; an empty
// choice runs none (not, as a nil list would, all of them).
func TestSelectRules(t *testing.T) {
	ids := func(rs []*rules.Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all := ids(rules.All)
	for _, tc := range []struct {
		name          string
		ignore, types []string
		want          []string
	}{
		{"neither", nil, nil, all},
		{"types", nil, []string{"STABLE_REMOVAL", "STABLE_FLAGS"}, []string{"STABLE_REMOVAL", "STABLE_FLAGS"}},
		{"ignore", []string{"STABLE_REMOVAL"}, nil, slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "STABLE_REMOVAL" })},
		{"ignore wins", []string{"STABLE_REMOVAL"}, []string{"STABLE_REMOVAL"}, nil},
		{"unknown only", nil, []string{"NO_SUCH_RULE"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := selectRules(rules.All, tc.ignore, tc.types)
			if got == nil {
				t.Fatal("nil selection: the engine would run every rule")
			}
			g := ids(got)
			slices.Sort(g)
			w := slices.Clone(tc.want)
			slices.Sort(w)
			if strings.Join(g, " ") != strings.Join(w, " ") {
				t.Errorf("got %v, want %v", g, w)
			}
		})
	}
}

// TestTypesRunOnlyThoseRules runs the command: a patch whose only finding
// is STABLE_PROMOTION_RATIONALE is clean with --types of another rule and
// with --ignore of that one, and still fails without either.
func TestTypesRunOnlyThoseRules(t *testing.T) {
	patch := "../../testdata/examples/0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"
	if out, _, rc := runCLI(t, "", "check", "--show-types", patch); rc != 1 || !strings.Contains(out, "STABLE_PROMOTION_RATIONALE") {
		t.Fatalf("without --types: rc %d\n%s", rc, out)
	}
	for _, args := range [][]string{{"--types", "STABLE_REMOVAL"}, {"--ignore", "STABLE_PROMOTION_RATIONALE"}} {
		out, _, rc := runCLI(t, "", append(append([]string{"check", "--show-types"}, args...), patch)...)
		if rc != 0 || strings.Contains(out, "ERROR:") {
			t.Errorf("%v: rc %d\n%s", args, rc, out)
		}
	}
}
