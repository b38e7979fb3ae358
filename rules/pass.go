// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Pass is everything a rule may read about one patch, and the way it
// reports. Rules read the model only; they never see raw diff text.
// Beyond the patch, a rule reads the facts it declares (Rule.Requires and
// Rule.Uses), through the methods below; reading a fact it did not
// declare is a programming error and panics, as go/analysis's ResultOf
// does, so that a rule's declaration is the truth about what it reads.
type Pass struct {
	Patch   *model.Patch
	Changes []*model.Change
	Config  *policy.Config
	// Msg is the shared analysis of the commit message.
	Msg *Message

	rule   *Rule
	facts  Facts
	report func(model.Finding)
	// history is the release history once read; historyRead says it
	// was asked for, historyErr why there is none.
	history     *model.Releases
	historyRead bool
	historyErr  error
}

// fact returns the run's facts after checking that the running rule
// declared f.
func (p *Pass) fact(f Fact) *Facts {
	if p.rule != nil && !p.rule.declares(f) {
		panic(fmt.Sprintf("rules: %s reads %s, which it does not declare", p.rule.ID, f))
	}
	return &p.facts
}

// Series returns the series the patch belongs to (FactSeries).
func (p *Pass) Series() *model.Series { return p.fact(FactSeries).Series }

// SeriesBefore returns the kfunc's state before the first patch of the
// series that touched it (nil when no earlier patch did) (FactSeries).
func (p *Pass) SeriesBefore(kfunc string) *model.KfuncState {
	if sf := p.fact(FactSeries).SoFar; sf != nil {
		return sf.Before[kfunc]
	}
	return nil
}

// IntroducedInSeries reports whether this patch or an earlier one of the
// series added the kfunc's definition (FactSeries).
func (p *Pass) IntroducedInSeries(kfunc string) bool {
	sf := p.fact(FactSeries).SoFar
	return sf != nil && sf.Introduced[kfunc]
}

// IntroducedEarlier reports whether an earlier patch of the series made
// the function a kfunc: its later changes break nobody (FactSeries).
func (p *Pass) IntroducedEarlier(kfunc string) bool {
	sf := p.fact(FactSeries).SoFar
	return sf != nil && sf.IntroducedEarlier[kfunc]
}

// PromotedEarlier reports whether an earlier patch of the series made
// the kfunc stable (FactSeries).
func (p *Pass) PromotedEarlier(kfunc string) bool {
	sf := p.fact(FactSeries).SoFar
	return sf != nil && sf.PromotedEarlier[kfunc]
}

// StableSource tells whether a source outside the patch (a stable list, a
// BPF program) declares kfunc stable, naming it (FactStable).
func (p *Pass) StableSource(kfunc string) (string, bool) {
	if s := p.fact(FactStable).Stable; s != nil {
		return s.Stable(kfunc)
	}
	return "", false
}

// KfuncSource tells whether a built kernel exports a function as a kfunc,
// naming the kernel (FactKernel).
func (p *Pass) KfuncSource(name string) (string, bool) {
	if k := p.fact(FactKernel).Kernel; k != nil {
		return k.IsKfunc(name)
	}
	return "", false
}

// Target returns where the patch goes, nil when unknown (FactTarget).
func (p *Pass) Target() *model.Target { return p.fact(FactTarget).Target }

// History returns the release history the patch goes on top of, reading
// it the first time a rule asks; nil when the run has none, and the rule
// is then noted as skipped (FactHistory).
func (p *Pass) History() *model.Releases {
	src := p.fact(FactHistory).History
	if !p.historyRead {
		p.historyRead = true
		if src == nil {
			p.historyErr = fmt.Errorf("needs %s (%s)", FactHistory, FactHistory.How())
		} else {
			p.history, p.historyErr = src.Releases()
		}
		if p.history == nil && p.historyErr == nil {
			p.historyErr = fmt.Errorf("needs %s, and there is none", FactHistory)
		}
	}
	return p.history
}

// ReportChange reports a finding about change c at its place, quoting the
// lines of the patch that show it.
func (p *Pass) ReportChange(c *model.Change, format string, args ...any) {
	p.Report(model.Finding{Kfunc: c.Kfunc, Pos: c.Pos, Message: fmt.Sprintf(format, args...), Quote: quote(c)})
}

// ReportMessage reports a finding about the commit message of change c's
// patch. It is placed at the subject line, where the description starts,
// or at the change when the input has no subject.
func (p *Pass) ReportMessage(c *model.Change, format string, args ...any) {
	f := model.Finding{Kfunc: c.Kfunc, Message: fmt.Sprintf(format, args...)}
	switch {
	case p.Patch.SubjectLine > 0:
		f.Pos = model.Pos{PatchLine: p.Patch.SubjectLine}
		f.Quote = []string{"Subject: " + p.Patch.Header.Subject}
	case len(p.Patch.Message) > 0:
		f.Pos = model.Pos{PatchLine: p.Patch.Message[0].N}
		f.Quote = []string{p.Patch.Message[0].Text}
	default:
		f.Pos = c.Pos
		f.Quote = quote(c)
	}
	p.Report(f)
}

// quote returns the entry or prototype lines that show the change.
func quote(c *model.Change) []string {
	if len(c.Lines) > 0 {
		return c.Lines
	}
	var out []string
	side := func(s *model.KfuncState, mark string) {
		if s == nil {
			return
		}
		if c.Kind == model.KindSignature {
			if s.Proto != nil {
				out = append(out, mark+s.Proto.Text)
			}
			return
		}
		for _, e := range s.Entries {
			if e.Pos.File == c.Pos.File || len(out) == 0 {
				out = append(out, mark+e.Text)
				break
			}
		}
	}
	switch c.Kind {
	case model.KindAdded:
		side(c.After, "+")
	case model.KindRemoved:
		side(c.Before, "-")
	default:
		side(c.Before, "-")
		side(c.After, "+")
	}
	if len(out) == 2 && out[0][1:] == out[1][1:] {
		out = out[1:]
	}
	return out
}

// Stability is what is known of a kfunc's stable status.
type Stability struct {
	Stable bool
	// Known is false when no entry of the kfunc is visible and no outside
	// source names it: the patch alone cannot tell.
	Known bool
	// Source says where the answer comes from.
	Source string
}

// StableBefore tells whether the kfunc of c was stable before the patch
// (or before the series): KF_STABLE on the baseline side, or named by an
// outside source.
func (p *Pass) StableBefore(c *model.Change) Stability {
	if p.IntroducedEarlier(c.Kfunc) {
		// New in this series: no BPF program calls it yet, whatever a
		// stable list says of an older kfunc of that name.
		return Stability{Known: true, Source: "added earlier in the series"}
	}
	if p.PromotedEarlier(c.Kfunc) {
		return Stability{Stable: true, Known: true, Source: "promoted earlier in the series"}
	}
	if src, ok := p.StableSource(c.Kfunc); ok {
		return Stability{Stable: true, Known: true, Source: src}
	}
	if s := p.SeriesBefore(c.Kfunc); s.HasFlag(p.Config.StableFlag) {
		return Stability{Stable: true, Known: true, Source: p.Config.StableFlag + " before the series"}
	}
	if c.Before.HasFlag(p.Config.StableFlag) {
		return Stability{Stable: true, Known: true, Source: p.Config.StableFlag + " before the patch"}
	}
	return Stability{Known: c.Before != nil && len(c.Before.Entries) > 0}
}

// StableEither is StableBefore, also counting KF_STABLE after the patch:
// the signature and flags rules protect a kfunc promoted in the same patch.
func (p *Pass) StableEither(c *model.Change) Stability {
	s := p.StableBefore(c)
	if p.IntroducedEarlier(c.Kfunc) {
		return s
	}
	if !s.Stable && c.After.HasFlag(p.Config.StableFlag) {
		return Stability{Stable: true, Known: true, Source: p.Config.StableFlag + " after the patch"}
	}
	if !s.Stable && c.After != nil && len(c.After.Entries) > 0 {
		s.Known = true
	}
	return s
}

// DeprecatedBefore reports whether the kfunc carried KF_DEPRECATED before
// the series (a deprecation earlier in the same series does not count).
func (p *Pass) DeprecatedBefore(c *model.Change) bool {
	if s := p.SeriesBefore(c.Kfunc); s != nil && len(s.Entries) > 0 {
		return s.HasFlag(p.Config.DeprecatedFlag)
	}
	return c.Before.HasFlag(p.Config.DeprecatedFlag)
}

// ChangesOf returns the patch's changes of the given kinds (of any kind
// when none is given), leaving out those an earlier patch of the series
// already made.
func (p *Pass) ChangesOf(kinds ...model.ChangeKind) []*model.Change {
	var out []*model.Change
	for _, c := range p.Changes {
		if c.SeenEarlier {
			continue
		}
		if len(kinds) == 0 {
			out = append(out, c)
			continue
		}
		for _, k := range kinds {
			if c.Kind == k {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Promotions returns the changes that make a kfunc stable: KF_STABLE added
// to an entry, or a new entry that carries it.
func (p *Pass) Promotions() []*model.Change {
	var out []*model.Change
	for _, c := range p.Changes {
		switch c.Kind {
		case model.KindPromoted:
			out = append(out, c)
		case model.KindAdded:
			if c.After.HasFlag(p.Config.StableFlag) && !c.Before.HasFlag(p.Config.StableFlag) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Deprecations returns the changes that add KF_DEPRECATED.
func (p *Pass) Deprecations() []*model.Change { return p.ChangesOf(model.KindDeprecated) }

// DocumentationChanged reports whether the patch touches Documentation/.
func (p *Pass) DocumentationChanged() bool {
	for _, f := range p.Patch.Files {
		if strings.HasPrefix(f.Path(), "Documentation/") {
			return true
		}
	}
	return false
}

// AddedDocText returns the lines the patch adds under Documentation/.
func (p *Pass) AddedDocText() string {
	var b strings.Builder
	for _, f := range p.Patch.Files {
		if !strings.HasPrefix(f.Path(), "Documentation/") {
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Op == '+' {
					b.WriteString(l.Text)
					b.WriteByte('\n')
				}
			}
		}
	}
	return b.String()
}

// KernelDoc returns the kfunc's kernel-doc comment after the patch, and
// whether the patch changed it.
func KernelDoc(c *model.Change) (doc string, changed bool) {
	var before, after string
	if c.Before != nil {
		before = c.Before.Doc
	}
	if c.After != nil {
		after = c.After.Doc
	}
	return after, after != before && after != ""
}
