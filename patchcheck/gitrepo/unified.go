// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"fmt"
	"strings"

	fdiff "github.com/go-git/go-git/v5/plumbing/format/diff"
)

// contextLines is git's default amount of context around a change.
const contextLines = 3

type diffLine struct {
	op        byte // ' ', '-', '+'
	text      string
	noNewline bool
}

// writeUnified writes one file patch as git does, with full blob ids on
// the index line. go-git has an encoder, but it splits whole files with a
// regular expression, which dominated the time of long ranges.
func writeUnified(b *bytes.Buffer, fp fdiff.FilePatch) {
	from, to := fp.Files()
	path := func(f fdiff.File) string {
		if f == nil {
			return ""
		}
		return f.Path()
	}
	a, bb := path(from), path(to)
	if a == "" {
		a = bb
	}
	if bb == "" {
		bb = a
	}
	// Paths are quoted as git quotes them: a name from an untrusted
	// repository must not forge patch lines or reach a terminal raw.
	fmt.Fprintf(b, "diff --git %s %s\n", QuotePath("a/", a), QuotePath("b/", bb))
	zero := strings.Repeat("0", 40)
	switch {
	case from == nil:
		fmt.Fprintf(b, "new file mode %o\nindex %s..%s\n", uint32(to.Mode()), zero, to.Hash())
	case to == nil:
		fmt.Fprintf(b, "deleted file mode %o\nindex %s..%s\n", uint32(from.Mode()), from.Hash(), zero)
	case from.Mode() != to.Mode():
		fmt.Fprintf(b, "old mode %o\nnew mode %o\nindex %s..%s\n", uint32(from.Mode()), uint32(to.Mode()), from.Hash(), to.Hash())
	default:
		fmt.Fprintf(b, "index %s..%s %o\n", from.Hash(), to.Hash(), uint32(from.Mode()))
	}
	if fp.IsBinary() {
		fmt.Fprintf(b, "Binary files %s and %s differ\n", side("a/", from, a), side("b/", to, bb))
		return
	}
	var lines []diffLine
	for _, c := range fp.Chunks() {
		op := byte(' ')
		switch c.Type() {
		case fdiff.Add:
			op = '+'
		case fdiff.Delete:
			op = '-'
		}
		content := c.Content()
		for content != "" {
			i := strings.IndexByte(content, '\n')
			if i < 0 {
				lines = append(lines, diffLine{op: op, text: content, noNewline: true})
				break
			}
			lines = append(lines, diffLine{op: op, text: content[:i]})
			content = content[i+1:]
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "--- %s\n+++ %s\n", side("a/", from, a), side("b/", to, bb))
	// Group changes into hunks with context, merging hunks whose context
	// would touch, as git does.
	var oldN, newN []int // line numbers before each diff line
	o, n := 1, 1
	for _, l := range lines {
		oldN, newN = append(oldN, o), append(newN, n)
		if l.op != '+' {
			o++
		}
		if l.op != '-' {
			n++
		}
	}
	for i := 0; i < len(lines); {
		if lines[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-contextLines)
		end := i
		for j := i; j < len(lines); j++ {
			if lines[j].op != ' ' {
				end = j
			} else if j-end > 2*contextLines {
				break
			}
		}
		stop := min(len(lines), end+contextLines+1)
		oc, nc := 0, 0
		for _, l := range lines[start:stop] {
			if l.op != '+' {
				oc++
			}
			if l.op != '-' {
				nc++
			}
		}
		fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(oldN[start], oc), hunkRange(newN[start], nc))
		for _, l := range lines[start:stop] {
			b.WriteByte(l.op)
			b.WriteString(l.text)
			b.WriteByte('\n')
			if l.noNewline {
				b.WriteString("\\ No newline at end of file\n")
			}
		}
		i = stop
	}
}

func side(prefix string, f fdiff.File, path string) string {
	if f == nil {
		return "/dev/null"
	}
	return QuotePath(prefix, path)
}

func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
