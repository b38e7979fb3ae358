// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"regexp"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

var (
	registerRE = regexp.MustCompile(`\bregister_btf_(kfunc|fmodret)_id_set\s*\(`)
	// A kfunc registration names a program type and the id set; an
	// fmod_ret registration names only the id set.
	registerKfuncRE   = regexp.MustCompile(`\bregister_btf_kfunc_id_set\s*\(\s*(\w+)\s*,\s*&\s*(\w+)\s*\)`)
	registerFmodretRE = regexp.MustCompile(`\bregister_btf_fmodret_id_set\s*\(\s*&\s*(\w+)\s*\)`)
	idSetStartRE      = regexp.MustCompile(`\bstruct\s+btf_kfunc_id_set\s+(\w+)\s*=\s*\{`)
	idSetFieldRE      = regexp.MustCompile(`\.\s*(\w+)\s*=\s*&?\s*(\w+)`)
)

// maxIDSetLines bounds how far an id set initializer is read.
const maxIDSetLines = 24

// idSet reads a "struct btf_kfunc_id_set NAME = { ... };" initializer
// starting at line i and returns its last line.
func (s *scanner) idSet(lines []Line, i int, code string) (int, bool) {
	text := code
	last := i
	for !strings.Contains(text, "}") && last+1 < len(lines) && last-i < maxIDSetLines {
		last++
		c, _ := s.stripComments(lines[last].Text)
		text += " " + strings.TrimSpace(c)
	}
	m := idSetStartRE.FindStringSubmatchIndex(text)
	if m == nil {
		return i, false
	}
	body := text[m[1]:]
	if end := strings.IndexByte(body, '}'); end >= 0 {
		body = body[:end]
	}
	ids := model.IDSet{Name: text[m[2]:m[3]], Sets: map[string]string{},
		Pos: model.Pos{File: s.file, Line: lines[i].Line, PatchLine: lines[i].PatchLine}}
	for _, f := range idSetFieldRE.FindAllStringSubmatch(body, -1) {
		switch field, val := f[1], f[2]; {
		case field == "owner":
		case field == "filter":
			if val != "NULL" {
				ids.Filter = val
			}
		case field == "set" || strings.HasSuffix(field, "_set"):
			ids.Sets[field] = val
		}
	}
	s.res.IDSets = append(s.res.IDSets, ids)
	return last, true
}

// registrations records every register_btf_*_id_set() call in text.
func (s *scanner) registrations(text string, at Line) {
	pos := model.Pos{File: s.file, Line: at.Line, PatchLine: at.PatchLine}
	for _, m := range registerKfuncRE.FindAllStringSubmatch(text, -1) {
		s.res.Registrations = append(s.res.Registrations, model.Registration{
			Func: "register_btf_kfunc_id_set", ProgType: m[1], IDSet: m[2], Cond: s.cond(), Pos: pos})
	}
	for _, m := range registerFmodretRE.FindAllStringSubmatch(text, -1) {
		s.res.Registrations = append(s.res.Registrations, model.Registration{
			Func: "register_btf_fmodret_id_set", IDSet: m[1], Cond: s.cond(), Pos: pos})
	}
}
