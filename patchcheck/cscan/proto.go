// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// KnownSuffixes are the parameter-name suffixes the verifier reads
// (btf_param_match_suffix), longest first so that "__szk" wins over "__sz"
// and "__const_map" over "__map".
var KnownSuffixes = []string{
	"__refcounted_kptr", "__arena__nullable", "__nonown_allowed", "__const_map", "__irq_flag",
	"__nullable", "__ctx_out", "__uninit", "__arena", "__alloc", "__iter", "__prog", "__szk",
	"__str", "__map", "__ign", "__opt", "__ref", "__sz", "__k",
}

// SpecialNames are parameter names the verifier matches whole.
var SpecialNames = []string{"rdonly_buf_size", "rdwr_buf_size"}

// ErrNotPrototype is returned for text that is not a function prototype.
var ErrNotPrototype = errors.New("not a function prototype")

var (
	funcPtrRE   = regexp.MustCompile(`\(\s*\*?\s*([A-Za-z_]\w*)\s*\)\s*\(`)
	attrParenRE = regexp.MustCompile(`\b(__attribute__\s*\(\(.*?\)\)|__printf\s*\([^)]*\)|__scanf\s*\([^)]*\)|__diag_\w+\s*\([^)]*\)|__section\s*\([^)]*\)|__aligned\s*\([^)]*\))`)
	dropWords   = map[string]bool{
		"__bpf_kfunc": true, "static": true, "inline": true, "noinline": true, "__always_inline": true,
		"notrace": true, "__used": true, "__weak": true, "__cold": true, "__init": true, "__noclone": true,
		"__retain": true, "__visible": true, "extern": true, "__nocfi": true, "__must_check": true,
		"__noinline": true, "__maybe_unused": true, "__bpf_fastcall": true, "__flatten": true,
	}
	typeWords = map[string]bool{
		"int": true, "char": true, "long": true, "short": true, "unsigned": true, "signed": true,
		"void": true, "float": true, "double": true, "_Bool": true, "bool": true, "const": true,
		"volatile": true, "struct": true, "enum": true, "union": true, "restrict": true, "__restrict": true,
	}
	notDefs = map[string]bool{"if": true, "for": true, "while": true, "switch": true, "return": true, "else": true, "do": true, "sizeof": true}
)

// startsDefinition reports whether a line may start a function definition
// in kernel style: code in column 0 that starts with an identifier.
func startsDefinition(code string) bool {
	if code == "" {
		return false
	}
	c := code[0]
	if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	w := code
	if i := strings.IndexAny(w, " \t(*"); i > 0 {
		w = w[:i]
	}
	return !notDefs[w] && w != "typedef" && !strings.HasPrefix(w, "BTF_")
}

// joinPrototype joins the lines of a possible definition starting at i up
// to its balanced closing parenthesis and checks that a body follows.
func (s *scanner) joinPrototype(lines []Line, i int, code string) (string, int, bool) {
	if !strings.Contains(code, "(") {
		// "struct foo *\nbar(...)" style: the name is on the next line.
		if i+1 >= len(lines) || strings.HasSuffix(strings.TrimSpace(code), ";") {
			return "", i, false
		}
	}
	// A builder, not +=: every identifier line of a file is a possible
	// start, and each may look 16 lines ahead.
	var b strings.Builder
	b.WriteString(strings.TrimSpace(code))
	last := i
	depth := parenDepth(code)
	opened := strings.Contains(code, "(")
	for (!opened || depth > 0) && last+1 < len(lines) && last-i < 16 {
		last++
		c, _ := s.stripComments(lines[last].Text)
		c = strings.TrimSpace(c)
		if strings.HasPrefix(c, "#") {
			return "", i, false
		}
		b.WriteByte(' ')
		b.WriteString(c)
		depth += parenDepth(c)
		opened = opened || strings.Contains(c, "(")
		if !opened && strings.ContainsAny(c, ";{}=") {
			return "", i, false
		}
	}
	if !opened || depth != 0 {
		return "", i, false
	}
	text := b.String()
	close := strings.LastIndexByte(text, ')')
	after := strings.TrimSpace(text[close+1:])
	switch {
	case strings.HasPrefix(after, "{"):
	case after == "" && last+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[last+1].Text), "{"):
		last++
	default:
		return "", i, false
	}
	return strings.Join(strings.Fields(text[:close+1]), " "), last, true
}

func (s *scanner) definition(text string, at Line, i int) {
	p, err := ParsePrototype(text)
	if err != nil {
		return
	}
	if !p.Tagged && (s.wantDef == nil || !s.wantDef(p.Name)) {
		return
	}
	p.Pos = model.Pos{File: s.file, Line: at.Line, PatchLine: at.PatchLine}
	if s.docEnd == i-1 && len(s.lastDoc) > 0 {
		p.Doc = strings.Join(s.lastDoc, "\n")
	}
	s.res.Protos = append(s.res.Protos, p)
}

// ParsePrototype parses one C function prototype or definition head, such
// as "__bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)".
func ParsePrototype(text string) (*model.Proto, error) {
	text = strings.Join(strings.Fields(text), " ")
	if i := strings.IndexByte(text, '{'); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	p := &model.Proto{Text: text}
	p.Tagged = hasWord(text, "__bpf_kfunc")
	clean := text
	if hasAttribute(text) {
		clean = attrParenRE.ReplaceAllString(text, " ")
	}
	open := strings.IndexByte(clean, '(')
	if open <= 0 {
		return nil, fmt.Errorf("%w: no parameter list in %q", ErrNotPrototype, clip(text))
	}
	closeAt := matchParen(clean, open)
	if closeAt < 0 {
		return nil, fmt.Errorf("%w: unbalanced parentheses in %q", ErrNotPrototype, clip(text))
	}
	head := strings.TrimSpace(clean[:open])
	j := len(head)
	for j > 0 && isIdent(head[j-1]) {
		j--
	}
	p.Name = head[j:]
	if p.Name == "" || !isIdentifier(p.Name) || notDefs[p.Name] {
		return nil, fmt.Errorf("%w: no function name in %q", ErrNotPrototype, clip(text))
	}
	var ret []string
	for _, w := range strings.Fields(strings.ReplaceAll(head[:j], "*", " * ")) {
		if !dropWords[w] {
			ret = append(ret, w)
		}
	}
	if len(ret) == 0 {
		return nil, fmt.Errorf("%w: no return type in %q", ErrNotPrototype, clip(text))
	}
	for _, w := range ret {
		if w != "*" && !isIdentifier(w) {
			return nil, fmt.Errorf("%w: unexpected %q before the name", ErrNotPrototype, w)
		}
	}
	p.Return = renderType(ret)
	if rest := strings.TrimSpace(clean[closeAt+1:]); rest != "" && !strings.HasPrefix(rest, "__") {
		return nil, fmt.Errorf("%w: text after the parameter list in %q", ErrNotPrototype, clip(text))
	}
	params := strings.TrimSpace(clean[open+1 : closeAt])
	if params == "" || params == "void" {
		return p, nil
	}
	for _, raw := range splitTop(params) {
		raw = strings.TrimSpace(raw)
		if raw == "..." {
			p.Variadic = true
			continue
		}
		p.Params = append(p.Params, parseParam(raw))
	}
	return p, nil
}

// hasAttribute is a cheap test for the attribute macros attrParenRE
// removes, which most prototypes lack.
func hasAttribute(s string) bool {
	for _, a := range []string{"__attribute__", "__printf", "__scanf", "__diag_", "__section", "__aligned"} {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// parseParam splits "const struct bpf_dynptr *p__uninit" into type and name.
func parseParam(raw string) model.Param {
	// Function pointer: "int (*cb)(void *ctx)" or "bool (less)(...)".
	if !strings.Contains(raw, "(") {
		// the common case: no function pointer
	} else if m := funcPtrRE.FindStringSubmatchIndex(raw); m != nil {
		name := raw[m[2]:m[3]]
		typ := strings.Join(strings.Fields(raw[:m[2]]+raw[m[3]:]), " ")
		return withSuffix(model.Param{Type: typ, Name: name})
	}
	array := ""
	if i := strings.IndexByte(raw, '['); i >= 0 {
		array = strings.ReplaceAll(raw[i:], " ", "")
		raw = raw[:i]
	}
	toks := strings.Fields(strings.ReplaceAll(raw, "*", " * "))
	var name string
	if n := len(toks); n > 1 {
		last, prev := toks[n-1], toks[n-2]
		if isIdentifier(last) && !typeWords[last] && prev != "struct" && prev != "enum" && prev != "union" {
			name = last
			toks = toks[:n-1]
		}
	}
	return withSuffix(model.Param{Type: renderType(toks) + array, Name: name})
}

func withSuffix(p model.Param) model.Param {
	for _, s := range KnownSuffixes {
		if len(p.Name) > len(s) && strings.HasSuffix(p.Name, s) {
			p.Suffix = s
			break
		}
	}
	return p
}

// renderType joins type tokens the kernel way: "struct foo *", "u32".
func renderType(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && (t != "*" || toks[i-1] != "*") {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// hasWord reports whether w occurs in s as a whole identifier, not as the
// start of a longer name such as __bpf_kfunc_call_test_get_mem.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !isIdent(s[j-1])) && (end == len(s) || !isIdent(s[end])) {
			return true
		}
		i = end
	}
}
