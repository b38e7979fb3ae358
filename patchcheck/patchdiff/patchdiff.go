// SPDX-License-Identifier: GPL-2.0-only

// Package patchdiff turns the diff part of a patch body into verified file
// diffs.
//
// go-diff parses hunks without looking at their "@@" counts, so a "-- "
// mail signature or a commit-message line such as "--- foo" can end up
// inside a hunk. This package therefore walks the diff itself first, using
// the counts to find where each file and hunk ends and where the signature
// starts, then hands each file's text to go-diff and checks that both
// readings agree.
package patchdiff

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/sourcegraph/go-diff/diff"
)

// ErrBadHunk is wrapped by errors about hunks whose body does not match
// their "@@" counts.
var ErrBadHunk = errors.New("hunk does not match its @@ counts")

// Error is a problem found at a line of the input.
type Error struct {
	Line int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// maxLostContext bounds how many trailing context lines may be missing at
// the end of input: a mailer strips lone spaces, not whole hunks.
const maxLostContext = 3

var hunkHeaderRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$`)

// IsFileStart reports whether lines[i] starts a file diff: a "diff --git"
// line, a "diff -urN"-style line, an "Index:" line, or a "---"/"+++" pair
// followed by a hunk header.
func IsFileStart(lines []model.Line, i int) bool {
	t := lines[i].Text
	switch {
	case strings.HasPrefix(t, "diff --git "), strings.HasPrefix(t, "diff --cc "):
		return true
	case strings.HasPrefix(t, "diff -"):
		return i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, "--- ")
	case strings.HasPrefix(t, "Index: "):
		return i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, "====")
	case strings.HasPrefix(t, "--- "):
		return i+2 < len(lines) && strings.HasPrefix(lines[i+1].Text, "+++ ") &&
			strings.HasPrefix(lines[i+2].Text, "@@ -")
	}
	return false
}

// FindStart returns the index of the line where the diff of a patch body
// starts, or -1. A commit message may quote diffs, so a "diff --git" line
// after the "---" separator wins, then one anywhere, and only then the
// other kinds of file header.
func FindStart(lines []model.Line) int {
	sep := 0
	for i, l := range lines {
		if strings.TrimRight(l.Text, " \t") == "---" {
			sep = i
			break
		}
	}
	isGit := func(i int) bool { return strings.HasPrefix(lines[i].Text, "diff --git ") }
	for _, try := range []struct {
		from int
		ok   func(int) bool
	}{{sep, isGit}, {0, isGit}, {sep, func(i int) bool { return IsFileStart(lines, i) }}, {0, func(i int) bool { return IsFileStart(lines, i) }}} {
		for i := try.from; i < len(lines); i++ {
			if try.ok(i) {
				return i
			}
		}
	}
	return -1
}

// Parse reads file diffs from lines, which start at a file diff. It returns
// the files it could read, the index of the first line after the diff (the
// "-- " signature, or len(lines)), and the problems it met, each with its
// line number.
func Parse(lines []model.Line) (files []*model.FileDiff, end int, errs []error) {
	return ParseInput(lines, false)
}

// ErrCutOff is wrapped by the error for input that ends in the middle of
// a hunk line.
var ErrCutOff = errors.New("input ends inside a hunk, in a line without its newline: the patch was cut off")

// ParseInput is Parse for lines that are the whole rest of an input;
// unterminated says the input's last line had no newline. A hunk line
// without its newline at the very end (and no "\ No newline at end of
// file" after it) means the input was cut off, and is an error.
func ParseInput(lines []model.Line, unterminated bool) (files []*model.FileDiff, end int, errs []error) {
	files, end, errs = parse(lines)
	if unterminated && end == len(lines) && len(lines) > 0 && len(files) > 0 {
		last := lines[len(lines)-1]
		if fd := files[len(files)-1]; len(fd.Hunks) > 0 {
			h := fd.Hunks[len(fd.Hunks)-1]
			// The repair of lost trailing context lines may have added
			// lines after it.
			for j := len(h.Lines) - 1; j >= 0 && j >= len(h.Lines)-1-maxLostContext; j-- {
				if h.Lines[j].PatchLine == last.N {
					errs = append(errs, &Error{Line: last.N, Err: ErrCutOff})
					break
				}
			}
		}
	}
	return files, end, errs
}

func parse(lines []model.Line) (files []*model.FileDiff, end int, errs []error) {
	i := 0
	for i < len(lines) {
		if lines[i].Text == "-- " {
			return files, i, errs
		}
		if !IsFileStart(lines, i) {
			i++ // text between files: "Only in ...", diffstat leftovers
			continue
		}
		fd, next, ferrs := parseFile(lines, i)
		errs = append(errs, ferrs...)
		if fd != nil {
			files = append(files, fd)
		}
		if next <= i {
			next = i + 1
		}
		i = next
	}
	return files, len(lines), errs
}

// parseFile reads one file diff starting at lines[start].
func parseFile(lines []model.Line, start int) (*model.FileDiff, int, []error) {
	var errs []error
	i := start + 1
	binary := false
	headerEnd := -1 // index of the first line that is not part of the header
	// Header: every line up to the first hunk, the next file, or the end.
	for ; i < len(lines); i++ {
		t := lines[i].Text
		if strings.HasPrefix(t, "@@ -") || t == "-- " || IsFileStart(lines, i) && !strings.HasPrefix(t, "--- ") {
			break
		}
		if strings.HasPrefix(t, "--- ") && i > start && !strings.HasPrefix(lines[start].Text, "--- ") &&
			!(i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, "+++ ")) {
			break
		}
		if t == "GIT binary patch" {
			binary = true
			headerEnd = i
			i = skipBinary(lines, i+1)
			break
		}
		if strings.HasPrefix(t, "Binary files ") && strings.HasSuffix(t, " differ") {
			binary = true
		}
		if !isHeaderLine(t) && i > start+1 {
			break
		}
	}
	if headerEnd < 0 {
		headerEnd = i
	}
	var hunks []*model.Hunk
	for !binary && i < len(lines) && strings.HasPrefix(lines[i].Text, "@@ -") {
		h, next, err := readHunk(lines, i)
		if err != nil {
			errs = append(errs, err)
		}
		if h != nil {
			hunks = append(hunks, h)
		}
		if next <= i {
			next = i + 1
		}
		i = next
		if err != nil {
			break
		}
	}
	fd, err := parseWithGoDiff(lines[start:headerEnd], hunks, lines[start].N)
	if err != nil {
		errs = append(errs, err)
	}
	if fd == nil {
		return nil, i, errs
	}
	fd.Binary = fd.Binary || binary
	fd.Hunks = hunks
	return fd, i, errs
}

func isHeaderLine(t string) bool {
	for _, p := range []string{
		"--- ", "+++ ", "index ", "old mode ", "new mode ", "deleted file mode ", "new file mode ",
		"similarity index ", "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ",
		"Binary files ", "====", "diff ", "Index: ", "rename old ", "rename new ",
	} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// skipBinary skips the base85 data of a "GIT binary patch": a forward and
// an optional reverse block, each "literal N" or "delta N", then lines of
// data, then an empty line.
func skipBinary(lines []model.Line, i int) int {
	for i < len(lines) {
		t := lines[i].Text
		if !strings.HasPrefix(t, "literal ") && !strings.HasPrefix(t, "delta ") {
			return i
		}
		i++
		for i < len(lines) && lines[i].Text != "" && !IsFileStart(lines, i) && lines[i].Text != "-- " {
			i++
		}
		if i < len(lines) && lines[i].Text == "" {
			i++
		}
	}
	return i
}

// readHunk reads the hunk whose header is lines[start], trusting its counts.
func readHunk(lines []model.Line, start int) (*model.Hunk, int, error) {
	m := hunkHeaderRE.FindStringSubmatch(lines[start].Text)
	if m == nil {
		return nil, start + 1, &Error{Line: lines[start].N, Err: fmt.Errorf("%w: malformed hunk header %q", ErrBadHunk, clip(lines[start].Text))}
	}
	h := &model.Hunk{PatchLine: lines[start].N, Section: m[5]}
	var err error
	h.OldStart, h.OldCount, err = rangeOf(m[1], m[2])
	if err == nil {
		h.NewStart, h.NewCount, err = rangeOf(m[3], m[4])
	}
	if err != nil {
		return nil, start + 1, &Error{Line: lines[start].N, Err: fmt.Errorf("%w: %v", ErrBadHunk, err)}
	}
	h.Lines = make([]model.HunkLine, 0, min(h.OldCount+h.NewCount, 4096))
	oldN, newN := h.OldStart, h.NewStart
	if h.OldCount == 0 {
		oldN++ // "-5,0" means: insert after line 5
	}
	if h.NewCount == 0 {
		newN++
	}
	old, nw := 0, 0
	i := start + 1
	for ; i < len(lines) && (old < h.OldCount || nw < h.NewCount); i++ {
		t := lines[i].Text
		op := byte(' ')
		if t != "" {
			op = t[0]
		}
		if op == '\t' {
			// A context line whose leading space a mailer ate; the
			// tab cannot be an operation, so the reading is safe.
			op, t = ' ', " "+t
		}
		switch op {
		case ' ':
			if old >= h.OldCount || nw >= h.NewCount {
				return h, i, badCount(lines, start, i, h, old, nw)
			}
			h.Lines = append(h.Lines, model.HunkLine{Op: ' ', Text: body(t), OldLine: oldN, NewLine: newN, PatchLine: lines[i].N})
			old++
			nw++
			oldN++
			newN++
		case '-':
			if old >= h.OldCount {
				return h, i, badCount(lines, start, i, h, old, nw)
			}
			h.Lines = append(h.Lines, model.HunkLine{Op: '-', Text: t[1:], OldLine: oldN, PatchLine: lines[i].N})
			old++
			oldN++
		case '+':
			if nw >= h.NewCount {
				return h, i, badCount(lines, start, i, h, old, nw)
			}
			h.Lines = append(h.Lines, model.HunkLine{Op: '+', Text: t[1:], NewLine: newN, PatchLine: lines[i].N})
			nw++
			newN++
		case '\\':
			markNoNewline(h)
		default:
			return h, i, badCount(lines, start, i, h, old, nw)
		}
	}
	if old < h.OldCount || nw < h.NewCount {
		// Like GNU patch, take context lines missing at the very end as
		// empty lines whose lone space was stripped in transit.
		atEnd := i >= len(lines) || lines[i].Text == "-- "
		if !atEnd || h.OldCount-old != h.NewCount-nw || h.OldCount-old > maxLostContext {
			return h, i, badCount(lines, start, i, h, old, nw)
		}
		for old < h.OldCount {
			h.Lines = append(h.Lines, model.HunkLine{Op: ' ', OldLine: oldN, NewLine: newN})
			old, nw, oldN, newN = old+1, nw+1, oldN+1, newN+1
		}
	}
	if i < len(lines) && strings.HasPrefix(lines[i].Text, `\`) {
		markNoNewline(h)
		i++
	}
	return h, i, nil
}

func markNoNewline(h *model.Hunk) {
	if n := len(h.Lines); n > 0 {
		noNewline(h, h.Lines[n-1].Op, n)
	}
}

func body(t string) string {
	if t == "" {
		return ""
	}
	return t[1:]
}

func badCount(lines []model.Line, start, at int, h *model.Hunk, old, nw int) error {
	where := "end of input"
	if at < len(lines) {
		where = fmt.Sprintf("line %d (%q)", lines[at].N, clip(lines[at].Text))
	}
	return &Error{Line: lines[start].N, Err: fmt.Errorf("%w: header says -%d +%d lines, body has -%d +%d before %s",
		ErrBadHunk, h.OldCount, h.NewCount, old, nw, where)}
}

func rangeOf(a, b string) (int, int, error) {
	start, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, fmt.Errorf("bad line number %q", a)
	}
	count := 1
	if b != "" {
		if count, err = strconv.Atoi(b); err != nil {
			return 0, 0, fmt.Errorf("bad line count %q", b)
		}
	}
	if start < 0 || count < 0 || count > 1<<30 || start > 1<<30 {
		return 0, 0, fmt.Errorf("line range %s,%s out of bounds", a, b)
	}
	return start, count, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// parseWithGoDiff hands one file diff to go-diff: the header as written
// and the hunks as we delimited them. go-diff reads the names, quoting and
// extended git headers, and its reading of the hunks must agree with the
// counts, so a disagreement between the two parsers is an error instead
// of a silent difference.
func parseWithGoDiff(header []model.Line, hunks []*model.Hunk, at int) (*model.FileDiff, error) {
	var buf bytes.Buffer
	for _, l := range header {
		buf.WriteString(l.Text)
		buf.WriteByte('\n')
	}
	for _, h := range hunks {
		fmt.Fprintf(&buf, "@@ -%d,%d +%d,%d @@\n", h.OldStart, h.OldCount, h.NewStart, h.NewCount)
		for _, l := range h.Lines {
			buf.WriteByte(l.Op)
			buf.WriteString(l.Text)
			buf.WriteByte('\n')
		}
	}
	fd := &model.FileDiff{PatchLine: at, Status: model.Modified}
	gd, err := diff.ParseFileDiff(buf.Bytes())
	if err != nil {
		// Still try the "diff --git a/x b/x" line so the file is not lost.
		if len(header) > 0 && strings.HasPrefix(header[0].Text, "diff --git ") {
			if a, b, ok := splitGitNames(strings.TrimPrefix(header[0].Text, "diff --git ")); ok {
				fd.OldPath, fd.NewPath = strip(a), strip(b)
				readExtended(fd, linesText(header))
				return fd, &Error{Line: at, Err: fmt.Errorf("go-diff: %w", err)}
			}
		}
		return nil, &Error{Line: at, Err: fmt.Errorf("go-diff: %w", err)}
	}
	if len(gd.Hunks) != len(hunks) {
		return nil, &Error{Line: at, Err: fmt.Errorf("%w: go-diff reads %d hunks, the counts give %d", ErrBadHunk, len(gd.Hunks), len(hunks))}
	}
	for k, h := range gd.Hunks {
		m := hunks[k]
		if int(h.OrigLines) != m.OldCount || int(h.NewLines) != m.NewCount || bytes.Count(h.Body, []byte("\n")) != len(m.Lines) {
			return nil, &Error{Line: m.PatchLine, Err: fmt.Errorf("%w: go-diff reads a different hunk body", ErrBadHunk)}
		}
	}
	git := len(header) > 0 && strings.HasPrefix(header[0].Text, "diff --git ")
	namePaths(fd, gd.OrigName, gd.NewName, gd.Extended, git)
	if fd.Path() == "" {
		return nil, &Error{Line: at, Err: errors.New("file diff names no file")}
	}
	return fd, nil
}

func linesText(ls []model.Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Text
	}
	return out
}

func readExtended(fd *model.FileDiff, ext []string) {
	for _, e := range ext {
		switch {
		case strings.HasPrefix(e, "new file mode "):
			fd.Status, fd.NewMode = model.Added, strings.TrimPrefix(e, "new file mode ")
		case strings.HasPrefix(e, "deleted file mode "):
			fd.Status, fd.OldMode = model.Deleted, strings.TrimPrefix(e, "deleted file mode ")
		case strings.HasPrefix(e, "old mode "):
			fd.OldMode = strings.TrimPrefix(e, "old mode ")
		case strings.HasPrefix(e, "new mode "):
			fd.NewMode = strings.TrimPrefix(e, "new mode ")
		case strings.HasPrefix(e, "rename from "), strings.HasPrefix(e, "rename old "):
			fd.Status = model.Renamed
		case strings.HasPrefix(e, "copy from "):
			fd.Status = model.Copied
		case strings.HasPrefix(e, "index "):
			f := strings.Fields(strings.TrimPrefix(e, "index "))
			if len(f) > 0 {
				if a, b, ok := strings.Cut(f[0], ".."); ok {
					fd.OldBlob, fd.NewBlob = a, b
				}
				if len(f) > 1 && fd.OldMode == "" {
					fd.OldMode, fd.NewMode = f[1], f[1]
				}
			}
		case strings.HasPrefix(e, "GIT binary patch"), strings.HasPrefix(e, "Binary files "):
			fd.Binary = true
		}
	}
}

func name(n string, git bool) string {
	if n == "/dev/null" || n == "" {
		return ""
	}
	if git {
		return strip(n)
	}
	return n
}

func strip(n string) string {
	if len(n) > 2 && (n[0] == 'a' || n[0] == 'b' || n[0] == 'c' || n[0] == 'i' || n[0] == 'w' || n[0] == 'o') && n[1] == '/' {
		return n[2:]
	}
	return n
}

// stripP1 removes the first path component from both names of a non-git
// diff, as "patch -p1" does, when both have one.
func stripP1(a, b string) (string, string) {
	_, ra, oka := strings.Cut(a, "/")
	_, rb, okb := strings.Cut(b, "/")
	if oka && okb && ra != "" && rb != "" {
		return ra, rb
	}
	return a, b
}

func splitGitNames(s string) (string, string, bool) {
	// "a/x b/x": both halves equal after the prefix in the common case.
	if n := len(s); n%2 == 1 {
		a, b := s[:n/2], s[n/2+1:]
		if strip(a) == strip(b) {
			return a, b, true
		}
	}
	if i := strings.Index(s, " b/"); i > 0 {
		return s[:i], s[i+1:], true
	}
	return "", "", false
}

// namePaths sets a file diff's paths and status from its ---/+++ names
// and extended headers: /dev/null is an added or deleted file, and a diff
// without git headers has its first path component stripped (patch -p1).
func namePaths(fd *model.FileDiff, oldName, newName string, extended []string, git bool) {
	fd.OldPath, fd.NewPath = name(oldName, git), name(newName, git)
	readExtended(fd, extended)
	if !git && fd.OldPath != "" && fd.NewPath != "" {
		fd.OldPath, fd.NewPath = stripP1(fd.OldPath, fd.NewPath)
	}
	switch {
	case fd.OldPath == "" && fd.NewPath != "":
		fd.Status = model.Added
	case fd.NewPath == "" && fd.OldPath != "":
		fd.Status = model.Deleted
	}
}
