// SPDX-License-Identifier: GPL-2.0-only

// Package extract builds the kfunc snapshots before and after a patch and
// diffs them into typed changes (added, removed, promoted, demoted,
// deprecated, undeprecated, flags, signature, moved).
package extract

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Options are the inputs of an extraction beyond the patch.
type Options struct {
	Policy   *policy.Config
	Baseline baseline.Baseline
	// Interest names functions to treat as kfuncs even when no set entry
	// is visible (a stable list's names).
	Interest map[string]bool
}

// Result is the extraction of one patch.
type Result struct {
	Before, After *model.Snapshot
	Changes       []*model.Change
	// FullFiles lists files whose whole pre-image was used.
	FullFiles []string
	Errors    []error
}

// notes maps a file to why its full pre-image could not be used.
type notes map[string]string

// IsSource reports whether path is C source or a header.
func IsSource(path string) bool {
	return strings.HasSuffix(path, ".c") || strings.HasSuffix(path, ".h")
}

// Patch extracts the kfunc changes a patch makes.
func Patch(p *model.Patch, opt Options) *Result {
	res := &Result{Before: model.NewSnapshot(), After: model.NewSnapshot()}
	missing := notes{}
	for _, fd := range p.Files {
		if fd.Binary || !IsSource(fd.Path()) || !interesting(fd, opt.Interest) {
			continue
		}
		pre, post, full, note, err := segments(fd, opt.Baseline)
		if err != nil {
			res.Errors = append(res.Errors, err)
		}
		if note != "" {
			missing[fd.Path()] = note
		}
		if full {
			res.FullFiles = append(res.FullFiles, fd.Path())
		}
		all := func(string) bool { return true }
		add(res.Before, cscan.Scan(orPath(fd.OldPath, fd.NewPath), pre, all))
		add(res.After, cscan.Scan(fd.Path(), post, all))
	}
	res.Changes = diff(res.Before, res.After, opt)
	for _, c := range res.Changes {
		c.BaselineNote = missing[c.Pos.File]
	}
	return res
}

func orPath(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func interesting(fd *model.FileDiff, interest map[string]bool) bool {
	for _, h := range fd.Hunks {
		if cscan.HasMarker(h.Section) {
			return true
		}
		for _, l := range h.Lines {
			if cscan.HasMarker(l.Text) {
				return true
			}
			if len(interest) > 0 && mentions(l.Text, interest) {
				return true
			}
		}
	}
	return false
}

// mentions reports whether text holds an identifier in names.
func mentions(text string, names map[string]bool) bool {
	start := -1
	for i := 0; i <= len(text); i++ {
		ident := i < len(text) && (text[i] == '_' || text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9')
		switch {
		case ident && start < 0:
			start = i
		case !ident && start >= 0:
			if names[text[start:i]] {
				return true
			}
			start = -1
		}
	}
	return false
}

// segments returns what the patch lets us see of the file before and
// after: the whole file when the baseline has its pre-image and the hunks
// apply to it, the hunks alone otherwise. note says why a pre-image the
// baseline should have had could not be used.
func segments(fd *model.FileDiff, bl baseline.Baseline) (pre, post []cscan.Segment, full bool, note string, err error) {
	if bl != nil && fd.Status != model.Added {
		data, perr := bl.PreImage(orPath(fd.OldPath, fd.NewPath), fd.OldBlob)
		switch {
		case perr == nil:
			pre, post, aerr := apply(fd, string(data))
			if aerr == nil {
				return pre, post, true, "", nil
			}
			note = aerr.Error()
		case errors.Is(perr, baseline.ErrMissing):
			note = perr.Error()
		case !errors.Is(perr, baseline.ErrUnavailable):
			err = perr
		}
	}
	for _, h := range fd.Hunks {
		hint := cscan.SetFromSection(h.Section)
		var b, a cscan.Segment
		b.SetHint, a.SetHint = hint, hint
		for _, l := range h.Lines {
			if l.Op != '+' {
				b.Lines = append(b.Lines, cscan.Line{Text: l.Text, Line: l.OldLine, PatchLine: l.PatchLine})
			}
			if l.Op != '-' {
				a.Lines = append(a.Lines, cscan.Line{Text: l.Text, Line: l.NewLine, PatchLine: l.PatchLine})
			}
		}
		pre, post = append(pre, b), append(post, a)
	}
	return pre, post, false, note, err
}

// apply applies the hunks of fd to the pre-image content and returns both
// whole files as segments.
func apply(fd *model.FileDiff, content string) (pre, post []cscan.Segment, err error) {
	old := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	var b, a []cscan.Line
	for i, t := range old {
		b = append(b, cscan.Line{Text: t, Line: i + 1})
	}
	at := 0 // next pre-image line to copy (0-based)
	for _, h := range fd.Hunks {
		start := h.OldStart - 1
		if h.OldCount == 0 {
			start = h.OldStart
		}
		if start < at || start > len(old) {
			return nil, nil, fmt.Errorf("%s: hunk at patch line %d does not apply to the pre-image", fd.Path(), h.PatchLine)
		}
		for ; at < start; at++ {
			a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1})
		}
		for _, l := range h.Lines {
			switch l.Op {
			case ' ', '-':
				if at >= len(old) || strings.TrimRight(old[at], " \t") != strings.TrimRight(l.Text, " \t") {
					return nil, nil, fmt.Errorf("%s: hunk at patch line %d does not apply to the pre-image (line %d differs)", fd.Path(), h.PatchLine, at+1)
				}
				b[at].PatchLine = l.PatchLine
				if l.Op == ' ' {
					a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1, PatchLine: l.PatchLine})
				}
				at++
			case '+':
				a = append(a, cscan.Line{Text: l.Text, Line: len(a) + 1, PatchLine: l.PatchLine})
			}
		}
	}
	for ; at < len(old); at++ {
		a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1})
	}
	if fd.Status == model.Deleted {
		a = nil
	}
	return []cscan.Segment{{Lines: b}}, []cscan.Segment{{Lines: a}}, nil
}

func add(s *model.Snapshot, r *cscan.Result) {
	for _, e := range r.Entries {
		s.Entries[e.Name] = append(s.Entries[e.Name], e)
	}
	for _, p := range r.Protos {
		if old, ok := s.Protos[p.Name]; !ok || p.Tagged && !old.Tagged {
			s.Protos[p.Name] = p
		}
	}
	for _, d := range r.Docs {
		s.Docs[d.Name] = d.Text
	}
}

// diff compares the two snapshots kfunc by kfunc.
func diff(before, after *model.Snapshot, opt Options) []*model.Change {
	names := map[string]bool{}
	for n := range before.Entries {
		names[n] = true
	}
	for n := range after.Entries {
		names[n] = true
	}
	for _, s := range []*model.Snapshot{before, after} {
		for n, p := range s.Protos {
			if p.Tagged || opt.Interest[n] {
				names[n] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	var out []*model.Change
	for _, n := range sorted {
		out = append(out, diffKfunc(n, before.State(n), after.State(n), opt)...)
	}
	slices.SortStableFunc(out, func(a, b *model.Change) int { return a.Pos.PatchLine - b.Pos.PatchLine })
	return out
}

func entriesOf(s *model.KfuncState) []model.Entry {
	if s == nil {
		return nil
	}
	return s.Entries
}

func docOf(s *model.KfuncState) string {
	if s == nil {
		return ""
	}
	return s.Doc
}

func protoOf(s *model.KfuncState) *model.Proto {
	if s == nil {
		return nil
	}
	return s.Proto
}

// untaggedOnly drops a definition without __bpf_kfunc that has no entry
// and no outside interest: in a hunk it is just a function.
func untaggedOnly(p *model.Proto, entries int, interest bool) *model.Proto {
	if p != nil && !p.Tagged && entries == 0 && !interest {
		return nil
	}
	return p
}

func diffKfunc(name string, b, a *model.KfuncState, opt Options) []*model.Change {
	cfg := opt.Policy
	bE, aE := entriesOf(b), entriesOf(a)
	bP := untaggedOnly(protoOf(b), len(bE)+len(aE), opt.Interest[name])
	aP := untaggedOnly(protoOf(a), len(bE)+len(aE), opt.Interest[name])
	if len(bE) == 0 && len(aE) == 0 && bP == nil && aP == nil {
		return nil
	}
	before := &model.KfuncState{Entries: bE, Proto: bP, Doc: docOf(b)}
	after := &model.KfuncState{Entries: aE, Proto: aP, Doc: docOf(a)}
	visible := len(bE) > 0 || len(aE) > 0
	kinds := map[model.ChangeKind]*model.Change{}
	var order []model.ChangeKind
	emit := func(kind model.ChangeKind, pos model.Pos, detail string) *model.Change {
		if c, ok := kinds[kind]; ok {
			if detail != "" && !strings.Contains(c.Detail, detail) {
				c.Detail += "; " + detail
			}
			return c
		}
		c := &model.Change{Kfunc: name, Kind: kind, Pos: pos, Before: before, After: after, Detail: detail, EntryVisible: visible}
		kinds[kind] = c
		order = append(order, kind)
		return c
	}
	switch {
	case len(bE) == 0 && len(aE) > 0:
		d := "new set entry in " + setName(aE[0])
		if bP == nil && aP != nil {
			d = "new kfunc"
		} else if aP == nil {
			d += "; the definition is not in the patch"
		}
		emit(model.KindAdded, aE[0].Pos, d)
	case len(bE) > 0 && len(aE) == 0:
		d := "set entry removed from " + setName(bE[0])
		if bP != nil && aP == nil {
			d = "kfunc removed"
		}
		emit(model.KindRemoved, bE[0].Pos, d)
	case len(bE) > 0 && len(aE) > 0:
		diffEntries(bE, aE, cfg, emit)
	}
	switch {
	case bP != nil && aP != nil:
		if diffs := cscan.Compare(bP, aP, cfg.CompareOptions()); len(diffs) > 0 {
			c := emit(model.KindSignature, aP.Pos, "")
			c.SigDiffs = diffs
		}
	case bP != nil && aP == nil && len(bE) == 0 && len(aE) == 0:
		emit(model.KindRemoved, bP.Pos, "definition removed; no set entry in the patch")
	case bP == nil && aP != nil && len(bE) == 0 && len(aE) == 0:
		emit(model.KindAdded, aP.Pos, "definition added; no set entry in the patch")
	}
	out := make([]*model.Change, 0, len(order))
	for _, k := range order {
		out = append(out, kinds[k])
	}
	return out
}

func setName(e model.Entry) string {
	s := e.Set
	if s == "" {
		s = "an unnamed set"
	}
	return s + " (" + e.Pos.File + ")"
}

func anyFlag(es []model.Entry, f string) bool {
	for _, e := range es {
		if e.HasFlag(f) {
			return true
		}
	}
	return false
}

type emitFunc func(model.ChangeKind, model.Pos, string) *model.Change

// diffEntries compares the entries of a kfunc present on both sides:
// lifecycle flags, other flags per set, and set or file moves.
func diffEntries(bE, aE []model.Entry, cfg *policy.Config, emit emitFunc) {
	for _, lf := range []struct {
		flag    string
		on, off model.ChangeKind
	}{
		{cfg.StableFlag, model.KindPromoted, model.KindDemoted},
		{cfg.DeprecatedFlag, model.KindDeprecated, model.KindUndeprecated},
	} {
		was, is := anyFlag(bE, lf.flag), anyFlag(aE, lf.flag)
		switch {
		case !was && is:
			e := entryWith(aE, lf.flag)
			c := emit(lf.on, e.Pos, lf.flag+" added")
			c.FlagsAdded = append(c.FlagsAdded, lf.flag)
		case was && !is:
			c := emit(lf.off, aE[0].Pos, lf.flag+" removed")
			c.FlagsRemoved = append(c.FlagsRemoved, lf.flag)
		}
	}
	// Pair entries by set and file; what is left over moved.
	usedA := make([]bool, len(aE))
	var restB []model.Entry
	for _, e := range bE {
		j := slices.IndexFunc(aE, func(x model.Entry) bool { return x.Set == e.Set && x.Pos.File == e.Pos.File })
		for j >= 0 && usedA[j] {
			k := slices.IndexFunc(aE[j+1:], func(x model.Entry) bool { return x.Set == e.Set && x.Pos.File == e.Pos.File })
			if k < 0 {
				j = -1
				break
			}
			j += 1 + k
		}
		if j < 0 {
			restB = append(restB, e)
			continue
		}
		usedA[j] = true
		flagDiff(e, aE[j], cfg, emit)
	}
	var restA []model.Entry
	for j, e := range aE {
		if !usedA[j] {
			restA = append(restA, e)
		}
	}
	for i := 0; i < len(restB) && i < len(restA); i++ {
		from, to := restB[i], restA[i]
		emit(model.KindMoved, to.Pos, "from "+setName(from)+" to "+setName(to))
		flagDiff(from, to, cfg, emit)
	}
	for i := len(restA); i < len(restB); i++ {
		emit(model.KindRemoved, restB[i].Pos, "set entry removed from "+setName(restB[i])+"; still in "+setName(aE[0]))
	}
	for i := len(restB); i < len(restA); i++ {
		emit(model.KindAdded, restA[i].Pos, "also added to "+setName(restA[i]))
	}
}

func entryWith(es []model.Entry, flag string) model.Entry {
	for _, e := range es {
		if e.HasFlag(flag) {
			return e
		}
	}
	return es[0]
}

// flagDiff records the non-lifecycle flag differences of one entry pair.
func flagDiff(b, a model.Entry, cfg *policy.Config, emit emitFunc) {
	var added, removed []string
	for _, f := range a.Flags {
		if !b.HasFlag(f) && !cfg.IsLifecycle(f) {
			added = append(added, f)
		}
	}
	for _, f := range b.Flags {
		if !a.HasFlag(f) && !cfg.IsLifecycle(f) {
			removed = append(removed, f)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	c := emit(model.KindFlags, a.Pos, "")
	for _, f := range added {
		if !slices.Contains(c.FlagsAdded, f) {
			c.FlagsAdded = append(c.FlagsAdded, f)
		}
	}
	for _, f := range removed {
		if !slices.Contains(c.FlagsRemoved, f) {
			c.FlagsRemoved = append(c.FlagsRemoved, f)
		}
	}
}
