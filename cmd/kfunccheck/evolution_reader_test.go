// SPDX-License-Identifier: GPL-2.0-only

package main

// The independent reader of TestEvolution: what a kernel tree's kfuncs
// are, found with a few regular expressions and none of kfunccheck's code,
// so that the test measures kfunccheck instead of comparing it with itself.
// It reads whole releases (never patches) and knows the shapes the 6.1 and
// 6.12 trees use: BTF_SET8_START/BTF_KFUNCS_START blocks of
// BTF_ID_FLAGS(func, name, FLAGS) entries, struct btf_kfunc_id_set
// initializers naming them with .set = &X, and register_btf_kfunc_id_set()
// calls naming a program type and the id set. It expands the one X-macro
// the kernel uses inside a kfunc set (XDP_METADATA_KFUNC_xxx).

import (
	"archive/tar"
	"bytes"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// evoEntry is one BTF_ID_FLAGS entry of a kfunc set.
type evoEntry struct {
	File, Set string
	Flags     []string // sorted
	Cond      string   // the #if conditions around the entry
}

// evoRoute is one way a kfunc is callable: a registration of an id set
// bundling one of its sets.
type evoRoute struct {
	ProgType, Filter, Cond string
}

// evoProto is a normalised prototype.
type evoProto struct {
	Ret    string
	Params []evoParam
	File   string
	Tagged bool
}

type evoParam struct{ Type, Name string }

func (p *evoProto) String() string {
	var ps []string
	for _, x := range p.Params {
		ps = append(ps, strings.TrimSpace(x.Type+" "+x.Name))
	}
	return p.Ret + " (" + strings.Join(ps, ", ") + ")"
}

// evoKfunc is one kfunc of a release.
type evoKfunc struct {
	Name    string
	Entries []evoEntry
	Routes  []evoRoute
	Proto   *evoProto
}

// evoRelease is what the reader finds in one release.
type evoRelease struct {
	Kfuncs map[string]*evoKfunc
	// NotKfunc says, for names that look like kfuncs but are not, why:
	// entries of lists that are not kfunc sets, __bpf_kfunc definitions
	// in no kfunc set.
	NotKfunc map[string]string
	// Expanded names the kfuncs whose entries come from an X-macro.
	Expanded map[string]string
	// Protos holds every function definition, by name.
	Protos map[string][]*evoProto
}

var (
	evoSetStartRE = regexp.MustCompile(`^\s*(BTF_KFUNCS_START|BTF_SET8_START|BTF_SET_START|BTF_ID_LIST|BTF_ID_LIST_GLOBAL)\s*\(\s*(\w+)`)
	evoSetEndRE   = regexp.MustCompile(`^\s*(BTF_KFUNCS_END|BTF_SET8_END|BTF_SET_END)\s*\(\s*(\w+)\s*\)`)
	evoFlagsRE    = regexp.MustCompile(`^\s*BTF_ID_FLAGS\s*\(\s*func\s*,\s*(\w+)\s*(?:,\s*([^)]*))?\)`)
	evoIDRE       = regexp.MustCompile(`^\s*BTF_ID\s*\(\s*func\s*,\s*(\w+)\s*\)`)
	// A macro defined inside a set whose body is one entry: the X-macro
	// template ("#define XDP_METADATA_KFUNC(_, __, name, ___)
	// BTF_ID_FLAGS(func, name, KF_TRUSTED_ARGS)").
	evoTemplateRE = regexp.MustCompile(`^\s*#\s*define\s+(\w+)\(([^)]*)\)\s*BTF_ID_FLAGS\s*\(\s*func\s*,\s*(\w+)\s*(?:,\s*([^)]*))?\)`)
	evoObjMacroRE = regexp.MustCompile(`^\s*#\s*define\s+(\w+)\s+(.*)$`)
	evoIdentRE    = regexp.MustCompile(`^\s*([A-Za-z_]\w*)\s*$`)
	evoIDSetRE    = regexp.MustCompile(`struct\s+btf_kfunc_id_set\s+(\w+)\s*=\s*\{([^}]*)\}`)
	evoFieldRE    = regexp.MustCompile(`\.\s*(set|filter)\s*=\s*&?\s*(\w+)`)
	evoRegRE      = regexp.MustCompile(`register_btf_kfunc_id_set\s*\(\s*(\w+)\s*,\s*&\s*(\w+)\s*\)`)
	evoFmodretRE  = regexp.MustCompile(`register_btf_fmodret_id_set\s*\(\s*&\s*(\w+)\s*\)`)
	// A definition head: at the start of a line, words of the return
	// type (possibly none: then the previous line holds them), the name
	// and its opening parenthesis.
	evoDefRE    = regexp.MustCompile(`(?m)^([A-Za-z_][\w \t*]*?[\s*])?([A-Za-z_]\w*)[ \t]*\(`)
	evoRetRE    = regexp.MustCompile(`^[A-Za-z_][\w \t*]*$`)
	evoTokensRE = regexp.MustCompile(`[A-Za-z_]\w*|\*|\.\.\.|\S`)
)

// evoDropWords are words of a definition's head that are no part of the
// prototype BPF programs see.
var evoDropWords = map[string]bool{"static": true, "inline": true, "noinline": true, "__always_inline": true,
	"__bpf_kfunc": true, "__weak": true, "notrace": true, "__used": true, "extern": true, "__init": true}

var evoNotNames = map[string]bool{"if": true, "for": true, "while": true, "switch": true, "return": true, "sizeof": true}

// readEvoRelease reads a tar archive of one release.
func readEvoRelease(archive []byte) (*evoRelease, error) {
	files := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[h.Name] = evoStripComments(string(b))
	}
	return evoReadTree(files), nil
}

// evoStripComments blanks out comments, keeping newlines and literals.
func evoStripComments(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"' || b[i] == '\'':
			q := b[i]
			for i++; i < len(b) && b[i] != q && b[i] != '\n'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

// evoLogical joins backslash continuations: line i of the result is the
// logical line that starts at physical line i ("" for the lines it
// swallowed).
func evoLogical(content string) []string {
	phys := strings.Split(content, "\n")
	out := make([]string, len(phys))
	for i := 0; i < len(phys); i++ {
		start := i
		l := phys[i]
		for strings.HasSuffix(strings.TrimRight(l, " \t"), "\\") && i+1 < len(phys) {
			l = strings.TrimSuffix(strings.TrimRight(l, " \t"), "\\") + " " + phys[i+1]
			i++
		}
		out[start] = l
	}
	return out
}

// evoConds returns, for each physical line, the #if conditions it is
// under, rendered as one string that is equal for equal conditions.
func evoConds(lines []string) []string {
	conds := make([]string, len(lines))
	var stack []string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			d := strings.Fields(strings.TrimSpace(strings.TrimPrefix(t, "#")))
			if len(d) > 0 {
				arg := strings.Join(d[1:], " ")
				switch d[0] {
				case "if":
					stack = append(stack, arg)
				case "ifdef":
					stack = append(stack, "defined "+arg)
				case "ifndef":
					stack = append(stack, "!defined "+arg)
				case "elif":
					if n := len(stack); n > 0 {
						stack[n-1] = "!(" + stack[n-1] + ") && " + arg
					}
				case "else":
					if n := len(stack); n > 0 {
						stack[n-1] = "!(" + stack[n-1] + ")"
					}
				case "endif":
					if n := len(stack); n > 0 {
						stack = stack[:n-1]
					}
				}
			}
		}
		conds[i] = strings.Join(stack, " && ")
	}
	return conds
}

func evoFlags(s string) []string {
	var out []string
	for _, f := range strings.Split(s, "|") {
		if f = strings.TrimSpace(f); f != "" && f != "0" {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// evoSetEntry is one entry of any BTF id list, kfunc set or not.
type evoSetEntry struct {
	evoEntry
	Name, Macro string // Macro: the list's start macro
	Expanded    string // the X-macro it came from, "" when written out
}

// evoReadTree finds the kfuncs of a tree given as path -> content
// (comments blanked).
func evoReadTree(files map[string]string) *evoRelease {
	rel := &evoRelease{Kfuncs: map[string]*evoKfunc{}, NotKfunc: map[string]string{},
		Expanded: map[string]string{}, Protos: map[string][]*evoProto{}}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	// Object-like macros of the whole tree, for X-macro lists used
	// inside a set (the list lives in a header, the set in a .c file).
	objMacros := map[string]string{}
	logical := map[string][]string{}
	for _, p := range paths {
		logical[p] = evoLogical(files[p])
		for _, l := range logical[p] {
			if m := evoObjMacroRE.FindStringSubmatch(l); m != nil && !strings.Contains(m[1], "(") {
				objMacros[m[1]] = m[2]
			}
		}
	}
	var all []evoSetEntry
	type idSet struct{ set, filter string }
	for _, p := range paths {
		lines := logical[p]
		conds := evoConds(strings.Split(files[p], "\n"))
		var set, macro string
		// X-macro templates defined inside the current set.
		type tmpl struct {
			params    []string
			nameParam string
			flags     string
		}
		tmpls := map[string]tmpl{}
		for i := 0; i < len(lines); i++ {
			l := lines[i]
			// An entry may continue on the next lines (fs/bpf_fs_kfuncs.c
			// in 6.12 puts bpf_get_task_exe_file's flags on the next).
			for j := i + 1; strings.Contains(l, "BTF_ID") && strings.Count(l, "(") > strings.Count(l, ")") && j < len(lines) && j < i+8; j++ {
				l += " " + lines[j]
			}
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				if set != "" {
					if m := evoTemplateRE.FindStringSubmatch(l); m != nil {
						var ps []string
						for _, x := range strings.Split(m[2], ",") {
							ps = append(ps, strings.TrimSpace(x))
						}
						tmpls[m[1]] = tmpl{params: ps, nameParam: m[3], flags: m[4]}
					}
				}
				continue
			}
			if m := evoSetStartRE.FindStringSubmatch(l); m != nil {
				set, macro = m[2], m[1]
				continue
			}
			if m := evoSetEndRE.FindStringSubmatch(l); m != nil {
				set, macro = "", ""
				continue
			}
			if strings.HasPrefix(macro, "BTF_ID_LIST") && strings.TrimSpace(l) != "" && evoIDRE.FindString(l) == "" {
				// A BTF_ID_LIST has no end macro: it ends with its
				// BTF_ID lines.
				set, macro = "", ""
			}
			add := func(name, flags, expanded string) {
				all = append(all, evoSetEntry{evoEntry: evoEntry{File: p, Set: set, Flags: evoFlags(flags), Cond: conds[i]},
					Name: name, Macro: macro, Expanded: expanded})
			}
			if m := evoFlagsRE.FindStringSubmatch(l); m != nil {
				add(m[1], m[2], "")
				continue
			}
			if m := evoIDRE.FindStringSubmatch(l); m != nil {
				add(m[1], "", "")
				continue
			}
			if set == "" {
				continue
			}
			// X-macro use: a lone identifier naming a list of template
			// calls defined elsewhere.
			if m := evoIdentRE.FindStringSubmatch(l); m != nil {
				body, ok := objMacros[m[1]]
				if !ok {
					continue
				}
				for tname, t := range tmpls {
					callRE := regexp.MustCompile(`\b` + regexp.QuoteMeta(tname) + `\s*\(([^()]*)\)`)
					for _, c := range callRE.FindAllStringSubmatch(body, -1) {
						args := strings.Split(c[1], ",")
						for k, pn := range t.params {
							if pn == t.nameParam && k < len(args) {
								add(strings.TrimSpace(args[k]), t.flags, m[1])
							}
						}
					}
				}
			}
		}
		content := files[p]
		idsets := map[string]idSet{}
		for _, m := range evoIDSetRE.FindAllStringSubmatch(content, -1) {
			var is idSet
			for _, f := range evoFieldRE.FindAllStringSubmatch(m[2], -1) {
				if f[1] == "set" {
					is.set = f[2]
				} else if f[2] != "NULL" {
					is.filter = f[2]
				}
			}
			idsets[m[1]] = is
		}
		lineOf := func(off int) int { return strings.Count(content[:off], "\n") }
		// set name -> routes, for this file.
		routes := map[string][]evoRoute{}
		for _, m := range evoRegRE.FindAllStringSubmatchIndex(content, -1) {
			pt, ids := content[m[2]:m[3]], content[m[4]:m[5]]
			is, ok := idsets[ids]
			if !ok {
				continue
			}
			routes[is.set] = append(routes[is.set], evoRoute{ProgType: pt, Filter: is.filter, Cond: conds[lineOf(m[0])]})
		}
		fmodret := map[string]bool{}
		for _, m := range evoFmodretRE.FindAllStringSubmatch(content, -1) {
			if is, ok := idsets[m[1]]; ok {
				fmodret[is.set] = true
			}
		}
		for _, e := range all {
			if e.File != p {
				continue
			}
			rs := routes[e.Set]
			if e.Set == "" || len(rs) == 0 || e.Macro != "BTF_KFUNCS_START" && e.Macro != "BTF_SET8_START" {
				why := "in " + e.Macro + "(" + e.Set + ") of " + p + ", which is not a registered kfunc set"
				switch {
				case e.Set == "":
					why = "a BTF_ID outside any set in " + p
				case fmodret[e.Set]:
					why = "in " + e.Macro + "(" + e.Set + ") of " + p + ", registered with register_btf_fmodret_id_set"
				}
				if _, seen := rel.NotKfunc[e.Name]; !seen {
					rel.NotKfunc[e.Name] = why
				}
				continue
			}
			k := rel.Kfuncs[e.Name]
			if k == nil {
				k = &evoKfunc{Name: e.Name}
				rel.Kfuncs[e.Name] = k
			}
			k.Entries = append(k.Entries, e.evoEntry)
			for _, r := range rs {
				r.Cond = evoAnd(e.Cond, r.Cond)
				k.Routes = append(k.Routes, r)
			}
			if e.Expanded != "" {
				rel.Expanded[e.Name] = e.Expanded
			}
		}
		for _, d := range evoDefinitions(p, content) {
			rel.Protos[d.name] = append(rel.Protos[d.name], d.proto)
		}
	}
	for name, k := range rel.Kfuncs {
		delete(rel.NotKfunc, name)
		ps := rel.Protos[name]
		for _, p := range ps {
			if p.Tagged {
				k.Proto = p
				break
			}
		}
		if k.Proto == nil && len(ps) > 0 {
			k.Proto = ps[0]
		}
	}
	for name, ps := range rel.Protos {
		if rel.Kfuncs[name] != nil || !slices.ContainsFunc(ps, func(p *evoProto) bool { return p.Tagged }) {
			continue
		}
		if why, ok := rel.NotKfunc[name]; ok {
			rel.NotKfunc[name] = "tagged __bpf_kfunc and " + why
		} else {
			rel.NotKfunc[name] = "tagged __bpf_kfunc but in no kfunc set"
		}
	}
	return rel
}

func evoAnd(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " && " + b
}

type evoDef struct {
	name  string
	proto *evoProto
}

// evoDefinitions finds the function definitions of a file: a head at the
// start of a line, a balanced parameter list, then "{".
func evoDefinitions(file, content string) []evoDef {
	var out []evoDef
	for _, m := range evoDefRE.FindAllStringSubmatchIndex(content, -1) {
		name := content[m[4]:m[5]]
		if evoNotNames[name] {
			continue
		}
		open := m[1] - 1
		depth, end := 0, -1
		for j := open; j < len(content); j++ {
			if content[j] == '(' {
				depth++
			} else if content[j] == ')' {
				depth--
				if depth == 0 {
					end = j
					break
				}
			}
		}
		if end < 0 || !strings.HasPrefix(strings.TrimLeft(content[end+1:], " \t\n"), "{") {
			continue
		}
		head := ""
		if m[2] >= 0 {
			head = content[m[2]:m[3]]
		} else {
			// "static int\nname(...)": the return type is the line above.
			before := strings.TrimRight(content[:m[0]], "\n")
			prev := before[strings.LastIndexByte(before, '\n')+1:]
			if !evoRetRE.MatchString(strings.TrimSpace(prev)) {
				continue
			}
			head = prev
		}
		p := &evoProto{File: file}
		var ret []string
		for _, w := range evoTokensRE.FindAllString(head, -1) {
			if w == "__bpf_kfunc" {
				p.Tagged = true
			}
			if !evoDropWords[w] {
				ret = append(ret, w)
			}
		}
		if len(ret) == 0 {
			continue
		}
		p.Ret = strings.Join(ret, " ")
		params := strings.TrimSpace(content[open+1 : end])
		if params != "" && params != "void" {
			for _, raw := range evoSplitTop(params) {
				p.Params = append(p.Params, evoParseParam(raw))
			}
		}
		out = append(out, evoDef{name, p})
	}
	return out
}

func evoSplitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
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

// evoParseParam splits "const struct bpf_dynptr *data_p" into its type
// and name; a function pointer keeps its whole text as the type.
func evoParseParam(raw string) evoParam {
	toks := evoTokensRE.FindAllString(raw, -1)
	if strings.Contains(raw, "(") || len(toks) < 2 {
		return evoParam{Type: strings.Join(toks, " ")}
	}
	last := toks[len(toks)-1]
	if last == "*" || last == "..." {
		return evoParam{Type: strings.Join(toks, " ")}
	}
	return evoParam{Type: strings.Join(toks[:len(toks)-1], " "), Name: last}
}
