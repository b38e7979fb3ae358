// SPDX-License-Identifier: GPL-2.0-only

// Package rules holds kfunccheck's policy rules. Each rule is a value in
// its own file: an ID (a contract: --ignore, configuration and JSON use
// it), a default severity, a title, documentation with a bad and a good
// example, and one check function that reads the typed model through a
// Pass and reports findings. All lists every rule; Validate checks it.
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Rule is one check of the stable-kfunc policy.
type Rule struct {
	// ID is the checkpatch-style type name, such as STABLE_REMOVAL.
	ID string
	// Severity is the default severity; the configuration may change it.
	Severity model.Severity
	// Title is one line, lower case, no final period.
	Title string
	// Doc explains what the rule checks and what the process asks for.
	Doc string
	// Bad and Good are examples: a change that is reported and the way to
	// make it pass.
	Bad, Good string
	// Requires lists the facts the rule cannot judge without: a run
	// that lacks one skips the rule and says so. Uses lists those it
	// reads when the run has them. FactSeries is every run's.
	Requires, Uses []Fact
	// Check reports the rule's findings for one patch.
	Check func(*Pass)
}

// declares reports whether the rule requires or uses fact f.
func (r *Rule) declares(f Fact) bool {
	return slices.Contains(r.Requires, f) || slices.Contains(r.Uses, f)
}

// Explain renders the rule's documentation for "kfunccheck explain".
func (r *Rule) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n\n%s\n", r.ID, r.Severity, r.Title, wrap(r.Doc, 76))
	for _, f := range r.Requires {
		if f != FactSeries {
			fmt.Fprintf(&b, "\nNeeds %s (%s); without it the rule is skipped.\n", f, f.How())
		}
	}
	fmt.Fprintf(&b, "\nReported:\n%s\n", indent(r.Bad))
	fmt.Fprintf(&b, "\nAccepted:\n%s\n", indent(r.Good))
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// wrap fills text to width columns, keeping paragraph breaks.
func wrap(text string, width int) string {
	var out []string
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		var line string
		var lines []string
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		if line != "" {
			lines = append(lines, line)
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}

var idRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*[A-Z0-9]$`)

// Validate checks a rule list the way go/analysis validates analyzers:
// well-formed unique IDs, a title, documentation with both examples, a
// check function and known facts.
func Validate(list []*Rule) error {
	seen := map[string]bool{}
	var errs []error
	for i, r := range list {
		if r == nil {
			errs = append(errs, fmt.Errorf("rule %d is nil", i))
			continue
		}
		switch {
		case !idRE.MatchString(r.ID):
			errs = append(errs, fmt.Errorf("rule %d: invalid ID %q", i, r.ID))
		case seen[r.ID]:
			errs = append(errs, fmt.Errorf("rule %s registered twice", r.ID))
		}
		seen[r.ID] = true
		if r.Title == "" || len(r.Title) > 72 || strings.HasSuffix(r.Title, ".") || strings.Contains(r.Title, "\n") ||
			unicode.IsUpper(rune(r.Title[0])) && !strings.HasPrefix(r.Title, "KF_") {
			errs = append(errs, fmt.Errorf("rule %s: title must be one short lower-case line without a period", r.ID))
		}
		if len(strings.Fields(r.Doc)) < 15 {
			errs = append(errs, fmt.Errorf("rule %s: documentation missing or too short", r.ID))
		}
		if strings.TrimSpace(r.Bad) == "" || strings.TrimSpace(r.Good) == "" {
			errs = append(errs, fmt.Errorf("rule %s: documentation needs a bad and a good example", r.ID))
		}
		if r.Check == nil {
			errs = append(errs, fmt.Errorf("rule %s: no check function", r.ID))
		}
		for _, f := range append(append([]Fact(nil), r.Requires...), r.Uses...) {
			if _, ok := facts[f]; !ok {
				errs = append(errs, fmt.Errorf("rule %s: unknown fact %d", r.ID, int(f)))
			}
		}
		for _, f := range r.Requires {
			if slices.Contains(r.Uses, f) {
				errs = append(errs, fmt.Errorf("rule %s: %s both required and used", r.ID, f))
			}
		}
		if r.Severity < model.SeverityError || r.Severity > model.SeverityCheck {
			errs = append(errs, fmt.Errorf("rule %s: invalid severity", r.ID))
		}
	}
	return errors.Join(errs...)
}

// ByID returns the registered rule with id, or nil.
func ByID(id string) *Rule {
	for _, r := range All {
		if r.ID == id {
			return r
		}
	}
	return nil
}
