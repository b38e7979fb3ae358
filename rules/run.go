// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Selection chooses the rules a run reports, on top of the policy's
// ignore list: checkpatch's --ignore and --types.
type Selection struct {
	Ignore, Types []string
}

// Selected reports whether the selection and the policy's ignore list
// keep rule id.
func (s Selection) Selected(id string, policyIgnore []string) bool {
	switch {
	case slices.Contains(policyIgnore, id), slices.Contains(s.Ignore, id):
		return false
	case len(s.Types) > 0 && !slices.Contains(s.Types, id):
		return false
	}
	return true
}

// Skip is a rule a run did not apply for want of a fact, and why.
type Skip struct {
	Rule   string
	Reason string
}

// Run applies the rules of list that sel keeps to one patch: in (Patch,
// Changes, Config, Msg) with the run's facts. It is the one place where
// the policy's severities, the selection and the message's waivers are
// applied. The findings come sorted by their place in the patch, one per
// rule and kfunc; the skips name the rules that required a fact the run
// lacks.
func Run(list []*Rule, in Pass, fs Facts, sel Selection) ([]model.Finding, []Skip) {
	var findings []model.Finding
	var skips []Skip
	for _, r := range list {
		if !sel.Selected(r.ID, in.Config.Ignore) {
			continue
		}
		// A rule that requires the history runs without one: the
		// history is read only when a rule asks for it, so only a rule
		// that had something to judge is noted as skipped (Pass.History).
		if missing := fs.missing(r.Requires, FactHistory); missing != nil {
			skips = append(skips, Skip{Rule: r.ID, Reason: fmt.Sprintf("needs %s (%s)", *missing, missing.How())})
			continue
		}
		p := in
		p.rule, p.facts = r, fs
		p.report = func(f model.Finding) {
			f.Rule = r.ID
			f.Severity = r.Severity
			if sev, ok := in.Config.Severity[r.ID]; ok {
				f.Severity, _ = model.ParseSeverity(sev)
			}
			findings = append(findings, f)
		}
		r.Check(&p)
		if p.historyErr != nil && slices.Contains(r.Requires, FactHistory) {
			skips = append(skips, Skip{Rule: r.ID, Reason: p.historyErr.Error()})
		}
	}
	findings = onePerKfunc(findings)
	if in.Msg != nil {
		applyWaivers(findings, in.Msg.Waivers)
	}
	slices.SortStableFunc(findings, func(a, b model.Finding) int { return a.Pos.PatchLine - b.Pos.PatchLine })
	return findings, skips
}

// missing returns the first of want, but lazy, that the run lacks; nil
// when it has all.
func (fs *Facts) missing(want []Fact, lazy Fact) *Fact {
	for _, f := range want {
		if f != lazy && !fs.has(f) {
			return &f
		}
	}
	return nil
}

// Report records a finding of the running rule; the rule ID and its
// severity are filled in.
func (p *Pass) Report(f model.Finding) { p.report(f) }

// applyWaivers turns each finding covered by a waiver that gives a reason
// into a check that says it was waived.
func applyWaivers(fs []model.Finding, ws []Waiver) {
	for i := range fs {
		for _, w := range ws {
			if w.Reason == "" || w.Rule != fs[i].Rule || (w.Kfunc != fs[i].Kfunc && w.Kfunc != "*") {
				continue
			}
			fs[i].Waived = true
			fs[i].WaiverReason = w.Reason
			fs[i].Severity = model.SeverityCheck
			fs[i].Message += " (waived: " + w.Reason + ")"
			break
		}
	}
}

// onePerKfunc merges the findings of one rule about one kfunc into the
// first, so that a patch gets one finding per kfunc and rule.
func onePerKfunc(fs []model.Finding) []model.Finding {
	first := map[[2]string]int{}
	out := fs[:0]
	for _, f := range fs {
		if f.Kfunc == "" {
			out = append(out, f)
			continue
		}
		k := [2]string{f.Rule, f.Kfunc}
		i, ok := first[k]
		if !ok {
			first[k] = len(out)
			out = append(out, f)
			continue
		}
		msg := strings.TrimPrefix(f.Message, f.Kfunc+": ")
		if !strings.Contains(out[i].Message, msg) {
			out[i].Message += "; also: " + msg
		}
	}
	return out
}
