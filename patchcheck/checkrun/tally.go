// SPDX-License-Identifier: GPL-2.0-only

package checkrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Tally adds up the results of a run and says whether it failed. Findings
// and unreadable input are kept apart: a run can fail for either, and
// what it tells the user differs (a rule to explain, or a file to fix).
type Tally struct {
	// Strict keeps check-level findings; without it they are dropped
	// before they are counted or shown, as checkpatch drops its CHECKs.
	Strict bool
	// FailOn is the lowest severity that fails the run (the zero value
	// is error).
	FailOn model.Severity

	// Counts counts the findings kept.
	Counts report.Counts
	// Patches counts the results added.
	Patches int
	// Unreadable counts the patches that could not be read or
	// extracted in full (their Result.Errors).
	Unreadable int
	// InputErrors holds the inputs that could not be read at all: a
	// file, a thread, a revision range.
	InputErrors []string
	// Skipped holds the rules skipped for want of a fact, once each.
	Skipped []rules.Skip

	failed bool
}

// Keep reports whether a finding survives --strict. (--ignore and --types
// keep rules from running: rules.Selection.)
func (t *Tally) Keep(f model.Finding) bool {
	return f.Severity != model.SeverityCheck || t.Strict
}

// Filter returns the findings Keep keeps, in fs's storage.
func (t *Tally) Filter(fs []model.Finding) []model.Finding {
	return slices.DeleteFunc(fs, func(f model.Finding) bool { return !t.Keep(f) })
}

// Add filters res's findings in place, so that what is shown is what is
// counted, counts them and the patch, and reports whether one of them
// reaches FailOn. A patch that could not be read is counted as
// Unreadable but does not make Add return true: the bot answers findings,
// not parse errors.
func (t *Tally) Add(res *patchcheck.Result) bool {
	res.Findings = t.Filter(res.Findings)
	t.Patches++
	for _, sk := range res.Skipped {
		if !slices.ContainsFunc(t.Skipped, func(s rules.Skip) bool { return s.Rule == sk.Rule }) {
			t.Skipped = append(t.Skipped, sk)
		}
	}
	if len(res.Errors) > 0 {
		t.Unreadable++
	}
	bad := false
	for _, f := range res.Findings {
		t.Counts.Add(f)
		bad = bad || f.Severity.AtLeast(t.FailOn)
	}
	t.failed = t.failed || bad
	return bad
}

// InputError records an input that could not be read at all.
func (t *Tally) InputError(err error) {
	t.InputErrors = append(t.InputErrors, err.Error())
}

// Failed reports whether a finding reached FailOn.
func (t *Tally) Failed() bool { return t.failed }

// FailedAt reports whether a finding reached level, whatever FailOn is:
// the hook refuses a push at one level and mentions warnings below it.
func (t *Tally) FailedAt(level model.Severity) bool {
	n := t.Counts.Errors
	if model.SeverityWarning.AtLeast(level) {
		n += t.Counts.Warnings
	}
	if model.SeverityCheck.AtLeast(level) {
		n += t.Counts.Checks
	}
	return n > 0
}

// InputFailed reports whether some input, or part of one, could not be
// read: the findings may then be incomplete, whatever they are.
func (t *Tally) InputFailed() bool { return t.Unreadable > 0 || len(t.InputErrors) > 0 }

// Summary is the tally as the report formats end with it.
func (t *Tally) Summary() report.Summary {
	return report.Summary{Patches: t.Patches, Counts: t.Counts, InputErrors: t.InputErrors, Skipped: t.Skipped}
}

// Problems says what failed, for a one-line verdict: the errors and
// warnings when there are findings, then what could not be read, with
// unit naming a patch ("commit", "patch"). It returns "" for a clean run;
// when only a read failed it says only that, not "0 error(s)".
func (t *Tally) Problems(unit string) string {
	var parts []string
	if t.failed || t.Counts.Errors+t.Counts.Warnings > 0 {
		f := fmt.Sprintf("%d error(s), %d warning(s)", t.Counts.Errors, t.Counts.Warnings)
		if t.Counts.Checks > 0 {
			// Only --strict keeps them, and then they may be what failed.
			f += fmt.Sprintf(", %d check(s)", t.Counts.Checks)
		}
		parts = append(parts, f)
	}
	if t.Unreadable > 0 {
		parts = append(parts, CouldNotRead(t.Unreadable, unit))
	}
	if n := len(t.InputErrors); n > 0 {
		parts = append(parts, CouldNotRead(n, "input"))
	}
	return strings.Join(parts, "; ")
}

// CouldNotRead says that n of unit could not be read: "1 commit could not
// be read", "2 commits could not be read".
func CouldNotRead(n int, unit string) string {
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s could not be read", n, unit)
}

// UnitName names a result in reports: a commit by its id and title, a
// patch by its source, its place in the series and its title when the
// source holds more than one.
func UnitName(res *patchcheck.Result) string {
	p := res.Patch
	if p.FromRepo != "" {
		return commitName(p)
	}
	name := p.Source
	if name == "-" {
		name = "Your patch"
	}
	if strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">") {
		// A message fetched by Message-ID.
		return fmt.Sprintf("Message %s (\"%s\")", name, p.Subject.Title)
	}
	// CheckSeries always sets Series; a hand-made result may not, and is
	// then taken for a series of one.
	many, sameSource := false, false
	if s := res.Series; s != nil {
		many, sameSource = len(s.Patches) > 1, s.Source == p.Source
	}
	switch {
	case p.Commit != "" && p.Subject.Title != "" && (many || p.Index > 1):
		return commitName(p)
	case p.Index > 1 || many && sameSource:
		return fmt.Sprintf("%s #%d (\"%s\")", name, p.Index, p.Subject.Title)
	}
	return name
}

func commitName(p *model.Patch) string {
	return fmt.Sprintf("Commit %.12s (\"%s\")", p.Commit, p.Subject.Title)
}
