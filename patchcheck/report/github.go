// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
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
		file, line := f.Pos.File, f.Pos.Line
		if file == "" {
			file, line = u.Result.Patch.Source, f.Pos.PatchLine
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n", command(f.Severity), propEscaper.Replace(file), line,
			propEscaper.Replace(f.Rule), dataEscaper.Replace(f.Message))
	}
	for _, e := range u.Result.Errors {
		fmt.Fprintf(&b, "::error title=input::%s\n", dataEscaper.Replace(e.Error()))
	}
	return writeString(g.w, b.String())
}

// InputError annotates an unreadable input.
func (g *GitHub) InputError(input string, err error) error {
	return writeString(g.w, fmt.Sprintf("::error file=%s,title=input::%s\n", propEscaper.Replace(input), dataEscaper.Replace(err.Error())))
}

// End writes nothing: annotations need no closing.
func (g *GitHub) End(Summary) error { return nil }
