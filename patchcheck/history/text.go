// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
)

// kindOrder lists change kinds in the order a step's summary names them.
var kindOrder = []model.ChangeKind{model.KindAdded, model.KindRemoved, model.KindPromoted, model.KindDemoted,
	model.KindDeprecated, model.KindUndeprecated, model.KindFlags, model.KindSignature, model.KindMoved, model.KindAvailability}

// CountsText renders a step's counts: "159 added, 22 removed"; "no
// changes" when there are none.
func CountsText(counts map[model.ChangeKind]int) string {
	var parts []string
	for _, k := range kindOrder {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

// WriteText writes the history release by release: each release with
// its kfunc count, then what changed since the one before and the rules'
// findings on it; then the compatibility of each program.
func (h *History) WriteText(w io.Writer, compat []*Compat) error {
	var b strings.Builder
	for i, r := range h.Releases {
		src := r.Source
		if r.Kind == "git" && len(src) > 12 {
			src = src[:12]
		}
		fmt.Fprintf(&b, "%s (%s %s): %d kfuncs", oneline.String(r.Name), r.Kind, oneline.String(src), len(r.Kfuncs))
		if i == 0 {
			b.WriteString("\n")
			continue
		}
		s := h.Steps[i-1]
		fmt.Fprintf(&b, "; since %s: %s\n", oneline.String(s.From), CountsText(s.Counts()))
		// Grouped by kind, in the order of the summary line, so that
		// a reader finds all additions together.
		for _, k := range kindOrder {
			for _, c := range s.Changes {
				if c.Kind == k {
					writeChange(&b, c)
				}
			}
		}
		for _, f := range s.Findings {
			fmt.Fprintf(&b, "  %s:%s: %s\n", f.Severity.Label(), f.Rule, oneline.String(f.Message))
		}
	}
	for _, c := range compat {
		writeCompat(&b, c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeChange(b *strings.Builder, c *model.Change) {
	name := c.Kfunc
	if name == "" {
		name = "(" + c.Pos.File + ")"
	}
	fmt.Fprintf(b, "  %-12s %s", c.Kind, oneline.String(name))
	switch c.Kind {
	case model.KindAdded:
		if p := c.After.Prototype(); p != nil {
			fmt.Fprintf(b, ": %s", oneline.String(p.String()))
		}
		if fl := entryFlags(c.After); fl != "" {
			fmt.Fprintf(b, "  /* %s */", fl)
		}
	case model.KindRemoved:
		if p := c.Before.Prototype(); p != nil {
			fmt.Fprintf(b, ": was %s", oneline.String(p.String()))
		}
	case model.KindFlags, model.KindPromoted, model.KindDemoted, model.KindDeprecated, model.KindUndeprecated:
		if len(c.FlagsAdded) > 0 {
			fmt.Fprintf(b, " +%s", strings.Join(c.FlagsAdded, " +"))
		}
		if len(c.FlagsRemoved) > 0 {
			fmt.Fprintf(b, " -%s", strings.Join(c.FlagsRemoved, " -"))
		}
	case model.KindSignature:
		if bp, ap := c.Before.Prototype(), c.After.Prototype(); bp != nil && ap != nil {
			fmt.Fprintf(b, "\n               - %s\n               + %s", oneline.String(bp.String()), oneline.String(ap.String()))
		}
		for _, d := range c.SigDiffs {
			mark := "compatible"
			if d.Breaking {
				mark = "breaking"
			}
			fmt.Fprintf(b, "\n               %s: %s", mark, oneline.String(d.What))
		}
	case model.KindAvailability:
		for _, a := range c.Access {
			fmt.Fprintf(b, "\n               %s", oneline.String(a.String()))
		}
	}
	// Added and removed kfuncs show their prototype; an availability
	// change's detail repeats its access lines.
	if c.Detail != "" && c.Kind != model.KindAdded && c.Kind != model.KindRemoved && len(c.Access) == 0 {
		fmt.Fprintf(b, " (%s)", oneline.String(c.Detail))
	}
	b.WriteString("\n")
}

// entryFlags renders a state's flags over its entries.
func entryFlags(s *model.KfuncState) string {
	fl, _ := flagsOf(s.AllEntries())
	return strings.Join(fl, " | ")
}

func writeCompat(b *strings.Builder, c *Compat) {
	pts := strings.Join(c.ProgTypes, ", ")
	if pts == "" {
		pts = "unknown program types"
	}
	fmt.Fprintf(b, "\n%s (%s), %d kfuncs:\n", oneline.String(c.Program), pts, len(c.Uses))
	for _, r := range c.Releases {
		verdict := "loads"
		if !r.Loads {
			verdict = "does not load"
		}
		fmt.Fprintf(b, "  %-24s %s", oneline.String(r.Release), verdict)
		if len(r.Missing) > 0 {
			fmt.Fprintf(b, "; missing %s", oneline.String(strings.Join(r.Missing, ", ")))
		}
		for _, n := range sortedKeys(r.Incompatible) {
			fmt.Fprintf(b, "; incompatible %s (%s)", oneline.String(n), oneline.String(strings.Join(r.Incompatible[n], "; ")))
		}
		for _, n := range sortedKeys(r.NotCallable) {
			fmt.Fprintf(b, "; %s not callable: %s", oneline.String(n), oneline.String(strings.Join(r.NotCallable[n], "; ")))
		}
		if len(r.WeakMissing) > 0 {
			fmt.Fprintf(b, "; weak missing %s", oneline.String(strings.Join(r.WeakMissing, ", ")))
		}
		if r.Unknown != "" {
			fmt.Fprintf(b, " (unknown: %s)", oneline.String(r.Unknown))
		}
		b.WriteString("\n")
	}
}

func sortedKeys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
