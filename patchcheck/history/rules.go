// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Rules is the policy that only history can check: how long a kfunc was
// deprecated before it went, whether a removed name came back, whether a
// stable kernel series changed kfunc contracts. Its defaults are
// documented in the README; the policy file has no place for them yet.
type Rules struct {
	// MinDeprecationReleases is how many releases a deprecated stable
	// kfunc must stay before its removal or demotion: the RFC v1 said
	// 10, v2 "multiple years", the merged text case by case. 0 turns the
	// check off.
	MinDeprecationReleases int
	// MinDeprecationDays is the same as a time (git releases only, by
	// commit time); 0 turns it off.
	MinDeprecationDays int
	// StableSeries are tag patterns (path.Match) of stable kernel series
	// ("v6.1.*"); a step between two releases matching the same pattern
	// is inside the series. Empty: releases of the same major.minor
	// version are one series (v6.1, v6.1.5 and Debian's 6.1.0-47-amd64).
	StableSeries []string
}

// DefaultRules returns the documented defaults: 10 releases (RFC v1's
// figure; the process now says case by case), no minimum in days, series
// by major.minor version.
func DefaultRules() Rules { return Rules{MinDeprecationReleases: 10} }

// HistoryRule is one policy check made over a history.
type HistoryRule struct {
	ID       string
	Severity model.Severity
	Title    string
	Doc      string
}

// The history rules.
var (
	RuleDeprecationPeriod = &HistoryRule{ID: "HISTORY_DEPRECATION_PERIOD", Severity: model.SeverityError,
		Title: "deprecated stable kfunc removed before the minimum deprecation period",
		Doc: `A stable kfunc marked KF_DEPRECATED is kept for a deprecation period
before it is removed or demoted (RFC "stable kfuncs": at least 10 releases
in v1, "multiple years" in v2, case by case in the merged text). History
shows the release KF_DEPRECATED appeared in; the removal must come at least
MinDeprecationReleases releases (and MinDeprecationDays days, by commit
time, when set) later. A kfunc removed while never seen deprecated is
STABLE_REMOVAL's business, not this rule's.`}
	RuleNameReused = &HistoryRule{ID: "HISTORY_NAME_REUSED", Severity: model.SeverityWarning,
		Title: "a removed kfunc's name is used again",
		Doc: `The stable-kfunc proposal asks that a removed kfunc's name be "marked
as invalid" and never reused: a BPF program built for the old kfunc would
otherwise call the new one. A kfunc that appears in a release after it was
absent from the release before, but was a kfunc in an earlier one, reuses
the name; the finding names both prototypes.`}
	RuleStableSeries = &HistoryRule{ID: "HISTORY_STABLE_SERIES", Severity: model.SeverityError,
		Title: "a stable kernel series changes a kfunc's contract",
		Doc: `Within a stable (LTS) series, backports should not change what BPF
programs see: any kfunc added, removed, or changed in flags, prototype or
availability between two releases of one series is reported, stable or
not. Series are the StableSeries tag patterns (such as "v6.1.*"), or by
default releases of the same major.minor version.`}
)

// AllHistoryRules lists the history rules.
var AllHistoryRules = []*HistoryRule{RuleDeprecationPeriod, RuleDeprecationClaim, RuleNameReused, RuleStableSeries}

// Explain renders a rule's documentation.
func (r *HistoryRule) Explain() string {
	return fmt.Sprintf("%s (%s): %s\n\n%s\n", r.ID, r.Severity, r.Title, r.Doc)
}

// CheckRules runs the history rules and adds their findings to the steps
// they concern, with the policy's severities and ignores applied.
func (h *History) CheckRules(r Rules, cfg *policy.Config) {
	if cfg == nil {
		cfg = policy.Default()
	}
	report := func(rule *HistoryRule, step int, kfunc, format string, args ...any) {
		if slices.Contains(cfg.Ignore, rule.ID) {
			return
		}
		f := model.Finding{Rule: rule.ID, Severity: rule.Severity, Kfunc: kfunc, Message: fmt.Sprintf(format, args...)}
		if c := h.Releases[step+1].Kfuncs[kfunc]; c != nil {
			f.Pos = model.Pos{File: c.File, Line: c.Line}
		} else if c := h.Releases[step].Kfuncs[kfunc]; c != nil {
			f.Pos = model.Pos{File: c.File, Line: c.Line}
		}
		if sev, ok := cfg.Severity[rule.ID]; ok {
			f.Severity, _ = model.ParseSeverity(sev)
		}
		s := h.Steps[step]
		s.Findings = append(s.Findings, f)
		if s.Result != nil {
			s.Result.Findings = append(s.Result.Findings, f)
		}
	}
	for i := range h.Steps {
		h.checkDeprecation(i, r, cfg, report)
		h.checkReuse(i, report)
		h.checkSeries(i, r, report)
	}
}

type reportFunc func(rule *HistoryRule, step int, kfunc, format string, args ...any)

// DeprecatedSince returns the index of the release from which kfunc
// name was deprecated without a break up to release i, -1 when it is
// not deprecated in i.
func (h *History) DeprecatedSince(name string, i int) int {
	since := -1
	for j := i; j >= 0; j-- {
		c := h.Releases[j].Kfuncs[name]
		if c == nil || !c.Deprecated {
			break
		}
		since = j
	}
	return since
}

func (h *History) checkDeprecation(step int, r Rules, cfg *policy.Config, report reportFunc) {
	before, after := h.Releases[step], h.Releases[step+1]
	for _, name := range h.Names {
		b := before.Kfuncs[name]
		if b == nil || !b.Deprecated || !b.Stable {
			continue
		}
		a := after.Kfuncs[name]
		gone := a == nil
		demoted := a != nil && !slices.Contains(a.Flags, cfg.StableFlag) && slices.Contains(b.Flags, cfg.StableFlag)
		if !gone && !demoted {
			continue
		}
		since := h.DeprecatedSince(name, step)
		what := "removed"
		if demoted {
			what = "demoted"
		}
		kept := step + 1 - since
		switch {
		case since == 0 && kept < r.MinDeprecationReleases:
			// Deprecated already in the first release: the period
			// may have begun earlier than history shows.
			continue
		case r.MinDeprecationReleases > 0 && kept < r.MinDeprecationReleases:
			report(RuleDeprecationPeriod, step, name, "%s: deprecated stable kfunc %s in %s, %d release(s) after it was deprecated in %s; the policy asks for at least %d",
				name, what, after.Name, kept, h.Releases[since].Name, r.MinDeprecationReleases)
		case r.MinDeprecationDays > 0 && after.Time > 0 && h.Releases[since].Time > 0:
			days := int(time.Unix(after.Time, 0).Sub(time.Unix(h.Releases[since].Time, 0)).Hours() / 24)
			if days < r.MinDeprecationDays && since > 0 {
				report(RuleDeprecationPeriod, step, name, "%s: deprecated stable kfunc %s in %s, %d days after it was deprecated in %s; the policy asks for at least %d days",
					name, what, after.Name, days, h.Releases[since].Name, r.MinDeprecationDays)
			}
		}
	}
}

func (h *History) checkReuse(step int, report reportFunc) {
	before, after := h.Releases[step], h.Releases[step+1]
	for _, name := range h.Names {
		a := after.Kfuncs[name]
		if a == nil || before.Kfuncs[name] != nil {
			continue
		}
		for j := step - 1; j >= 0; j-- {
			old := h.Releases[j].Kfuncs[name]
			if old == nil {
				continue
			}
			msg := fmt.Sprintf("%s: kfunc added in %s reuses the name of a kfunc removed after %s", name, after.Name, h.Releases[j].Name)
			if old.Prototype != a.Prototype && old.Prototype != "" && a.Prototype != "" {
				msg += fmt.Sprintf(" (was %s, now %s)", old.Prototype, a.Prototype)
			}
			report(RuleNameReused, step, name, "%s", msg)
			break
		}
	}
}

// seriesRE finds a release's major.minor version.
var seriesRE = regexp.MustCompile(`\d+\.\d+`)

// sameSeries reports whether two releases belong to one stable series.
func sameSeries(a, b string, patterns []string) (string, bool) {
	if len(patterns) > 0 {
		for _, p := range patterns {
			ma, _ := path.Match(p, a)
			mb, _ := path.Match(p, b)
			if ma && mb {
				return p, true
			}
		}
		return "", false
	}
	va, vb := seriesRE.FindString(a), seriesRE.FindString(b)
	return va, va != "" && va == vb
}

func (h *History) checkSeries(step int, r Rules, report reportFunc) {
	s := h.Steps[step]
	series, ok := sameSeries(s.From, s.To, r.StableSeries)
	if !ok {
		return
	}
	var names []string
	what := map[string][]string{}
	for _, c := range s.Changes {
		if c.Kfunc == "" {
			continue
		}
		if _, seen := what[c.Kfunc]; !seen {
			names = append(names, c.Kfunc)
		}
		what[c.Kfunc] = append(what[c.Kfunc], string(c.Kind))
	}
	for _, n := range names {
		report(RuleStableSeries, step, n, "%s: %s from %s to %s, within the stable series %s",
			n, strings.Join(slices.Compact(what[n]), ", "), s.From, s.To, series)
	}
}
