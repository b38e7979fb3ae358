// SPDX-License-Identifier: GPL-2.0-only

// Package report writes check results: checkpatch-compatible text, JSON,
// SARIF 2.1.0 and GitHub workflow annotations. Each formatter streams:
// it is fed one patch at a time and holds no more than it must.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Unit is one reported patch: its result and the name reports give it.
type Unit struct {
	Result *patchcheck.Result
	// Name introduces the patch ("0001-foo.patch", "Your patch").
	Name string
	// Multi is true when the run reports several patches, so each is
	// introduced by a header as checkpatch does with several files.
	Multi bool
}

// Counts tallies findings by severity.
type Counts struct {
	Errors, Warnings, Checks int
}

// Add counts f.
func (c *Counts) Add(f model.Finding) {
	switch f.Severity {
	case model.SeverityError:
		c.Errors++
	case model.SeverityWarning:
		c.Warnings++
	default:
		c.Checks++
	}
}

// Summary is the tally of a whole run.
type Summary struct {
	Patches     int
	Counts      Counts
	InputErrors []string
	// Skipped names the rules that had something to judge but lacked a
	// fact they need, once each, in the order first met.
	Skipped []rules.Skip
}

// Formatter writes one output format.
type Formatter interface {
	// Patch reports one patch.
	Patch(u Unit) error
	// InputError reports an input that could not be read (fully).
	InputError(input string, err error) error
	// End finishes the output.
	End(s Summary) error
}

// StateText renders one side of a change for JSON and mail replies.
func StateText(c *model.Change, s *model.KfuncState) string {
	if s == nil {
		return ""
	}
	if c.Kind == model.KindSignature {
		if s.Proto != nil {
			return s.Proto.String()
		}
		return ""
	}
	var parts []string
	for _, e := range s.Entries {
		parts = append(parts, e.Text)
	}
	if len(parts) == 0 && s.Proto != nil {
		return s.Proto.String()
	}
	return strings.Join(parts, "; ")
}

func writeString(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}

// Formats lists the names New accepts.
var Formats = []string{"text", "json", "sarif", "github", "b4"}

// New returns the formatter called name: text (checkpatch), json, sarif,
// github or b4. version names kfunccheck in SARIF.
func New(name string, w io.Writer, text TextOptions, version string) (Formatter, error) {
	switch name {
	case "text":
		return NewText(w, text), nil
	case "json":
		return NewJSON(w), nil
	case "sarif":
		return NewSARIF(w, version), nil
	case "github":
		return NewGitHub(w), nil
	case "b4":
		return NewB4(w, "https://github.com/kfunccheck/kfunccheck/blob/main/docs/rules.md"), nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", name, strings.Join(Formats, ", "))
}
