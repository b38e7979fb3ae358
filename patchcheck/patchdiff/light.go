// SPDX-License-Identifier: GPL-2.0-only

package patchdiff

import (
	"bytes"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/sourcegraph/go-diff/diff"
)

// ByteLines is a text cut into lines without copying it: a line is a
// slice of the text, found through a table of offsets that is reused
// from one text to the next. It reads text the way the mail reader's
// []model.Line does: the final newline ends the last line, it does not
// open an empty one.
type ByteLines struct {
	data  []byte
	start []int // start[i] is where line i begins; start[Len()] is len(data)+1
	first int
}

// Reset makes l the lines of data, the first numbered first. data is
// kept, not copied: it must not change while l is used.
func (l *ByteLines) Reset(data []byte, first int) {
	data = bytes.TrimSuffix(data, []byte("\n"))
	l.data, l.first, l.start = data, first, l.start[:0]
	if len(data) == 0 {
		return
	}
	for off := 0; ; {
		l.start = append(l.start, off)
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	l.start = append(l.start, len(data)+1)
}

// Len returns the number of lines.
func (l *ByteLines) Len() int { return max(len(l.start)-1, 0) }

// At returns line i without its newline, pointing into the text.
func (l *ByteLines) At(i int) []byte { return l.data[l.start[i] : l.start[i+1]-1] }

// N returns the input line number of line i.
func (l *ByteLines) N(i int) int { return l.first + i }

// Lines returns lines [from, to) as model lines, copying their text. The
// slice is never nil, like a part of the mail reader's lines.
func (l *ByteLines) Lines(from, to int) []model.Line {
	if from >= to {
		return []model.Line{}
	}
	out := make([]model.Line, to-from)
	// One string for the whole range: the lines share it.
	s := string(l.data[l.start[from] : l.start[to]-1])
	base := l.start[from]
	for i := range out {
		a, b := l.start[from+i]-base, l.start[from+i+1]-1-base
		out[i] = model.Line{N: l.N(from + i), Text: s[a:b]}
	}
	return out
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// isFileStartAt is IsFileStart on byte lines.
func isFileStartAt(l *ByteLines, i int) bool {
	t := l.At(i)
	n := l.Len()
	switch {
	case hasPrefix(t, "diff --git "), hasPrefix(t, "diff --cc "):
		return true
	case hasPrefix(t, "diff -"):
		return i+1 < n && hasPrefix(l.At(i+1), "--- ")
	case hasPrefix(t, "Index: "):
		return i+1 < n && hasPrefix(l.At(i+1), "====")
	case hasPrefix(t, "--- "):
		return i+2 < n && hasPrefix(l.At(i+1), "+++ ") && hasPrefix(l.At(i+2), "@@ -")
	}
	return false
}

// FindStartBytes is FindStart on byte lines.
func FindStartBytes(l *ByteLines) int {
	n := l.Len()
	sep := 0
	for i := 0; i < n; i++ {
		if t := l.At(i); len(t) >= 3 && t[0] == '-' && string(bytes.TrimRight(t, " \t")) == "---" {
			sep = i
			break
		}
	}
	for _, from := range []int{sep, 0} {
		for i := from; i < n; i++ {
			if hasPrefix(l.At(i), "diff --git ") {
				return i
			}
		}
	}
	for _, from := range []int{sep, 0} {
		for i := from; i < n; i++ {
			if isFileStartAt(l, i) {
				return i
			}
		}
	}
	return -1
}

// ParseLight reads the diff that starts at line from the way
// ParseInput does, for an input that ends with a newline, but keeps no
// hunk line: the hunks it returns carry their header, not their Lines.
// It returns the lines the full reading's hunks would hold (repaired
// trailing context included), and ok. It gives up (ok false) on every
// input the full reading would refuse or that it cannot judge as
// cheaply: a hunk that does not match its counts, a header other than a
// plain git or "---"/"+++" one, binary or header-only files, names that
// are quoted or carry a timestamp, carriage returns. The caller then
// reads the input with ParseInput, which names the problem and its place.
func ParseLight(l *ByteLines, from int) (files []*model.FileDiff, hunkLines int, ok bool) {
	n := l.Len()
	for i := from; i < n; {
		t := l.At(i)
		if string(t) == "-- " {
			break
		}
		if !isFileStartAt(l, i) {
			i++ // text between files
			continue
		}
		fd, lines, next, ok := lightFile(l, i)
		if !ok {
			return nil, 0, false
		}
		files = append(files, fd)
		hunkLines += lines
		i = max(next, i+1)
	}
	return files, hunkLines, len(files) > 0
}

// lightFile is parseFile without the copies, for the common headers.
func lightFile(l *ByteLines, start int) (*model.FileDiff, int, int, bool) {
	n := l.Len()
	i := start + 1
	for ; i < n; i++ {
		t := l.At(i)
		if hasPrefix(t, "@@ -") || string(t) == "-- " || isFileStartAt(l, i) && !hasPrefix(t, "--- ") {
			break
		}
		if hasPrefix(t, "--- ") && !hasPrefix(l.At(start), "--- ") && !(i+1 < n && hasPrefix(l.At(i+1), "+++ ")) {
			break
		}
		if string(t) == "GIT binary patch" || hasPrefix(t, "Binary files ") {
			return nil, 0, 0, false
		}
		if !isHeaderLine(string(t)) && i > start+1 {
			break
		}
	}
	headerEnd := i
	fd, ok := lightHeader(l, start, headerEnd)
	if !ok {
		return nil, 0, 0, false
	}
	total := 0
	tail := false
	for i < n && hasPrefix(l.At(i), "@@ -") {
		if tail {
			// go-diff, reading the hunks as parseWithGoDiff rebuilds
			// them, takes a hunk that ends with a "---" line and a
			// "+++" line, followed by another hunk, for a file header:
			// the full reading fails there.
			return nil, 0, 0, false
		}
		h, lines, next, endsLikeHeader, ok := lightHunk(l, i)
		if !ok {
			return nil, 0, 0, false
		}
		tail = endsLikeHeader
		fd.Hunks = append(fd.Hunks, h)
		total += lines
		i = next
	}
	if len(fd.Hunks) == 0 {
		return nil, 0, 0, false
	}
	return fd, total, i, true
}

// lightHeader reads a file header ending in "---" and "+++" lines as
// parseWithGoDiff does. A plain git header (extended lines git writes,
// names without quotes or timestamps) is read here; any other is handed
// to go-diff alone, without the hunks, which reads it as it would with
// them.
func lightHeader(l *ByteLines, start, end int) (*model.FileDiff, bool) {
	if end-start < 2 || !hasPrefix(l.At(end-2), "--- ") || !hasPrefix(l.At(end-1), "+++ ") {
		return nil, false
	}
	git := hasPrefix(l.At(start), "diff --git ")
	var oldName, newName string
	var ext []string
	plain := git
	if git {
		ext = make([]string, 0, end-2-start)
		ext = append(ext, string(l.At(start)))
		for i := start + 1; i < end-2 && plain; i++ {
			t := string(l.At(i))
			plain = gitExtended(t)
			ext = append(ext, t)
		}
		var ok1, ok2 bool
		oldName, ok1 = lightName(l.At(end - 2)[4:])
		newName, ok2 = lightName(l.At(end - 1)[4:])
		plain = plain && ok1 && ok2
	}
	if !plain {
		var buf bytes.Buffer
		for i := start; i < end; i++ {
			buf.Write(l.At(i))
			buf.WriteByte('\n')
		}
		gd, err := diff.ParseFileDiff(buf.Bytes())
		if err != nil || len(gd.Hunks) > 0 {
			return nil, false
		}
		oldName, newName, ext = gd.OrigName, gd.NewName, gd.Extended
	}
	fd := &model.FileDiff{PatchLine: l.N(start), Status: model.Modified}
	namePaths(fd, oldName, newName, ext, git)
	return fd, fd.Path() != ""
}

// gitExtended reports whether t is an extended header line that go-diff
// keeps as it is.
func gitExtended(t string) bool {
	for _, p := range []string{"index ", "new file mode ", "deleted file mode ", "old mode ", "new mode ",
		"similarity index ", "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// lightName is go-diff's reading of a "---" or "+++" name, for names it
// reads without a timestamp or unquoting.
func lightName(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.IndexByte(b, '\t') >= 0 || b[0] == '"' || b[0] == '`' || b[0] == '\'' {
		return "", false
	}
	return string(b), true
}

// lightHunk is readHunk without the copies; it gives up where readHunk
// reports an error. It returns the hunk, its number of lines, the index
// of the line after it, and whether its last two lines start with "---"
// and "+++".
func lightHunk(l *ByteLines, start int) (h *model.Hunk, count, next int, endsLikeHeader, ok bool) {
	h, ok = lightHunkHeader(l.At(start))
	if !ok {
		return nil, 0, 0, false, false
	}
	h.PatchLine = l.N(start)
	n := l.Len()
	old, nw := 0, 0
	// checked is checkpatch's count of the hunk's lines; count, every
	// line read.
	checked := 0
	var last byte
	prevDashes := false
	i := start + 1
	for ; i < n && (old < h.OldCount || nw < h.NewCount); i++ {
		t := l.At(i)
		op := byte(' ')
		if len(t) > 0 {
			op = t[0]
		}
		if op == '\t' {
			op = ' '
		}
		switch op {
		case ' ':
			if old >= h.OldCount || nw >= h.NewCount {
				return nil, 0, 0, false, false
			}
			old, nw = old+1, nw+1
		case '-':
			if old >= h.OldCount {
				return nil, 0, 0, false, false
			}
			old++
		case '+':
			if nw >= h.NewCount {
				return nil, 0, 0, false, false
			}
			nw++
		case '\\':
			noNewline(h, last, count)
			// checkpatch counts it while new-side lines follow; after
			// a removed line, as model.Hunk.CheckedLines does.
			if last == '-' && nw < h.NewCount {
				checked++
			}
			continue
		default:
			return nil, 0, 0, false, false
		}
		last = op
		count++
		// As checkpatch: removed lines after the new side's last line
		// (a whole file deleted) are not counted.
		if op != '-' || nw < h.NewCount {
			checked++
		}
		endsLikeHeader = prevDashes && hasPrefix(t, "+++")
		prevDashes = hasPrefix(t, "---")
	}
	if old < h.OldCount || nw < h.NewCount {
		// GNU patch's repair of trailing context lost in transit, as in
		// readHunk.
		atEnd := i >= n || string(l.At(i)) == "-- "
		if !atEnd || h.OldCount-old != h.NewCount-nw || h.OldCount-old > maxLostContext {
			return nil, 0, 0, false, false
		}
		// The restored lines are not in the input: "lines checked"
		// counts only those that are.
		present := checked
		count += h.OldCount - old
		last = ' '
		endsLikeHeader = false
		if i < n && hasPrefix(l.At(i), `\`) {
			noNewline(h, last, count)
			i++
		}
		return h, present, i, endsLikeHeader, true
	}
	if i < n && hasPrefix(l.At(i), `\`) {
		noNewline(h, last, count)
		i++
	}
	return h, checked, i, endsLikeHeader, true
}

// noNewline is markNoNewline for a hunk without lines: last is the
// operation of the hunk's last line, count how many it has.
func noNewline(h *model.Hunk, last byte, count int) {
	if count == 0 {
		return
	}
	switch last {
	case '-':
		h.OldNoNewline = true
	case '+':
		h.NewNoNewline = true
	default:
		h.OldNoNewline, h.NewNoNewline = true, true
	}
}

// lightHunkHeader reads "@@ -a[,b] +c[,d] @@[ ]section" as hunkHeaderRE
// and rangeOf do, for counts that rangeOf accepts.
func lightHunkHeader(t []byte) (*model.Hunk, bool) {
	t = t[len("@@ -"):]
	h := &model.Hunk{}
	var ok bool
	if h.OldStart, h.OldCount, t, ok = lightRange(t); !ok || !hasPrefix(t, " +") {
		return nil, false
	}
	if h.NewStart, h.NewCount, t, ok = lightRange(t[2:]); !ok || !hasPrefix(t, " @@") {
		return nil, false
	}
	t = bytes.TrimPrefix(t[3:], []byte(" "))
	if len(t) > 0 {
		h.Section = string(t)
	}
	return h, true
}

// lightRange reads "a" or "a,b" (count 1 when b is absent).
func lightRange(t []byte) (start, count int, rest []byte, ok bool) {
	start, t, ok = lightNumber(t)
	if !ok {
		return 0, 0, nil, false
	}
	count = 1
	if len(t) > 0 && t[0] == ',' {
		if count, t, ok = lightNumber(t[1:]); !ok {
			return 0, 0, nil, false
		}
	}
	return start, count, t, true
}

// lightNumber reads decimal digits, up to the bound rangeOf sets.
func lightNumber(t []byte) (int, []byte, bool) {
	v, i := 0, 0
	for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		v = v*10 + int(t[i]-'0')
		if v > 1<<30 {
			return 0, nil, false
		}
	}
	return v, t[i:], i > 0
}
