// SPDX-License-Identifier: GPL-2.0-only

package rules_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// TestSelection: --ignore and --types choose which rules run, on top of
// the policy's ignore list; --ignore wins over --types.
func TestSelection(t *testing.T) {
	for _, tc := range []struct {
		name          string
		sel           rules.Selection
		policy        []string
		want, dropped []string
	}{
		{"neither", rules.Selection{}, nil, []string{"STABLE_REMOVAL", "STABLE_FLAGS"}, nil},
		{"types", rules.Selection{Types: []string{"STABLE_REMOVAL"}}, nil, []string{"STABLE_REMOVAL"}, []string{"STABLE_FLAGS"}},
		{"ignore", rules.Selection{Ignore: []string{"STABLE_REMOVAL"}}, nil, []string{"STABLE_FLAGS"}, []string{"STABLE_REMOVAL"}},
		{"ignore wins", rules.Selection{Ignore: []string{"STABLE_REMOVAL"}, Types: []string{"STABLE_REMOVAL"}}, nil, nil, []string{"STABLE_REMOVAL", "STABLE_FLAGS"}},
		{"policy ignore", rules.Selection{}, []string{"STABLE_FLAGS"}, []string{"STABLE_REMOVAL"}, []string{"STABLE_FLAGS"}},
		{"unknown only", rules.Selection{Types: []string{"NO_SUCH_RULE"}}, nil, nil, []string{"STABLE_REMOVAL"}},
	} {
		for _, id := range tc.want {
			if !tc.sel.Selected(id, tc.policy) {
				t.Errorf("%s: %s not selected", tc.name, id)
			}
		}
		for _, id := range tc.dropped {
			if tc.sel.Selected(id, tc.policy) {
				t.Errorf("%s: %s selected", tc.name, id)
			}
		}
	}
}

// fixedHistory is a history source for tests.
type fixedHistory struct {
	r   *model.Releases
	err error
}

func (h fixedHistory) Releases() (*model.Releases, error) { return h.r, h.err }

// TestRunFacts: a rule that requires a fact the run lacks is skipped
// with a note saying what it needs; a history that cannot be read skips
// the rules that asked for it, with its reason; a rule that reads a fact
// it does not declare panics.
func TestRunFacts(t *testing.T) {
	cfg := policy.Default()
	removal := &model.Change{Kfunc: "bpf_a", Kind: model.KindRemoved,
		Before: &model.KfuncState{Entries: []model.Entry{{Flags: []string{"KF_STABLE", "KF_DEPRECATED"}}}}}
	in := rules.Pass{Patch: &model.Patch{}, Changes: []*model.Change{removal}, Config: cfg, Msg: &rules.Message{}}
	series := rules.Facts{Series: &model.Series{}, SoFar: rules.NewSeriesFacts()}
	skipped := func(skips []rules.Skip) map[string]string {
		m := map[string]string{}
		for _, s := range skips {
			m[s.Rule] = s.Reason
		}
		return m
	}

	_, skips := rules.Run(rules.All, in, series, rules.Selection{})
	got := skipped(skips)
	// The removal of a deprecated stable kfunc is what the deprecation
	// rules judge with a history; no kfunc is added, so the reuse rule
	// had nothing to judge and is not noted.
	for _, id := range []string{"HISTORY_DEPRECATION_PERIOD", "HISTORY_DEPRECATION_CLAIM", "HISTORY_STABLE_SERIES"} {
		if !strings.HasPrefix(got[id], "needs ") {
			t.Errorf("%s: skip note %q, want one saying what it needs", id, got[id])
		}
	}
	if r, ok := got["HISTORY_NAME_REUSED"]; ok {
		t.Errorf("HISTORY_NAME_REUSED noted as skipped (%q) with nothing to judge", r)
	}
	if _, ok := got["STABLE_REMOVAL"]; ok {
		t.Error("STABLE_REMOVAL skipped: it needs nothing the run lacks")
	}

	broken := series
	broken.History = fixedHistory{err: errors.New("reading releases v6.1..v6.2: broken")}
	findings, skips := rules.Run(rules.All, in, broken, rules.Selection{})
	if r := skipped(skips)["HISTORY_DEPRECATION_PERIOD"]; !strings.Contains(r, "broken") {
		t.Errorf("unreadable history: skip note %q", r)
	}
	if slices.ContainsFunc(findings, func(f model.Finding) bool { return strings.HasPrefix(f.Rule, "HISTORY_") }) {
		t.Errorf("history findings without a history: %v", findings)
	}

	h := &model.Releases{List: []model.Release{
		{Name: "v6.10", Kfuncs: map[string]model.ReleaseKfunc{"bpf_a": {Stable: true}}},
		{Name: "v6.11", Kfuncs: map[string]model.ReleaseKfunc{"bpf_a": {Stable: true, Deprecated: true}}},
	}}
	withHistory := series
	withHistory.History = fixedHistory{r: h}
	findings, skips = rules.Run(rules.All, in, withHistory, rules.Selection{Types: []string{"HISTORY_DEPRECATION_PERIOD"}})
	if len(findings) != 1 || findings[0].Rule != "HISTORY_DEPRECATION_PERIOD" || len(skips) != 0 {
		t.Errorf("findings %v skips %v: want one HISTORY_DEPRECATION_PERIOD", findings, skips)
	}

	sneaky := &rules.Rule{ID: "SNEAKY", Severity: model.SeverityCheck, Check: func(p *rules.Pass) { p.KfuncSource("bpf_a") }}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "does not declare") {
			t.Errorf("undeclared fact read: recovered %v", r)
		}
	}()
	rules.Run([]*rules.Rule{sneaky}, in, series, rules.Selection{})
}

// TestPolicySeverityOnce: the policy's severity applies to every rule,
// history rules included.
func TestPolicySeverityOnce(t *testing.T) {
	cfg := policy.Default()
	cfg.Severity = map[string]string{"HISTORY_NAME_REUSED": "error"}
	add := &model.Change{Kfunc: "bpf_old", Kind: model.KindAdded, After: &model.KfuncState{Entries: []model.Entry{{}}}}
	in := rules.Pass{Patch: &model.Patch{}, Changes: []*model.Change{add}, Config: cfg, Msg: &rules.Message{}}
	fs := rules.Facts{Series: &model.Series{}, SoFar: rules.NewSeriesFacts(), History: fixedHistory{r: &model.Releases{List: []model.Release{
		{Name: "v6.10", Kfuncs: map[string]model.ReleaseKfunc{"bpf_old": {}}},
		{Name: "v6.11", Kfuncs: map[string]model.ReleaseKfunc{}},
	}}}}
	findings, _ := rules.Run(rules.All, in, fs, rules.Selection{})
	if len(findings) != 1 || findings[0].Rule != "HISTORY_NAME_REUSED" || findings[0].Severity != model.SeverityError {
		t.Errorf("findings %+v: want HISTORY_NAME_REUSED at error", findings)
	}
}
