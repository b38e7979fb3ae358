// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
)

// GitHub writes GitHub Actions workflow commands, one annotation per
// finding.
type GitHub struct{ w io.Writer }

// NewGitHub returns a formatter of workflow-command annotations.
func NewGitHub(w io.Writer) *GitHub { return &GitHub{w: w} }

var (
	dataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// data and prop render a value from outside for a workflow command: on
// one line with its control characters escaped (the log viewer obeys
// ANSI escapes, and a line starting "::" is a command), then encoded as
// the runner decodes it.
func data(s string) string { return dataEscaper.Replace(oneline.String(s)) }
func prop(s string) string { return propEscaper.Replace(oneline.String(s)) }

func command(s model.Severity) string {
	switch s {
	case model.SeverityError:
		return "error"
	case model.SeverityWarning:
		return "warning"
	}
	return "notice"
}

// Patch writes the patch's annotations.
func (g *GitHub) Patch(u Unit) error {
	var b strings.Builder
	for _, f := range u.Result.Findings {
		// A file of the checkout, relative to it: for a finding about a
		// commit message, the kfunc's entry or definition it is about.
		file, line, ok := TreePlace(u.Result, f)
		if !ok {
			file, line = relative(u.Result.Patch.Source), max(f.Pos.PatchLine, 1)
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n", command(f.Severity), prop(file), line,
			prop(f.Rule), data(f.Message))
	}
	for _, e := range u.Result.Errors {
		fmt.Fprintf(&b, "::error title=input::%s\n", data(e.Error()))
	}
	return writeString(g.w, b.String())
}

// InputError annotates an unreadable input.
func (g *GitHub) InputError(input string, err error) error {
	return writeString(g.w, fmt.Sprintf("::error file=%s,title=input::%s\n", prop(relative(input)), data(err.Error())))
}

// End writes nothing: annotations need no closing.
func (g *GitHub) End(Summary) error { return nil }
