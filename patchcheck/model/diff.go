// SPDX-License-Identifier: GPL-2.0-only

package model

// FileStatus says what a file diff does to its file.
type FileStatus string

// File statuses, as git names them.
const (
	Modified FileStatus = "modified"
	Added    FileStatus = "added"
	Deleted  FileStatus = "deleted"
	Renamed  FileStatus = "renamed"
	Copied   FileStatus = "copied"
)

// FileDiff is the change to one file, with a/ and b/ prefixes removed.
type FileDiff struct {
	OldPath, NewPath string // "" for the missing side of an added or deleted file
	OldMode, NewMode string
	OldBlob, NewBlob string // abbreviated blob ids from the "index" line
	Status           FileStatus
	Binary           bool
	Hunks            []*Hunk
	PatchLine        int // line of the patch where this file's header starts
}

// Path is the file's name after the patch, or before it for deletions.
func (f *FileDiff) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// HunkLine is one line of a hunk body.
type HunkLine struct {
	Op        byte // ' ', '-' or '+'
	Text      string
	OldLine   int // line number in the pre-image (0 for '+')
	NewLine   int // line number in the post-image (0 for '-')
	PatchLine int // line number in the patch input
}

// Hunk is one "@@ -a,b +c,d @@ section" block with its verified body.
type Hunk struct {
	OldStart, OldCount int
	NewStart, NewCount int
	Section            string
	PatchLine          int
	Lines              []HunkLine
	OldNoNewline       bool
	NewNoNewline       bool
}

// CheckedLines counts the hunk's lines as checkpatch.pl's process() counts
// its "lines checked": the count starts at the new side's length plus one
// and a line is counted while it is not zero, so every line up to the new
// side's last one counts, and removed lines after it (a whole file
// deleted, the end of a file cut) do not. A "\ No newline" after a
// removed line counts when new-side lines follow it. Lines GNU patch's
// repair added (PatchLine 0) were not in the input and do not count.
func (h *Hunk) CheckedLines() int {
	n, nw := 0, 0
	for i, l := range h.Lines {
		if l.Op != '-' {
			nw++
		}
		if l.PatchLine != 0 && (l.Op != '-' || nw < h.NewCount) {
			n++
		}
		if l.Op == '-' && h.OldNoNewline && nw < h.NewCount && (i+1 == len(h.Lines) || h.Lines[i+1].Op == '+') && lastOld(h.Lines[i+1:]) {
			n++
		}
	}
	return n
}

// lastOld reports whether rest holds no line of the old side.
func lastOld(rest []HunkLine) bool {
	for _, l := range rest {
		if l.Op != '+' {
			return false
		}
	}
	return true
}
