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

// String renders the prototype as one line of C.
func (p *Proto) String() string {
	var b strings.Builder
	b.WriteString(p.Return)
	if !strings.HasSuffix(p.Return, "*") {
		b.WriteByte(' ')
	}
	b.WriteString(p.Name)
	b.WriteByte('(')
	for i, pa := range p.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pa.Type)
		if pa.Name != "" {
			if !strings.HasSuffix(pa.Type, "*") {
				b.WriteByte(' ')
			}
			b.WriteString(pa.Name)
		}
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
	b.WriteByte(')')
	return b.String()
}

// KfuncState is what one side of a patch shows of a kfunc: its set entries
// and its definition. Either may be missing when not visible.
type KfuncState struct {
	Entries []Entry
	Proto   *Proto
	// Doc is the kfunc's kernel-doc comment as far as it is visible ("" when
	// it is not), found above the definition or by its "name() -" header.
	Doc string
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
}

// NewSnapshot returns an empty snapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{Entries: map[string][]Entry{}, Protos: map[string]*Proto{}, Docs: map[string]string{}}
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
	return &KfuncState{Entries: es, Proto: p, Doc: d}
}
