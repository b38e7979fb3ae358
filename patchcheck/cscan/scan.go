// SPDX-License-Identifier: GPL-2.0-only

// Package cscan finds kfunc set entries and function prototypes in pieces
// of C source: whole files or the fragments a patch's hunks show.
//
// It is a scanner, not a C parser: it knows the shapes kernel code gives
// kfunc sets in every era (BTF_SET_START/BTF_ID, BTF_SET8_START and
// BTF_KFUNCS_START with BTF_ID_FLAGS) and the kernel's coding style for
// function definitions (the return type starts in column 0).
package cscan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Line is one source line with its places.
type Line struct {
	Text      string
	Line      int // line number in the file (pre- or post-image)
	PatchLine int // line number in the patch, 0 when not shown by it
}

// Segment is a run of consecutive lines of one file. SetHint names the
// kfunc set the segment starts in when it is known from outside (a hunk
// header's section text), "" otherwise.
type Segment struct {
	Lines   []Line
	SetHint string
	// SetHintMacro is the start macro of the SetHint set.
	SetHintMacro string
}

// Result is what a scan finds.
type Result struct {
	Entries []model.Entry
	Protos  []*model.Proto
	Sets    []string // sets whose start macro is visible
	// SetDecls are the visible set start macros, with their macro and
	// condition.
	SetDecls []model.SetDecl
	// SetEnds names the sets whose end macro is visible.
	SetEnds []string
	// IDSets are the visible struct btf_kfunc_id_set initializers.
	IDSets []model.IDSet
	// Registrations are the visible register_btf_*_id_set() calls.
	Registrations []model.Registration
	// Aliases are object-like macros that rename one identifier to
	// another ("#define nf_ct_ret_null_kfunc_ids nf_ct_acquire_kfunc_ids").
	Aliases map[string]string
	// ListMacros are object-like macros whose body invokes other macros:
	// the lists X-macro patterns expand (XDP_METADATA_KFUNC_xxx).
	ListMacros map[string]string
	// MacroUses are X-macro lists used inside a set.
	MacroUses []MacroUse
	// Includes are the files the scanned text includes, as paths in the
	// tree ("include/net/xdp.h" for <net/xdp.h>).
	Includes []string
	// Docs are kernel-doc comments whose header names a function
	// ("name() - what it does"), complete in the scanned text.
	Docs []Doc
}

// Doc is one kernel-doc comment attributed to the function it names.
type Doc struct {
	Name string
	Text string
}

var kdocHeaderRE = regexp.MustCompile(`^\s*\*\s*(?:(?:struct|union|enum)\s+)?([A-Za-z_]\w*)(?:\(\))?\s*-\s`)

var (
	setStartRE = regexp.MustCompile(`^\s*(BTF_KFUNCS_START|BTF_SET8_START|BTF_SET_START|BTF_HIDDEN_KFUNCS_START)\s*\(\s*(\w+)\s*\)`)
	setEndRE   = regexp.MustCompile(`^\s*(BTF_KFUNCS_END|BTF_SET8_END|BTF_SET_END|BTF_HIDDEN_KFUNCS_END)\s*\(\s*(\w+)\s*\)`)
	entryRE    = regexp.MustCompile(`^\s*(BTF_ID_FLAGS|BTF_ID)\s*\(`)
)

// SetFromSection returns the set a hunk starts in, and its start macro,
// when git's function context line for the hunk is a set start macro.
func SetFromSection(section string) (set, macro string) {
	if m := setStartRE.FindStringSubmatch(section); m != nil {
		return m[2], m[1]
	}
	return "", ""
}

// HasMarker reports whether text may hold anything this package finds:
// a cheap test that lets callers skip files with no kfunc content.
func HasMarker(text string) bool {
	return strings.Contains(text, "BTF_ID") || strings.Contains(text, "__bpf_kfunc") ||
		strings.Contains(text, "BTF_SET") || strings.Contains(text, "BTF_KFUNCS") ||
		strings.Contains(text, "KF_") || strings.Contains(text, "__diag_push") ||
		strings.Contains(text, "_id_set")
}

// FileHasKfuncs is HasMarker for whole files: it looks only for the
// macros a kfunc file must contain, since a bare "KF_" also matches
// unrelated names such as SKF_AD_OFF.
func FileHasKfuncs(content string) bool {
	return strings.Contains(content, "BTF_ID_FLAGS(") || strings.Contains(content, "__bpf_kfunc") ||
		strings.Contains(content, "BTF_SET_START(") || strings.Contains(content, "BTF_KFUNCS_START(") ||
		strings.Contains(content, "btf_kfunc_id_set")
}

// Scan scans the segments of file. wantDef, when not nil, selects which
// untagged function definitions to return (a __bpf_kfunc definition is
// always returned): pre-__bpf_kfunc kernels have kfuncs that are found only
// through their set entries.
func Scan(file string, segs []Segment, wantDef func(name string) bool) *Result {
	res := &Result{}
	for _, seg := range segs {
		scanSegment(file, seg, wantDef, res)
	}
	return res
}

type scanner struct {
	file    string
	res     *Result
	set     string
	setKind string
	conds   []condFrame
	condStr string // conds rendered, "" when stale or empty
	condOK  bool
	inCmt   bool
	lastDoc []string // comment lines of the last comment block
	docEnd  int      // index of the line that ended it
	wantDef func(string) bool
	// funcMacros are the function-like macros in force that expand to set
	// entries, for X-macro lists used inside a set.
	funcMacros map[string]FuncMacro
}

func scanSegment(file string, seg Segment, wantDef func(string) bool, res *Result) {
	s := &scanner{file: file, res: res, set: seg.SetHint, wantDef: wantDef, docEnd: -2}
	if seg.SetHint != "" {
		s.setKind = "hint"
		if seg.SetHintMacro != "" {
			// The hunk header names the set's start macro: the set is
			// declared above the hunk.
			res.SetDecls = append(res.SetDecls, model.SetDecl{Name: seg.SetHint, Macro: seg.SetHintMacro,
				Pos: model.Pos{File: file}})
		}
	}
	lines := seg.Lines
	if len(lines) > 0 && seg.SetHint == "" && continuesComment(lines[0].Text) {
		// A hunk that starts inside a block comment: kernel style marks
		// every continuation line with " * ", so the rest of a kernel-doc
		// comment (a note added at its end) is read as comment.
		s.inCmt = true
	}
	for i := 0; i < len(lines); i++ {
		raw := lines[i].Text
		wasCmt := s.inCmt
		code, cmt := s.stripComments(raw)
		if cmt != "" {
			if strings.HasPrefix(strings.TrimSpace(raw), "/*") || i != s.docEnd+1 {
				s.lastDoc = s.lastDoc[:0]
			}
			s.lastDoc = append(s.lastDoc, strings.TrimSpace(raw))
			s.docEnd = i
			if wasCmt && !s.inCmt {
				s.kernelDoc()
			}
		}
		trimmed := strings.TrimSpace(code)
		if trimmed == "" {
			continue
		}
		if trimmed[0] == '#' {
			i = s.preprocessor(lines, i, trimmed)
			continue
		}
		if strings.Contains(code, "btf_kfunc_id_set") && strings.Contains(code, "=") {
			if last, ok := s.idSet(lines, i, code); ok {
				i = last
				continue
			}
		}
		if strings.Contains(code, "_id_set") && registerRE.MatchString(code) {
			text, last := s.joinParens(lines, i, code)
			s.registrations(text, lines[i])
			i = last
			continue
		}
		if strings.Contains(code, "BTF_") {
			if m := setStartRE.FindStringSubmatch(code); m != nil {
				s.set, s.setKind = m[2], m[1]
				res.Sets = append(res.Sets, m[2])
				res.SetDecls = append(res.SetDecls, model.SetDecl{Name: m[2], Macro: m[1], Cond: s.cond(),
					Pos: model.Pos{File: s.file, Line: lines[i].Line, PatchLine: lines[i].PatchLine}})
				continue
			}
			if m := setEndRE.FindStringSubmatch(code); m != nil {
				res.SetEnds = append(res.SetEnds, m[2])
				s.set, s.setKind = "", ""
				continue
			}
			if m := entryRE.FindStringSubmatch(code); m != nil {
				text, last := s.joinParens(lines, i, code)
				s.entry(m[1], text, lines[i])
				i = last
				continue
			}
		}
		if s.set != "" && isIdentifier(strings.TrimSuffix(trimmed, ";")) && len(s.funcMacros) > 0 {
			// A bare identifier inside a set: an X-macro list such as
			// XDP_METADATA_KFUNC_xxx, expanded through the entry macro
			// defined just above it.
			s.res.MacroUses = append(s.res.MacroUses, MacroUse{
				Name: strings.TrimSuffix(trimmed, ";"), Set: s.set, Cond: s.cond(),
				Pos:  model.Pos{File: s.file, Line: lines[i].Line, PatchLine: lines[i].PatchLine},
				Defs: maps.Clone(s.funcMacros),
			})
			continue
		}
		if startsDefinition(code) {
			text, last, ok := s.joinPrototype(lines, i, code)
			if ok {
				s.definition(text, lines[i], i)
				i = last
			}
		}
	}
	if s.inCmt {
		// A comment cut off by the end of a hunk: both sides of the hunk
		// show the same part of it, so the part still tells a change.
		s.kernelDoc()
	}
}

// continuesComment reports whether a line looks like the middle or the
// end of a kernel-style block comment.
func continuesComment(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return t == "*" || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "*\t") || strings.HasPrefix(t, "*/")
}

// kernelDoc records the comment block just read when it is a kernel-doc
// comment naming a function.
func (s *scanner) kernelDoc() {
	if len(s.lastDoc) > 1 && strings.HasPrefix(s.lastDoc[0], "/**") {
		if m := kdocHeaderRE.FindStringSubmatch(s.lastDoc[1]); m != nil {
			s.res.Docs = append(s.res.Docs, Doc{Name: m[1], Text: strings.Join(s.lastDoc, "\n")})
		}
	}
}

// stripComments removes comments from one line, tracking block comments
// across lines, and returns the code and the comment text.
func (s *scanner) stripComments(line string) (code, comment string) {
	if !s.inCmt && !strings.Contains(line, "/") {
		return line, ""
	}
	var b, c strings.Builder
	inStr := byte(0)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		if s.inCmt {
			if ch == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.inCmt = false
				i++
				c.WriteString("*/")
				continue
			}
			c.WriteByte(ch)
			continue
		}
		if inStr != 0 {
			b.WriteByte(ch)
			if ch == '\\' && i+1 < len(line) {
				b.WriteByte(line[i+1])
				i++
			} else if ch == inStr {
				inStr = 0
			}
			continue
		}
		switch {
		case ch == '"' || ch == '\'':
			inStr = ch
			b.WriteByte(ch)
		case ch == '/' && i+1 < len(line) && line[i+1] == '*':
			s.inCmt = true
			c.WriteString("/*")
			i++
		case ch == '/' && i+1 < len(line) && line[i+1] == '/':
			c.WriteString(line[i:])
			return b.String(), c.String()
		default:
			b.WriteByte(ch)
		}
	}
	if s.inCmt && c.Len() == 0 {
		c.WriteByte(' ')
	}
	return b.String(), c.String()
}

// preprocessor handles a directive line and returns the index of its last
// line (directives continue with a backslash).
func (s *scanner) preprocessor(lines []Line, i int, trimmed string) int {
	full := trimmed
	for strings.HasSuffix(full, "\\") && i+1 < len(lines) {
		i++
		code, _ := s.stripComments(lines[i].Text)
		full = strings.TrimSuffix(full, "\\") + " " + strings.TrimSpace(code)
	}
	d := strings.TrimSpace(strings.TrimPrefix(full, "#"))
	word, rest, _ := strings.Cut(d, " ")
	rest = strings.Join(strings.Fields(rest), " ")
	switch word {
	case "define":
		if name, val, ok := strings.Cut(rest, " "); ok && isIdentifier(name) && isIdentifier(val) {
			if s.res.Aliases == nil {
				s.res.Aliases = map[string]string{}
			}
			s.res.Aliases[name] = val
		}
		s.define(rest)
	case "undef":
		delete(s.funcMacros, rest)
	case "include":
		s.include(rest)
	}
	switch word {
	case "if":
		s.push(rest)
	case "ifdef":
		s.push("defined(" + rest + ")")
	case "ifndef":
		s.push("!defined(" + rest + ")")
	case "elif", "elifdef", "elifndef":
		switch word {
		case "elifdef":
			rest = "defined(" + rest + ")"
		case "elifndef":
			rest = "!defined(" + rest + ")"
		}
		if n := len(s.conds); n > 0 {
			s.conds[n-1].next(rest)
		} else {
			s.push(rest)
		}
		s.condOK = false
	case "else":
		if n := len(s.conds); n > 0 {
			s.conds[n-1].next("")
		}
		s.condOK = false
	case "endif":
		if n := len(s.conds); n > 0 {
			s.conds = s.conds[:n-1]
		}
		s.condOK = false
	}
	return i
}

// joinParens joins lines from i until the parentheses opened on line i
// are balanced, and returns the text and the last line used.
func (s *scanner) joinParens(lines []Line, i int, code string) (string, int) {
	text := code
	depth := parenDepth(code)
	last := i
	for depth > 0 && last+1 < len(lines) && last-i < 20 {
		last++
		c, _ := s.stripComments(lines[last].Text)
		text += " " + strings.TrimSpace(c)
		depth += parenDepth(c)
	}
	return strings.Join(strings.Fields(text), " "), last
}

func parenDepth(s string) int {
	return strings.Count(s, "(") - strings.Count(s, ")")
}

// condFrame is one level of #if nesting: the condition of the branch
// being read and the negations of the branches before it.
type condFrame struct {
	cur  string
	prev string
}

// maxCondText bounds the text one level of #if nesting keeps, so that a
// chain of #elif or a long #if expression costs linear memory.
const maxCondText = 512

// maxCondDepth is how many levels of #if nesting a condition names; the
// rest are summarised, so that deep nesting costs linear memory.
const maxCondDepth = 16

// next moves the frame to the following #elif (cond != "") or #else.
func (f *condFrame) next(cond string) {
	neg := "!(" + f.cur + ")"
	if f.cur == "" {
		neg = ""
	}
	f.prev = andCond(f.prev, neg)
	f.cur = cond
}

func (f *condFrame) String() string { return andCond(f.prev, f.cur) }

// andCond joins two conditions with &&, keeping at most maxCondText bytes.
func andCond(a, b string) string {
	var out string
	switch {
	case a == "":
		out = b
	case b == "":
		out = a
	default:
		out = a + " && " + b
	}
	if len(out) > maxCondText {
		out = out[:maxCondText] + "..."
	}
	return out
}

func (s *scanner) push(cond string) {
	s.conds = append(s.conds, condFrame{cur: cond})
	s.condOK = false
}

// cond renders the conditions of the enclosing #if levels, cached until
// the nesting changes.
func (s *scanner) cond() string {
	if s.condOK {
		return s.condStr
	}
	var parts []string
	for i, f := range s.conds {
		if i == maxCondDepth {
			parts = append(parts, fmt.Sprintf("(%d more levels)", len(s.conds)-i))
			break
		}
		if t := f.String(); t != "" {
			parts = append(parts, t)
		}
	}
	s.condStr, s.condOK = strings.Join(parts, " && "), true
	return s.condStr
}

func (s *scanner) entry(macro, text string, at Line) {
	open := strings.IndexByte(text, '(')
	close := strings.LastIndexByte(text, ')')
	if open < 0 || close < open {
		return
	}
	args := splitTop(text[open+1 : close])
	if len(args) < 2 || strings.TrimSpace(args[0]) != "func" {
		return
	}
	name := strings.TrimSpace(args[1])
	if !isIdentifier(name) {
		return
	}
	if macro == "BTF_ID" && s.setKind != "BTF_SET_START" && s.setKind != "hint" {
		// BTF_ID also fills BTF_ID_LIST tables of types and helpers;
		// only an entry of a set is a kfunc.
		return
	}
	var flags []string
	if macro == "BTF_ID_FLAGS" && len(args) > 2 {
		flags = ParseFlags(args[2])
	}
	s.res.Entries = append(s.res.Entries, model.Entry{
		Name:  name,
		Set:   s.set,
		Macro: macro,
		Flags: flags,
		Cond:  s.cond(),
		Pos:   model.Pos{File: s.file, Line: at.Line, PatchLine: at.PatchLine},
		Text:  strings.TrimSuffix(strings.TrimSpace(text), ";"),
	})
}

// isIdentifier reports whether s is a C identifier.
func isIdentifier(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdent(s[i]) {
			return false
		}
	}
	return true
}

// ParseFlags splits a flags expression "KF_A | KF_B" into sorted unique
// terms; "0" and empty terms are dropped.
func ParseFlags(expr string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(expr, func(r rune) bool { return r == '|' || r == '(' || r == ')' || r == ' ' || r == '\t' }) {
		if f == "0" || f == "" {
			continue
		}
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// splitTop splits s on commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
