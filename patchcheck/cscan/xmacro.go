// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"path"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// FuncMacro is a function-like macro that expands to a set entry:
// "#define XDP_METADATA_KFUNC(_, __, name, ___) BTF_ID_FLAGS(func, name, KF_TRUSTED_ARGS)".
type FuncMacro struct {
	Params []string
	Body   string
}

// MacroUse is an X-macro list named inside a set, with the entry macros in
// force where it is used.
type MacroUse struct {
	Name string
	Set  string
	Cond string
	Pos  model.Pos
	Defs map[string]FuncMacro
}

// Limits that keep macro bookkeeping linear in the input.
const (
	maxMacroBody  = 64 << 10
	maxListMacros = 4096
	maxExpansions = 4096
)

// define records the macros of a #define directive (text after the
// word) that X-macro expansion needs.
func (s *scanner) define(rest string) {
	if len(rest) > maxMacroBody {
		return
	}
	i := 0
	for i < len(rest) && isIdent(rest[i]) {
		i++
	}
	name := rest[:i]
	if name == "" {
		return
	}
	if i < len(rest) && rest[i] == '(' {
		end := strings.IndexByte(rest[i:], ')')
		if end < 0 {
			return
		}
		body := strings.TrimSpace(rest[i+end+1:])
		if !strings.Contains(body, "BTF_ID_FLAGS(") && !strings.Contains(body, "BTF_ID(") {
			return
		}
		var params []string
		for _, p := range strings.Split(rest[i+1:i+end], ",") {
			params = append(params, strings.TrimSpace(p))
		}
		if s.funcMacros == nil {
			s.funcMacros = map[string]FuncMacro{}
		}
		s.funcMacros[name] = FuncMacro{Params: params, Body: body}
		return
	}
	body := strings.TrimSpace(rest[i:])
	if strings.Contains(body, "(") && len(s.res.ListMacros) < maxListMacros {
		if s.res.ListMacros == nil {
			s.res.ListMacros = map[string]string{}
		}
		s.res.ListMacros[name] = body
	}
}

// include records an #include's file as a tree path.
func (s *scanner) include(rest string) {
	switch {
	case strings.HasPrefix(rest, "<") && strings.HasSuffix(rest, ">"):
		s.res.Includes = append(s.res.Includes, "include/"+strings.Trim(rest, "<>"))
	case strings.HasPrefix(rest, `"`) && strings.HasSuffix(rest, `"`):
		s.res.Includes = append(s.res.Includes, path.Join(path.Dir(s.file), strings.Trim(rest, `"`)))
	}
}

// Expand expands an X-macro use with the list's body: every invocation of
// an entry macro in force becomes the entry it writes. The entries carry
// the use's set, condition and place.
func (u MacroUse) Expand(list string) []model.Entry {
	var out []model.Entry
	for i := 0; i < len(list) && len(out) < maxExpansions; {
		j := i
		for j < len(list) && !isIdentStart(list[j]) {
			j++
		}
		k := j
		for k < len(list) && isIdent(list[k]) {
			k++
		}
		if k >= len(list) {
			break
		}
		name := list[j:k]
		m, ok := u.Defs[name]
		open := k
		for open < len(list) && (list[open] == ' ' || list[open] == '\t') {
			open++
		}
		if !ok || open >= len(list) || list[open] != '(' {
			i = k
			continue
		}
		close := matchParen(list, open)
		if close < 0 {
			break
		}
		args := splitTop(list[open+1 : close])
		text := substitute(m, args)
		i = close + 1
		sc := &scanner{file: u.Pos.File, res: &Result{}, set: u.Set, setKind: "hint"}
		if mm := entryRE.FindStringSubmatch(text); mm != nil {
			sc.entry(mm[1], text, Line{Line: u.Pos.Line, PatchLine: u.Pos.PatchLine})
		}
		for _, e := range sc.res.Entries {
			e.Cond = u.Cond
			out = append(out, e)
		}
	}
	return out
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// substitute replaces the macro's parameters in its body by the arguments
// (whole identifiers only).
func substitute(m FuncMacro, args []string) string {
	vals := map[string]string{}
	for i, p := range m.Params {
		if i < len(args) {
			vals[p] = strings.TrimSpace(args[i])
		}
	}
	var b strings.Builder
	body := m.Body
	for i := 0; i < len(body); {
		if !isIdentStart(body[i]) {
			b.WriteByte(body[i])
			i++
			continue
		}
		j := i
		for j < len(body) && isIdent(body[j]) {
			j++
		}
		if v, ok := vals[body[i:j]]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(body[i:j])
		}
		i = j
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
