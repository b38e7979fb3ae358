// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// BTF read from a file is hostile: a CONST may point at a VOLATILE that
// points back, a FUNC_PROTO may take a pointer to itself, and types may
// share parts so that writing them out doubles at every level. cilium/ebpf
// loads such BTF lazily and without complaint; the kernel refuses it
// (kernel/bpf/btf.c, btf_check_all_types: "Loop detected"). Every walk
// over a type here is bounded by these, and a type that breaks them is an
// error naming it, never a crash.
const (
	// maxTypeDepth bounds a declarator's nesting: modifiers, pointers,
	// arrays and prototypes inside prototypes. Real kernel types nest a
	// handful of levels; libbpf gives up at 32 (relo_core.c,
	// __bpf_core_types_are_compat).
	maxTypeDepth = 32
	// maxTypeNodes bounds the types one prototype's rendering visits,
	// shared parts counted each time: a real kfunc visits a few dozen.
	maxTypeNodes = 1 << 16
)

// typeError says why a type cannot be written out.
type typeError struct {
	id   string // the type that broke the bound, "[12] CONST"
	what string
}

func (e *typeError) Error() string { return "type " + e.id + ": " + e.what }

// typeID names a type in messages by kind and name (cilium/ebpf's types
// carry no id once loaded).
func typeID(t btf.Type) string {
	kind := strings.TrimPrefix(fmt.Sprintf("%T", t), "*btf.")
	if n := t.TypeName(); n != "" {
		return kind + " " + n
	}
	return kind
}

// cwriter writes BTF types as C declarations. Two spellings:
//   - the kernel's (canon false): typedef names kept, integers as BTF
//     names them, as bpftool writes vmlinux.h ("u64", "struct task_struct *");
//   - the canonical one (canon true), for comparisons: typedefs followed,
//     integers named by width and signedness ("u64", "s32", "bool", "char"),
//     so that clang's "unsigned long long", gcc's "long long unsigned int"
//     and a typedef to either compare equal.
type cwriter struct {
	canon bool
	left  int        // nodes left to visit
	path  []btf.Type // the types being written, outermost first
	err   *typeError
}

func newWriter(canon bool) *cwriter { return &cwriter{canon: canon, left: maxTypeNodes} }

// fail records the first error; it returns a placeholder that keeps the
// text C-shaped.
func (w *cwriter) fail(t btf.Type, what string) string {
	if w.err == nil {
		w.err = &typeError{id: typeID(t), what: what}
	}
	return "void"
}

// intName names an integer by width and signedness.
func intName(v *btf.Int) string {
	switch {
	case v.Encoding == btf.Bool:
		return "bool"
	case v.Name == "char":
		// Plain char is its own type in C, signed or not by target.
		return "char"
	}
	sign := "u"
	if v.Encoding == btf.Signed {
		sign = "s"
	}
	return fmt.Sprintf("%s%d", sign, v.Size*8)
}

// declare writes a declaration of name with type t: "struct task_struct
// *p", "int (*cb)(void *, int *)". depth counts the declarators around it.
func (w *cwriter) declare(t btf.Type, name string, depth int) string {
	var quals []string // qualifiers of the base type
	defer func(n int) { w.path = w.path[:n] }(len(w.path))
	for ; ; depth++ {
		if w.err != nil {
			return "void"
		}
		w.left--
		switch {
		case w.left < 0:
			return w.fail(t, fmt.Sprintf("writing it out visits more than %d types", maxTypeNodes))
		case depth > maxTypeDepth:
			for _, s := range w.path {
				if s == t {
					return w.fail(t, "it refers to itself (a loop the kernel refuses)")
				}
			}
			return w.fail(t, fmt.Sprintf("it nests deeper than %d levels", maxTypeDepth))
		}
		w.path = append(w.path, t)
		base := ""
		switch v := t.(type) {
		case nil, *btf.Void:
			base = "void"
		case *btf.Int:
			base = v.Name
			if w.canon {
				base = intName(v)
			}
		case *btf.Float:
			base = v.Name
		case *btf.Typedef:
			if w.canon {
				t = v.Type
				continue
			}
			base = v.Name
		case *btf.Struct:
			base = "struct " + orAnon(v.Name)
		case *btf.Union:
			base = "union " + orAnon(v.Name)
		case *btf.Enum:
			base = "enum " + orAnon(v.Name)
		case *btf.Fwd:
			kw := "struct"
			if v.Kind == btf.FwdUnion {
				kw = "union"
			}
			base = kw + " " + orAnon(v.Name)
		case *btf.Pointer:
			switch v.Target.(type) {
			case *btf.Array, *btf.FuncProto:
				name = "(*" + name + ")"
			default:
				name = "*" + name
			}
			t = v.Target
			continue
		case *btf.Const, *btf.Volatile, *btf.Restrict:
			q, inner := qualifier(v)
			if w.canon {
				// Qualifiers do not change what a caller passes.
				t = inner
				continue
			}
			if _, ptr := inner.(*btf.Pointer); ptr {
				name = q + " " + name
			} else {
				quals = append(quals, q)
			}
			t = inner
			continue
		case *btf.TypeTag:
			t = v.Type
			continue
		case *btf.Array:
			name = fmt.Sprintf("%s[%d]", name, v.Nelems)
			t = v.Type
			continue
		case *btf.FuncProto:
			name = name + "(" + w.params(v, depth+1) + ")"
			t = v.Return
			continue
		default:
			return w.fail(t, "not a type a declaration can hold")
		}
		if len(quals) > 0 {
			base = strings.Join(quals, " ") + " " + base
		}
		switch {
		case name == "":
			return base
		case strings.HasPrefix(name, "["):
			return base + name
		}
		return base + " " + name
	}
}

// qualifier returns a modifier's keyword and the type it modifies.
func qualifier(t btf.Type) (string, btf.Type) {
	switch v := t.(type) {
	case *btf.Const:
		return "const", v.Type
	case *btf.Volatile:
		return "volatile", v.Type
	case *btf.Restrict:
		return "restrict", v.Type
	}
	return "", t
}

func orAnon(name string) string {
	if name == "" {
		return "(anon)"
	}
	return name
}

// isVariadic tells the unnamed void last parameter BTF writes for "...".
func isVariadic(fp *btf.FuncProto, i int) bool {
	p := fp.Params[i]
	if i != len(fp.Params)-1 || p.Name != "" {
		return false
	}
	_, void := p.Type.(*btf.Void)
	return void || p.Type == nil
}

func (w *cwriter) params(fp *btf.FuncProto, depth int) string {
	if len(fp.Params) == 0 {
		return "void"
	}
	ps := make([]string, 0, len(fp.Params))
	for i, p := range fp.Params {
		if isVariadic(fp, i) {
			ps = append(ps, "...")
			continue
		}
		ps = append(ps, w.declare(p.Type, p.Name, depth))
	}
	return strings.Join(ps, ", ")
}

// Prototype renders a function as bpftool does for kfuncs in vmlinux.h,
// in the kernel's spelling. A type that loops or nests without bound is
// an error naming it.
func Prototype(f *btf.Func) (string, error) {
	w := newWriter(false)
	s := w.prototype(f)
	if w.err != nil {
		return "", fmt.Errorf("%s: %w", f.Name, w.err)
	}
	return s, nil
}

func (w *cwriter) prototype(f *btf.Func) string {
	fp, ok := f.Type.(*btf.FuncProto)
	if !ok {
		return f.Name + "()"
	}
	return w.declare(fp.Return, f.Name+"("+w.params(fp, 1)+")", 1)
}

// modelProto turns a BTF function into the model's prototype. With canon
// false it keeps the kernel's spelling (its String() is the C bpftool
// writes), for every output; with canon true it follows typedefs and names
// integers by width, so that the C engine's comparison sees through
// spellings. intern, when given, shares equal type strings between the
// prototypes of one file (a kernel's thousands of "struct task_struct *").
func modelProto(f *btf.Func, file string, canon bool, intern map[string]string) (*model.Proto, error) {
	w := newWriter(canon)
	share := func(s string) string {
		if intern == nil {
			return s
		}
		if t, ok := intern[s]; ok {
			return t
		}
		intern[s] = s
		return s
	}
	p := &model.Proto{Name: f.Name, Tagged: true, Pos: model.Pos{File: file}}
	if fp, ok := f.Type.(*btf.FuncProto); ok {
		p.Return = share(w.declare(fp.Return, "", 1))
		p.Params = make([]model.Param, 0, len(fp.Params))
		for i, pa := range fp.Params {
			if isVariadic(fp, i) {
				p.Variadic = true
				continue
			}
			param := model.Param{Type: share(w.declare(pa.Type, "", 2)), Name: pa.Name}
			for _, s := range cscan.KnownSuffixes {
				if len(pa.Name) > len(s) && strings.HasSuffix(pa.Name, s) {
					param.Suffix = s
					break
				}
			}
			p.Params = append(p.Params, param)
		}
	}
	if w.err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, w.err)
	}
	p.Text = p.String()
	return p, nil
}
