// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// A kfunc set is registered for a program type, but the verifier looks
// kfuncs up by hook: register_btf_kfunc_id_set() files the set under
// bpf_prog_type_to_kfunc_hook(prog_type), and a program of type T may
// call what is filed under T's hook (kernel/bpf/btf.c,
// btf_kfunc_id_set_contains). From v6.2 the COMMON hook, where
// BPF_PROG_TYPE_UNSPEC registrations go, is looked in for every program
// type. The table changes across releases (6.1 files TRACING and LSM
// under one hook, 6.12 adds TRACEPOINT, PERF_EVENT and eleven more), so
// each release's own btf.c says which program types can call what.

// HookTable is one release's mapping of program types to kfunc hooks.
type HookTable struct {
	// Source says where the table was read: "kernel/bpf/btf.c of v6.6",
	// or the sourced table's provenance.
	Source string `json:"source"`
	// Hooks maps BPF_PROG_TYPE_* to BTF_KFUNC_HOOK_*.
	Hooks map[string]string `json:"hooks"`
	// Common names the hook every program type looks in first ("" when
	// the release has none).
	Common string `json:"common,omitempty"`
}

// AllProgTypes stands for every program type in a callable list.
const AllProgTypes = btfinfo.AllProgTypes

// maxHookSource bounds the btf.c read: 6.12's is 250 KB.
const maxHookSource = 8 << 20

var (
	hookFuncRE     = regexp.MustCompile(`\bbpf_prog_type_to_kfunc_hook\s*\(\s*enum\s+bpf_prog_type\s+\w+\s*\)\s*\{`)
	containsFuncRE = regexp.MustCompile(`\bbtf_kfunc_id_set_contains\s*\([^;{]*\)\s*\{`)
	caseRE         = regexp.MustCompile(`\bcase\s+(BPF_PROG_TYPE_\w+)\s*:|\breturn\s+(BTF_KFUNC_HOOK_\w+)\s*;|\bdefault\s*:`)
)

// ParseHookTable reads bpf_prog_type_to_kfunc_hook() from a release's
// kernel/bpf/btf.c: which hook each program type's kfuncs are filed
// under. It returns nil, nil when the file has no such function (a
// release before v5.18, or a tree that is no kernel).
func ParseHookTable(src []byte, source string) (*HookTable, error) {
	if len(src) > maxHookSource {
		return nil, fmt.Errorf("%s: %d bytes, more than a btf.c holds", source, len(src))
	}
	src = stripComments(src)
	body, ok := funcBody(src, hookFuncRE)
	if !ok {
		return nil, nil
	}
	t := &HookTable{Source: source, Hooks: map[string]string{}}
	var pending []string
	for _, m := range caseRE.FindAllSubmatch(body, -1) {
		switch {
		case len(m[1]) > 0:
			pending = append(pending, string(m[1]))
		case len(m[2]) > 0:
			for _, pt := range pending {
				if _, dup := t.Hooks[pt]; !dup {
					t.Hooks[pt] = string(m[2])
				}
			}
			pending = nil
		default:
			// The default case files nothing (BTF_KFUNC_HOOK_MAX).
			pending = nil
		}
	}
	if len(t.Hooks) == 0 {
		return nil, fmt.Errorf("%s: bpf_prog_type_to_kfunc_hook() maps no program type", source)
	}
	for pt, h := range t.Hooks {
		if h == "BTF_KFUNC_HOOK_MAX" {
			delete(t.Hooks, pt)
		}
	}
	// The COMMON hook counts for every program type only where the
	// lookup asks it first.
	if common := t.Hooks[AllProgTypes]; common != "" {
		if cb, ok := funcBody(src, containsFuncRE); ok && bytes.Contains(cb, []byte(common)) {
			t.Common = common
		}
	}
	return t, nil
}

// funcBody returns the body of the function whose head re finds.
func funcBody(src []byte, re *regexp.Regexp) ([]byte, bool) {
	loc := re.FindIndex(src)
	if loc == nil {
		return nil, false
	}
	depth := 0
	for i := loc[1] - 1; i < len(src); i++ {
		switch src[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return src[loc[1]:i], true
			}
		}
	}
	return nil, false
}

// stripComments blanks C comments, keeping the text's length.
func stripComments(src []byte) []byte {
	if !bytes.Contains(src, []byte("/*")) && !bytes.Contains(src, []byte("//")) {
		return src
	}
	out := bytes.Clone(src)
	for i := 0; i < len(out)-1; i++ {
		switch {
		case out[i] == '/' && out[i+1] == '*':
			j := bytes.Index(out[i+2:], []byte("*/"))
			end := len(out)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			for k := i; k < end; k++ {
				if out[k] != '\n' {
					out[k] = ' '
				}
			}
			i = end - 1
		case out[i] == '/' && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case out[i] == '"':
			// Skip string literals: "//" inside one is no comment.
			for i++; i < len(out) && out[i] != '"' && out[i] != '\n'; i++ {
				if out[i] == '\\' {
					i++
				}
			}
		}
	}
	return out
}

// Callable returns the program types that can call a kfunc registered for
// regTypes: every type filed under the same hook as one of them, and
// every type at all (AllProgTypes) for a registration under the common
// hook. Registration types the table does not map file nothing.
func (t *HookTable) Callable(regTypes []string) []string {
	hooks := map[string]bool{}
	for _, rt := range regTypes {
		h := t.Hooks[rt]
		if h == "" {
			continue
		}
		if h == t.Common {
			return []string{AllProgTypes}
		}
		hooks[h] = true
	}
	var out []string
	for pt, h := range t.Hooks {
		if hooks[h] && pt != AllProgTypes {
			out = append(out, pt)
		}
	}
	slices.Sort(out)
	return out
}

// ProgTypeName shortens BPF_PROG_TYPE_TRACING to TRACING for display.
func ProgTypeName(pt string) string {
	if pt == AllProgTypes {
		return "all program types"
	}
	return strings.TrimPrefix(pt, "BPF_PROG_TYPE_")
}

// routeLimits lists what narrows a kfunc's registrations: the sets'
// filters and the preprocessor conditions on entries and registrations.
func routeLimits(a *model.Availability) (filters, conds []string) {
	if a == nil {
		return nil, nil
	}
	for _, r := range a.Routes {
		if r.Filter != "" && !slices.Contains(filters, r.Filter) {
			filters = append(filters, r.Filter)
		}
		if r.Cond != "" && !slices.Contains(conds, r.Cond) {
			conds = append(conds, r.Cond)
		}
	}
	slices.Sort(filters)
	slices.Sort(conds)
	return filters, conds
}

// applyHooks derives each kfunc's callable program types from its
// registrations through the release's hook table.
func (r *Release) applyHooks(t *HookTable, why string) {
	r.Hooks = t
	if t == nil {
		r.CallableSource = why
		return
	}
	r.CallableSource = t.Source
	for _, c := range r.Kfuncs {
		if c.ProgTypes == nil {
			continue
		}
		c.CallableFrom = t.Callable(c.ProgTypes)
		if c.CallableFrom == nil {
			c.CallableFrom = []string{}
		}
	}
}

// btfC is where a kernel tree defines its kfunc hooks.
const btfC = "kernel/bpf/btf.c"

// hookTables reads each release's hook table from its kernel/bpf/btf.c:
// the first release's from its tree, each later one's only when the file
// changed since the release before. why[i] says why table i is nil.
func hookTables(src defSource, ids, names []string) (tables []*HookTable, why []string) {
	tables, why = make([]*HookTable, len(ids)), make([]string, len(ids))
	blob := ""
	for i, id := range ids {
		var err error
		if i == 0 {
			var files []gitrepo.FileBlob
			files, err = src.TreeFiles(id, func(p string) bool { return p == btfC })
			if len(files) == 1 {
				blob = files[0].Blob
			}
		} else {
			var ch []gitrepo.FileChange
			ch, err = src.Changes(ids[i-1], id, func(p string) bool { return p == btfC })
			if len(ch) == 1 {
				blob = ch[0].Blob
			} else if i > 0 && tables[i-1] != nil && err == nil {
				t := *tables[i-1]
				t.Source = btfC + " of " + names[i]
				tables[i] = &t
				continue
			}
		}
		switch {
		case err != nil:
			why[i] = fmt.Sprintf("%s of %s could not be read: %v", btfC, names[i], err)
			continue
		case blob == "":
			why[i] = names[i] + " has no " + btfC + ": the program types that can call are not known"
			continue
		}
		data, err := src.Blob(blob)
		if err != nil {
			why[i] = fmt.Sprintf("%s of %s could not be read: %v", btfC, names[i], err)
			continue
		}
		t, err := ParseHookTable(data, btfC+" of "+names[i])
		switch {
		case err != nil:
			why[i] = err.Error()
		case t == nil:
			why[i] = btfC + " of " + names[i] + " has no bpf_prog_type_to_kfunc_hook(): the program types that can call are not known"
		}
		tables[i] = t
	}
	return tables, why
}
