// SPDX-License-Identifier: GPL-2.0-only

package checkrun

import (
	"errors"
	"slices"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

func finding(rule string, sev model.Severity) model.Finding {
	return model.Finding{Rule: rule, Severity: sev}
}

func TestTally(t *testing.T) {
	errF := finding("STABLE_REMOVAL", model.SeverityError)
	warnF := finding("DEPRECATION_DOCS", model.SeverityWarning)
	checkF := finding("STABILITY_UNKNOWN", model.SeverityCheck)
	unreadable := func(fs ...model.Finding) *patchcheck.Result {
		return &patchcheck.Result{Patch: &model.Patch{}, Findings: fs, Errors: []error{errors.New("blob not found")}}
	}
	tests := []struct {
		name       string
		tally      Tally
		results    [][]model.Finding
		unreadable int // results added with a read error, after results
		inputErr   bool
		// what is expected
		kept        []string // rules kept, in order, over all results
		counts      report.Counts
		bad         []bool // Add's answer per result
		failed      bool
		inputFailed bool
		problems    string
	}{
		{
			name:     "clean",
			results:  [][]model.Finding{nil, nil},
			bad:      []bool{false, false},
			problems: "",
		},
		{
			name:     "checks dropped without strict",
			results:  [][]model.Finding{{checkF, warnF}},
			kept:     []string{"DEPRECATION_DOCS"},
			counts:   report.Counts{Warnings: 1},
			bad:      []bool{false},
			problems: "0 error(s), 1 warning(s)",
		},
		{
			name:     "checks kept with strict",
			tally:    Tally{Strict: true},
			results:  [][]model.Finding{{checkF, warnF}},
			kept:     []string{"STABILITY_UNKNOWN", "DEPRECATION_DOCS"},
			counts:   report.Counts{Warnings: 1, Checks: 1},
			bad:      []bool{false},
			problems: "0 error(s), 1 warning(s), 1 check(s)",
		},
		{
			name:     "strict and fail on check",
			tally:    Tally{Strict: true, FailOn: model.SeverityCheck},
			results:  [][]model.Finding{nil, {checkF}},
			kept:     []string{"STABILITY_UNKNOWN"},
			counts:   report.Counts{Checks: 1},
			bad:      []bool{false, true},
			failed:   true,
			problems: "0 error(s), 0 warning(s), 1 check(s)",
		},
		{
			name:     "fail on check without strict sees no check",
			tally:    Tally{FailOn: model.SeverityCheck},
			results:  [][]model.Finding{{checkF}},
			bad:      []bool{false},
			problems: "",
		},
		{
			name:     "error fails at the default level",
			results:  [][]model.Finding{{warnF}, {errF}},
			kept:     []string{"DEPRECATION_DOCS", "STABLE_REMOVAL"},
			counts:   report.Counts{Errors: 1, Warnings: 1},
			bad:      []bool{false, true},
			failed:   true,
			problems: "1 error(s), 1 warning(s)",
		},
		{
			name:     "warning fails at warning",
			tally:    Tally{FailOn: model.SeverityWarning},
			results:  [][]model.Finding{{warnF}},
			kept:     []string{"DEPRECATION_DOCS"},
			counts:   report.Counts{Warnings: 1},
			bad:      []bool{true},
			failed:   true,
			problems: "0 error(s), 1 warning(s)",
		},
		{
			name:        "unreadable commit alone",
			unreadable:  1,
			bad:         []bool{false},
			inputFailed: true,
			problems:    "1 commit could not be read",
		},
		{
			name:        "unreadable commits and an error",
			results:     [][]model.Finding{{errF}},
			unreadable:  2,
			kept:        []string{"STABLE_REMOVAL"},
			counts:      report.Counts{Errors: 1},
			bad:         []bool{true, false, false},
			failed:      true,
			inputFailed: true,
			problems:    "1 error(s), 0 warning(s); 2 commits could not be read",
		},
		{
			name:        "input not read at all",
			inputErr:    true,
			inputFailed: true,
			problems:    "1 input could not be read",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := tc.tally
			var res []*patchcheck.Result
			for _, fs := range tc.results {
				res = append(res, &patchcheck.Result{Patch: &model.Patch{}, Findings: slices.Clone(fs)})
			}
			for range tc.unreadable {
				res = append(res, unreadable())
			}
			var bad []bool
			var kept []string
			for _, r := range res {
				bad = append(bad, tl.Add(r))
				for _, f := range r.Findings {
					kept = append(kept, f.Rule)
				}
			}
			if tc.inputErr {
				tl.InputError(errors.New("no such file"))
			}
			if !slices.Equal(kept, tc.kept) {
				t.Errorf("kept %v, want %v", kept, tc.kept)
			}
			if tl.Counts != tc.counts {
				t.Errorf("counts %+v, want %+v", tl.Counts, tc.counts)
			}
			if !slices.Equal(bad, tc.bad) {
				t.Errorf("Add said %v, want %v", bad, tc.bad)
			}
			if tl.Failed() != tc.failed {
				t.Errorf("Failed() = %v, want %v", tl.Failed(), tc.failed)
			}
			if tl.InputFailed() != tc.inputFailed {
				t.Errorf("InputFailed() = %v, want %v", tl.InputFailed(), tc.inputFailed)
			}
			if got := tl.Problems("commit"); got != tc.problems {
				t.Errorf("Problems = %q, want %q", got, tc.problems)
			}
			if tl.Patches != len(res) || tl.Unreadable != tc.unreadable {
				t.Errorf("patches %d unreadable %d, want %d %d", tl.Patches, tl.Unreadable, len(res), tc.unreadable)
			}
			s := tl.Summary()
			if s.Patches != tl.Patches || s.Counts != tl.Counts || len(s.InputErrors) != len(tl.InputErrors) {
				t.Errorf("summary %+v of %+v", s, tl)
			}
		})
	}
}

func TestFailedAt(t *testing.T) {
	tests := []struct {
		counts               report.Counts
		err, warning, checkL bool
	}{
		{report.Counts{}, false, false, false},
		{report.Counts{Checks: 2}, false, false, true},
		{report.Counts{Warnings: 1}, false, true, true},
		{report.Counts{Errors: 1}, true, true, true},
	}
	for _, tc := range tests {
		tl := Tally{Counts: tc.counts}
		got := []bool{tl.FailedAt(model.SeverityError), tl.FailedAt(model.SeverityWarning), tl.FailedAt(model.SeverityCheck)}
		if want := []bool{tc.err, tc.warning, tc.checkL}; !slices.Equal(got, want) {
			t.Errorf("%+v: FailedAt(error, warning, check) = %v, want %v", tc.counts, got, want)
		}
	}
}

func TestUnitName(t *testing.T) {
	title := model.Subject{Title: "bpf: tidy"}
	one := func(p *model.Patch) *patchcheck.Result {
		return &patchcheck.Result{Patch: p, Series: &model.Series{Source: p.Source, Patches: []*model.Patch{p}}}
	}
	two := func(p *model.Patch, source string) *patchcheck.Result {
		return &patchcheck.Result{Patch: p, Series: &model.Series{Source: source, Patches: []*model.Patch{p, {}}}}
	}
	tests := []struct {
		res  *patchcheck.Result
		want string
	}{
		{one(&model.Patch{FromRepo: "/src/linux", Commit: "0123456789abcdef", Subject: title}), `Commit 0123456789ab ("bpf: tidy")`},
		{one(&model.Patch{Source: "-", Index: 1, Subject: title}), "Your patch"},
		{one(&model.Patch{Source: "a.patch", Index: 1, Commit: "0123456789abcdef", Subject: title}), "a.patch"},
		{one(&model.Patch{Source: "<x@y>", Index: 1, Subject: title}), `Message <x@y> ("bpf: tidy")`},
		{two(&model.Patch{Source: "s.mbox", Index: 2, Commit: "fedcba9876543210", Subject: title}, "s.mbox"), `Commit fedcba987654 ("bpf: tidy")`},
		{two(&model.Patch{Source: "s.mbox", Index: 1, Subject: title}, "s.mbox"), `s.mbox #1 ("bpf: tidy")`},
		{two(&model.Patch{Source: "s.mbox", Index: 1, Subject: title}, "other"), "s.mbox"},
		{&patchcheck.Result{Patch: &model.Patch{Source: "lone.patch", Index: 1, Subject: title}}, "lone.patch"},
	}
	for _, tc := range tests {
		if got := UnitName(tc.res); got != tc.want {
			t.Errorf("UnitName(%+v) = %q, want %q", tc.res.Patch, got, tc.want)
		}
	}
}
