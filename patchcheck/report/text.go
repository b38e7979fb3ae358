// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
	"github.com/kfunccheck/kfunccheck/rules"
)

// TextOptions are checkpatch's output switches.
type TextOptions struct {
	ShowTypes bool // --show-types: "ERROR:TYPE: msg"
	Terse     bool // --terse: one line per finding
	Emacs     bool // --emacs: "file:line: " prefix
	ShowFile  bool // --showfile: tree position instead of patch position
	NoSummary bool // --no-summary
	Quiet     bool // -q: nothing for clean patches, no notes
	Mailback  bool // --mailback: nothing at all for clean patches
	Color     bool
	Verbose   bool // -v: explain each rule on first use, list kfunc changes
	Changes   bool // --changes: list what each patch changed in kfunc terms
	Strict    bool // --strict: checks are counted and shown
	// SummaryFile (--summary-file) starts each totals line with the
	// input's name.
	SummaryFile bool
	// UsedTypes and IgnoredTypes are --types and --ignore as given; the
	// run closes with checkpatch's "NOTE: Used/Ignored message types"
	// lines naming them.
	UsedTypes, IgnoredTypes []string
	// Errors receives input errors (checkpatch writes its own to
	// stderr); the output itself when nil.
	Errors io.Writer
}

// Text writes checkpatch's format.
type Text struct {
	w         io.Writer
	opt       TextOptions
	explained map[string]bool
}

// NewText returns a checkpatch-style formatter writing to w.
func NewText(w io.Writer, opt TextOptions) *Text {
	if opt.Terse {
		// As checkpatch: --terse is one line per finding with its place,
		// and nothing else but the totals.
		opt.Emacs = true
		opt.Quiet = true
	}
	if opt.Errors == nil {
		opt.Errors = w
	}
	return &Text{w: w, opt: opt, explained: map[string]bool{}}
}

const (
	red    = "\033[31m"
	yellow = "\033[33m"
	green  = "\033[32m"
	blue   = "\033[34m"
	bold   = "\033[1m"
	reset  = "\033[0m"
)

func (t *Text) color(sev model.Severity) string {
	switch sev {
	case model.SeverityError:
		return red
	case model.SeverityWarning:
		return yellow
	}
	return green
}

// Patch writes the findings of one patch, its summary and its verdict.
func (t *Text) Patch(u Unit) error {
	r := u.Result
	var b strings.Builder
	var n Counts
	for _, f := range r.Findings {
		n.Add(f)
	}
	// A patch that could not be read whole is never "ready for
	// submission", whatever its findings.
	clean := n.Errors+n.Warnings+n.Checks == 0 && len(r.Errors) == 0
	if clean && t.opt.Mailback {
		return nil
	}
	name := oneline.String(u.Name)
	if u.Multi && !t.opt.Quiet {
		line := strings.Repeat("-", len(name))
		fmt.Fprintf(&b, "%s\n%s\n%s\n", line, name, line)
	}
	var errs strings.Builder
	for _, e := range r.Errors {
		msg := oneline.String(e.Error())
		if src := oneline.String(r.Patch.Source); src == "" || !strings.HasPrefix(msg, src+":") {
			// An error that does not place itself in its file is named
			// by the patch it belongs to.
			msg = name + ": " + msg
		}
		fmt.Fprintf(&errs, "kfunccheck: %s\n", msg)
	}
	if errs.Len() > 0 {
		if err := writeString(t.opt.Errors, errs.String()); err != nil {
			return err
		}
	}
	for _, f := range r.Findings {
		b.WriteString(t.finding(u, f))
	}
	if (t.opt.Changes || t.opt.Verbose) && !t.opt.Terse && len(r.Changes) > 0 && !(clean && (t.opt.Quiet || t.opt.Mailback)) {
		b.WriteString("kfunc changes:\n")
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "  %s\n", oneline.String(c.Summary()))
		}
		b.WriteByte('\n')
	}
	if !t.opt.NoSummary && !(clean && t.opt.Quiet) {
		if t.opt.SummaryFile {
			// checkpatch prints the file name it was given; a commit
			// of -g is named by its id.
			src := u.Result.Patch.Source
			if p := u.Result.Patch; p.FromRepo != "" && p.Commit != "" {
				src = p.Commit
			}
			b.WriteString(oneline.String(src) + " ")
		}
		fmt.Fprintf(&b, "total: %d errors, %d warnings, ", n.Errors, n.Warnings)
		if t.opt.Strict {
			fmt.Fprintf(&b, "%d checks, ", n.Checks)
		}
		fmt.Fprintf(&b, "%d lines checked\n", r.Lines())
	}
	if !t.opt.Quiet {
		switch {
		case clean:
			fmt.Fprintf(&b, "\n%s has no obvious style problems and is ready for submission.\n", name)
		case n.Errors+n.Warnings+n.Checks == 0:
			fmt.Fprintf(&b, "\n%s could not be read whole (see the errors on stderr).\n", name)
		default:
			fmt.Fprintf(&b, "\n%s has style problems, please review.\n", name)
		}
	}
	return writeString(t.w, b.String())
}

// finding renders one finding as checkpatch's report() does.
func (t *Text) finding(u Unit, f model.Finding) string {
	var b strings.Builder
	src := oneline.String(u.Result.Patch.Source)
	// A file name is quoted as git quotes it in its own output.
	file := gitrepo.QuotePath("", f.Pos.File)
	if t.opt.Color {
		b.WriteString(bold)
	}
	switch {
	case t.opt.ShowFile && f.Pos.File != "":
		fmt.Fprintf(&b, "%s:%d: ", file, f.Pos.Line)
	case t.opt.Emacs:
		fmt.Fprintf(&b, "%s:%d: ", src, f.Pos.PatchLine)
	}
	if t.opt.Color {
		b.WriteString(t.color(f.Severity))
	}
	b.WriteString(f.Severity.Label() + ":")
	if t.opt.ShowTypes {
		if t.opt.Color {
			b.WriteString(blue)
		}
		b.WriteString(f.Rule + ":")
	}
	if t.opt.Color {
		b.WriteString(reset)
	}
	b.WriteString(" " + oneline.String(f.Message) + "\n")
	if t.opt.Terse {
		return b.String()
	}
	if !t.opt.ShowFile || f.Pos.File == "" {
		switch {
		case f.Pos.File != "" && f.Pos.PatchLine == 0 && f.Pos.Line == 0:
			// Not from a patch (btf diff): the file alone.
			fmt.Fprintf(&b, "FILE: %s:\n", file)
		case f.Pos.File != "":
			fmt.Fprintf(&b, "#%d: FILE: %s:%d:\n", f.Pos.PatchLine, file, f.Pos.Line)
		default:
			fmt.Fprintf(&b, "#%d: \n", f.Pos.PatchLine)
		}
	}
	for _, q := range f.Quote {
		b.WriteString(oneline.String(q) + "\n")
	}
	b.WriteByte('\n')
	if t.opt.Verbose && !t.explained[f.Rule] {
		t.explained[f.Rule] = true
		if r := rules.ByID(f.Rule); r != nil {
			b.WriteString(r.Explain() + "\n")
		}
	}
	return b.String()
}

// InputError reports an unreadable input.
func (t *Text) InputError(input string, err error) error {
	return writeString(t.opt.Errors, fmt.Sprintf("kfunccheck: %s\n", oneline.String(err.Error())))
}

// End writes checkpatch's closing notes: the message types --types and
// --ignore named, then, when something was reported, where to turn about
// a false positive.
func (t *Text) End(s Summary) error {
	if t.opt.Quiet || t.opt.Mailback && s.Counts.Errors+s.Counts.Warnings+s.Counts.Checks == 0 {
		return nil
	}
	var b strings.Builder
	for _, n := range []struct {
		what  string
		types []string
	}{{"Used", t.opt.UsedTypes}, {"Ignored", t.opt.IgnoredTypes}} {
		if len(n.types) == 0 {
			continue
		}
		words := slices.Compact(slices.Sorted(slices.Values(n.types)))
		fmt.Fprintf(&b, "\nNOTE: %s message types: %s\n", n.what, oneline.String(strings.Join(words, " ")))
	}
	if s.Counts.Errors+s.Counts.Warnings+s.Counts.Checks > 0 {
		b.WriteString("\nNOTE: If any of the errors are false positives, run \"kfunccheck explain RULE_ID\",\n" +
			"      waive the finding with a Kfunc-Stability-Waiver trailer, or report it.\n")
	}
	return writeString(t.w, b.String())
}
