// SPDX-License-Identifier: GPL-2.0-only

package model

import (
	"slices"
	"strings"
)

// Pos is a place in a file of the kernel tree, with the line of the patch
// that shows it.
type Pos struct {
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	PatchLine int    `json:"-"`
}

// Entry is one kfunc set entry: BTF_ID_FLAGS(func, name, flags) or, in the
// v5.18 style, BTF_ID(func, name) inside a BTF_SET.
type Entry struct {
	Name  string
	Set   string   // enclosing set; "" when the set start is not visible
	Macro string   // BTF_ID_FLAGS or BTF_ID
	Flags []string // sorted, de-duplicated KF_* tokens and any other terms
	Cond  string   // enclosing preprocessor condition, "" when none
	Pos   Pos
	Text  string // the entry as written, joined onto one line
	// Guess says why the enclosing set was taken as a kfunc set without
	// a visible registration ("declared with BTF_SET8_START; its
	// registration is not in view"); "" when a registration was seen or
	// the declaration decides it.
	Guess string
}

// HasFlag reports whether the entry carries flag.
func (e Entry) HasFlag(flag string) bool { return slices.Contains(e.Flags, flag) }

// FlagString renders the flags as in source: "KF_A | KF_B", or "0".
func (e Entry) FlagString() string {
	if len(e.Flags) == 0 {
		return "0"
	}
	return strings.Join(e.Flags, " | ")
}

// Param is one parameter of a kfunc prototype.
type Param struct {
	Type   string // normalised C type, without the name
	Name   string
	Suffix string // the verifier-read name suffix such as "__sz", "" when none
}

// Proto is a kfunc's C prototype as found at its definition.
type Proto struct {
	Name     string
	Return   string
	Params   []Param
	Variadic bool
	Tagged   bool   // written with __bpf_kfunc
	Doc      string // the comment block right above the definition
	Pos      Pos
	Text     string // the prototype joined onto one line
}

// String renders the prototype as one line of C, in the spelling it was
// read in: names sit inside their declarators, so that a function pointer
// parameter reads "int (*cb)(void *)" and an array "char buf[16]".
func (p *Proto) String() string {
	var b strings.Builder
	for i, pa := range p.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Declare(pa.Type, pa.Name))
	}
	if p.Variadic {
		if len(p.Params) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("...")
	}
	if len(p.Params) == 0 && !p.Variadic {
		b.WriteString("void")
	}
	return Declare(p.Return, p.Name+"("+b.String()+")")
}

// Declare writes a declaration of name with a type written without one,
// as C places it: "struct task_struct *" and "p" give "struct task_struct
// *p"; "int (*)(void *)" and "cb" give "int (*cb)(void *)"; "char[16]"
// and "buf" give "char buf[16]". An empty name leaves the type as it is.
func Declare(typ, name string) string {
	if name == "" {
		return typ
	}
	if at := declaratorSlot(typ); at >= 0 {
		return typ[:at] + name + typ[at:]
	}
	if i := strings.IndexByte(typ, '['); i >= 0 {
		return strings.TrimRight(typ[:i], " ") + " " + name + typ[i:]
	}
	if strings.HasSuffix(typ, "*") {
		return typ + name
	}
	return typ + " " + name
}

// declaratorSlot finds where a name goes in a type with a parenthesised
// declarator, "int (*)(void *)" or "bool ()(int)": before the closing
// parenthesis of the first group holding only pointers and qualifiers.
// -1 when the type has none.
func declaratorSlot(typ string) int {
	for i := 0; i < len(typ); i++ {
		if typ[i] != '(' {
			continue
		}
		j := i + 1
		for j < len(typ) && typ[j] != ')' && typ[j] != '(' {
			j++
		}
		if j == len(typ) || typ[j] == '(' {
			continue
		}
		if IsDeclaratorGroup(typ[i+1 : j]) {
			return j
		}
	}
	return -1
}

// IsDeclaratorGroup reports whether the inside of a parenthesised group
// holds only pointers and qualifiers ("*", "* const", ""): where a
// function pointer's or an array pointer's name goes.
func IsDeclaratorGroup(s string) bool {
	for _, w := range strings.Fields(strings.ReplaceAll(s, "*", " * ")) {
		switch w {
		case "*", "const", "volatile", "restrict":
		default:
			return false
		}
	}
	return true
}

// KfuncState is what one side of a patch shows of a kfunc: its set entries
// and its definition. Either may be missing when not visible.
type KfuncState struct {
	Entries []Entry
	Proto   *Proto
	// Avail is where the kfunc is callable from; nil when nothing of its
	// registrations is known.
	Avail *Availability
	// Doc is the kfunc's kernel-doc comment as far as it is visible ("" when
	// it is not), found above the definition or by its "name() -" header.
	Doc string
}

// AllEntries returns the kfunc's set entries; nil-safe.
func (s *KfuncState) AllEntries() []Entry {
	if s == nil {
		return nil
	}
	return s.Entries
}

// Prototype returns the kfunc's definition; nil-safe.
func (s *KfuncState) Prototype() *Proto {
	if s == nil {
		return nil
	}
	return s.Proto
}

// DocComment returns the kfunc's kernel-doc comment; nil-safe.
func (s *KfuncState) DocComment() string {
	if s == nil {
		return ""
	}
	return s.Doc
}

// Availability returns where the kfunc is callable from; nil-safe.
func (s *KfuncState) Availability() *Availability {
	if s == nil {
		return nil
	}
	return s.Avail
}

// HasFlag reports whether any entry carries flag.
func (s *KfuncState) HasFlag(flag string) bool {
	if s == nil {
		return false
	}
	for _, e := range s.Entries {
		if e.HasFlag(flag) {
			return true
		}
	}
	return false
}

// Snapshot is the kfunc view of one side of a patch (pre-image or
// post-image), over every touched file.
type Snapshot struct {
	Entries map[string][]Entry
	Protos  map[string]*Proto
	// Docs maps function names to the kernel-doc comments that name them.
	Docs map[string]string
	// Avail maps kfunc names to where they are callable from.
	Avail map[string]*Availability
}

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{Entries: map[string][]Entry{}, Protos: map[string]*Proto{}, Docs: map[string]string{},
		Avail: map[string]*Availability{}}
}

// State returns the state of kfunc name in the snapshot, nil when the
// snapshot shows nothing of it.
func (s *Snapshot) State(name string) *KfuncState {
	es, p, d := s.Entries[name], s.Protos[name], s.Docs[name]
	if len(es) == 0 && p == nil && d == "" {
		return nil
	}
	if d == "" && p != nil {
		d = p.Doc
	}
	return &KfuncState{Entries: es, Proto: p, Doc: d, Avail: s.Avail[name]}
}

// SetDecl is the start macro of a BTF id set as written in source.
type SetDecl struct {
	Name  string
	Macro string // BTF_KFUNCS_START, BTF_SET8_START, BTF_SET_START, ...
	Cond  string
	Pos   Pos
}

// IDSet is a struct btf_kfunc_id_set: the id sets it bundles, by field
// ("set", or in the v5.18 style "check_set", "acquire_set", ...), and its
// filter callback.
type IDSet struct {
	Name   string
	Sets   map[string]string // field -> id set name
	Filter string
	Pos    Pos
}

// Registration is one call that registers a struct btf_kfunc_id_set:
// register_btf_kfunc_id_set(PROG_TYPE, &id_set) or
// register_btf_fmodret_id_set(&id_set).
type Registration struct {
	Func     string
	ProgType string // BPF_PROG_TYPE_*; "" for fmod_ret registrations
	IDSet    string
	Cond     string
	Pos      Pos
	Text     string // the call as written, joined onto one line
}

// Route is one way BPF programs reach a kfunc: a set registered for a
// program type, maybe narrowed by the set's filter and by preprocessor
// conditions on the entry and the registration.
type Route struct {
	ProgType string // BPF_PROG_TYPE_UNSPEC means every program type
	Filter   string
	Cond     string
	Set      string
}

// Availability is where a kfunc is callable from, as far as the source
// seen shows it.
type Availability struct {
	Routes []Route
	// Complete is true when the registrations of every kfunc set holding
	// the kfunc were seen: Routes is then all there is.
	Complete bool
}

// ProgTypes returns the program types of the routes, sorted, without
// duplicates.
func (a *Availability) ProgTypes() []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, r := range a.Routes {
		out = append(out, r.ProgType)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
