// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// This file is the one rule by which a BPF program's kfunc calls are
// judged against a kernel, for `btf compat` and `history --uses` alike:
// libbpf's, as libbpf applies it when it loads the program. The rule's
// parts and their sources (libbpf v1.x, src/libbpf.c and src/relo_core.c;
// the test oracle in libbpf_test.go cites each):
//
//   - The extern's name loses a "___flavor" suffix before the lookup
//     (bpf_object__collect_externs, bpf_core_essential_name_len).
//   - The lookup finds any FUNC of that name in vmlinux's BTF, then in the
//     modules' (find_ksym_btf_id); a kfunc the kernel does not have leaves
//     a __weak extern unresolved (address 0, bpf_ksym_exists() false) and
//     fails a strong one (bpf_object__resolve_ksym_func_btf_id).
//   - The program's prototype must be compatible with the kernel's
//     (bpf_core_types_are_compat): an incompatible one leaves a weak
//     extern unresolved and fails a strong one.
//   - Compatible (__bpf_core_types_are_compat) skips modifiers and
//     typedefs, then wants the same kind on both sides (any two enums
//     match); integers match any integer, whatever their width or sign;
//     structs, unions, enums and forward declarations match by kind
//     alone, names unread; pointers and arrays match when their targets
//     do; prototypes when they have as many parameters, each compatible,
//     and compatible return types. Any other kind (float) does not match,
//     and neither does a type nested deeper than 32 levels.
//
// What libbpf accepts the verifier may still refuse: it checks each
// argument against the kernel's prototype. Differences libbpf lets
// through are listed as notes on a "compatible" verdict, never as a
// failure.

// EssentialName is an extern's name as libbpf looks it up: without the
// last "___flavor" suffix, where "___" sits between two characters that
// are not underscores.
func EssentialName(name string) string {
	for i := len(name) - 5; i >= 0; i-- {
		if name[i] != '_' && name[i+1] == '_' && name[i+2] == '_' && name[i+3] == '_' && name[i+4] != '_' {
			return name[:i+1]
		}
	}
	return name
}

// ShapeKind is a BTF kind as libbpf's compatibility rule tells kinds apart.
type ShapeKind uint8

// Shape kinds. ShapeUnknown is a type the reader could not resolve (a
// typedef named in source whose definition it has not seen).
const (
	ShapeUnknown ShapeKind = iota
	ShapeVoid
	ShapeInt
	ShapePtr
	ShapeArray
	ShapeStruct
	ShapeUnion
	ShapeEnum
	ShapeFwd
	ShapeFuncProto
	ShapeFloat
)

var shapeKindNames = [...]string{"unknown", "void", "integer", "pointer", "array", "struct", "union", "enum", "forward declaration", "function prototype", "float"}

func (k ShapeKind) String() string { return shapeKindNames[k] }

// Shape is a type with modifiers and typedefs skipped, as libbpf compares
// it.
type Shape struct {
	Kind ShapeKind
	// Spell names the type for notes: "u32", "struct task_struct".
	Spell  string
	Elem   *Shape   // the target of a pointer, the element of an array
	Params []*Shape // a prototype's parameters
	Ret    *Shape   // a prototype's return type
}

// shapeOfFunc reads a FUNC's prototype as a shape.
func shapeOfFunc(fn *btf.Func) (*Shape, error) {
	b := shapeBuilder{left: maxTypeNodes}
	s := b.shape(fn.Type, 0)
	if b.err != nil {
		return nil, b.err
	}
	return s, nil
}

type shapeBuilder struct {
	left int
	err  error
	path []btf.Type
}

// shape follows t past modifiers and typedefs, bounded as the C writer
// is; a loop is an error, and a type past libbpf's depth is a shape
// that matches nothing (ShapeFloat stands for "no match").
func (b *shapeBuilder) shape(t btf.Type, depth int) *Shape {
	defer func(n int) { b.path = b.path[:n] }(len(b.path))
	for ; ; depth++ {
		b.left--
		if b.err != nil {
			return &Shape{Kind: ShapeUnknown}
		}
		if b.left < 0 || depth > 4*maxTypeDepth {
			what := fmt.Sprintf("it nests deeper than %d levels", 4*maxTypeDepth)
			if b.left < 0 {
				what = fmt.Sprintf("reading it visits more than %d types", maxTypeNodes)
			}
			if slices.Contains(b.path, t) {
				what = "it refers to itself (a loop the kernel refuses)"
			}
			b.err = &typeError{id: typeID(t), what: what}
			return &Shape{Kind: ShapeUnknown}
		}
		b.path = append(b.path, t)
		switch v := t.(type) {
		case nil, *btf.Void:
			return &Shape{Kind: ShapeVoid, Spell: "void"}
		case *btf.Int:
			return &Shape{Kind: ShapeInt, Spell: intName(v)}
		case *btf.Float:
			return &Shape{Kind: ShapeFloat, Spell: v.Name}
		case *btf.Typedef:
			t = v.Type
		case *btf.Const:
			t = v.Type
		case *btf.Volatile:
			t = v.Type
		case *btf.Restrict:
			t = v.Type
		case *btf.TypeTag:
			t = v.Type
		case *btf.Struct:
			return &Shape{Kind: ShapeStruct, Spell: "struct " + orAnon(v.Name)}
		case *btf.Union:
			return &Shape{Kind: ShapeUnion, Spell: "union " + orAnon(v.Name)}
		case *btf.Enum:
			return &Shape{Kind: ShapeEnum, Spell: "enum " + orAnon(v.Name)}
		case *btf.Fwd:
			kw := "struct"
			if v.Kind == btf.FwdUnion {
				kw = "union"
			}
			return &Shape{Kind: ShapeFwd, Spell: kw + " " + orAnon(v.Name)}
		case *btf.Pointer:
			return &Shape{Kind: ShapePtr, Elem: b.shape(v.Target, depth+1)}
		case *btf.Array:
			return &Shape{Kind: ShapeArray, Elem: b.shape(v.Type, depth+1), Spell: "[" + strconv.Itoa(int(v.Nelems)) + "]"}
		case *btf.FuncProto:
			s := &Shape{Kind: ShapeFuncProto}
			for i, p := range v.Params {
				if isVariadic(v, i) {
					// BTF writes "..." as a last void parameter, and
					// libbpf compares it as one (void with void).
					s.Params = append(s.Params, &Shape{Kind: ShapeVoid, Spell: "..."})
					continue
				}
				s.Params = append(s.Params, b.shape(p.Type, depth+1))
			}
			s.Ret = b.shape(v.Return, depth+1)
			return s
		default:
			// FUNC, VAR, DATASEC, DECL_TAG: no prototype holds them.
			return &Shape{Kind: ShapeUnknown, Spell: typeID(t)}
		}
	}
}

// String writes a shape as C without names: "struct task_struct *".
func (s *Shape) String() string {
	switch s.Kind {
	case ShapePtr:
		if s.Elem.Kind == ShapeFuncProto {
			return s.Elem.Ret.String() + " (*)(" + s.Elem.paramList() + ")"
		}
		e := s.Elem.String()
		if strings.HasSuffix(e, "*") {
			return e + "*"
		}
		return e + " *"
	case ShapeArray:
		return s.Elem.String() + s.Spell
	case ShapeFuncProto:
		return s.Ret.String() + " (" + s.paramList() + ")"
	case ShapeUnknown:
		if s.Spell == "" {
			return "an unknown type"
		}
	}
	return s.Spell
}

func (s *Shape) paramList() string {
	var ps []string
	for _, p := range s.Params {
		ps = append(ps, p.String())
	}
	if len(ps) == 0 {
		return "void"
	}
	return strings.Join(ps, ", ")
}

// libbpfDepth is __bpf_core_types_are_compat's bound, both on the steps
// through pointers and arrays one call takes (depth) and on how deep
// prototypes nest in parameters (level).
const libbpfDepth = 32

// compatResult is what libbpf's rule says of a program's prototype
// against a kernel's: whether libbpf accepts it, why not, notes on
// differences it accepts, and the places the rule could not judge (an
// unknown shape on either side).
type compatResult struct {
	ok      bool
	why     string
	notes   []string
	unknown []string
}

// compat mirrors __bpf_core_types_are_compat(local, targ, level): one
// call walks pointers, arrays and a prototype's return type in a loop
// that counts down from 32, and compares each parameter in a call of its
// own at level-1.
func (r *compatResult) compat(local, targ *Shape, level int, what string) bool {
	fail := func(format string, a ...any) bool {
		r.ok, r.why = false, fmt.Sprintf(format, a...)
		return false
	}
	for depth := libbpfDepth; ; {
		depth--
		if depth < 0 {
			return fail("%s: nested deeper than libbpf compares (%d levels)", orProto(what), libbpfDepth)
		}
		if local.Kind == ShapeUnknown || targ.Kind == ShapeUnknown {
			r.unknown = append(r.unknown, fmt.Sprintf("%s: %s in the program, %s in the kernel", orProto(what), local, targ))
			return true
		}
		if local.Kind != targ.Kind {
			return fail("%s: %s in the program, %s in the kernel (libbpf wants the same kind: %s, %s)", orProto(what), local, targ, local.Kind, targ.Kind)
		}
		switch local.Kind {
		case ShapeVoid:
			return true
		case ShapeStruct, ShapeUnion, ShapeEnum, ShapeFwd:
			if local.Spell != targ.Spell {
				r.notes = append(r.notes, fmt.Sprintf("%s: %s in the program, %s in the kernel (libbpf compares only the kind; the verifier checks the argument)", orProto(what), local, targ))
			}
			return true
		case ShapeInt:
			if local.Spell != targ.Spell {
				r.notes = append(r.notes, fmt.Sprintf("%s: %s in the program, %s in the kernel (libbpf takes any integer for any integer)", orProto(what), local, targ))
			}
			return true
		case ShapePtr, ShapeArray:
			local, targ = local.Elem, targ.Elem
			if !strings.HasSuffix(what, " target") {
				what += " target"
			}
		case ShapeFuncProto:
			if len(local.Params) != len(targ.Params) {
				return fail("%s: %d parameters in the program, %d in the kernel", orProto(what), len(local.Params), len(targ.Params))
			}
			for i := range local.Params {
				w := strings.TrimSpace(fmt.Sprintf("%s parameter %d", what, i+1))
				if level <= 0 {
					return fail("%s: prototypes nested deeper than libbpf compares (%d levels)", w, libbpfDepth)
				}
				if !r.compat(local.Params[i], targ.Params[i], level-1, w) {
					return false
				}
			}
			local, targ = local.Ret, targ.Ret
			what = strings.TrimSpace(what + " return type")
		default:
			// Float and anything else: libbpf's "unexpected kind".
			return fail("%s: %s, a kind libbpf does not compare", orProto(what), local)
		}
	}
}

func orProto(what string) string {
	if what == "" {
		return "prototype"
	}
	return what
}

// libbpfCompat applies libbpf's rule to a program's prototype and a
// kernel's (bpf_core_types_are_compat: level 32).
func libbpfCompat(local, targ *Shape) *compatResult {
	r := &compatResult{ok: true}
	r.compat(local, targ, libbpfDepth, "")
	return r
}

// AllProgTypes stands for every program type in a callable list, as
// BPF_PROG_TYPE_UNSPEC does in a registration.
const AllProgTypes = "BPF_PROG_TYPE_UNSPEC"

// Tri is yes, no or unknown.
type Tri int8

// Tri values.
const (
	Unknown Tri = iota
	Yes
	No
)

// Offer is what a kernel has under one name, for one program's call.
type Offer struct {
	// Found is true when the kernel has a function of the name.
	Found bool
	// Kfunc says whether that function is a kfunc; Unknown when the
	// kernel's view cannot tell (raw BTF without decl tags).
	Kfunc Tri
	// Prototype is the kernel's, in its spelling.
	Prototype string
	// Shape is the kernel's prototype as libbpf compares it; nil when
	// not known.
	Shape *Shape
	// Callable is the program types that may call the kfunc, nil when
	// the kernel's view cannot tell; Filtered names the sets' filters
	// that narrow it further.
	Callable []string
	Filtered []string
	// CallableFrom says where Callable came from ("kernel/bpf/btf.c of
	// v6.6"), or why it is unknown.
	CallableFrom string
}

// Verdict statuses.
const (
	StatusOK           = "ok"           // present, the same prototype
	StatusCompatible   = "compatible"   // present, differences libbpf accepts
	StatusIncompatible = "incompatible" // libbpf refuses the prototype
	StatusMissing      = "missing"      // no function of the name
	StatusNotKfunc     = "not-kfunc"    // a function the verifier will not let programs call
	StatusNotCallable  = "not-callable" // a kfunc none of the program's types may call
)

// Verdict is what a kernel offers for one use.
type Verdict struct {
	Use    *Use   `json:"use"`
	Status string `json:"status"`
	// Loads is false when this kfunc keeps the program from loading.
	Loads  bool   `json:"loads"`
	Kernel string `json:"kernel_prototype,omitempty"`
	// Reasons say why the status is what it is; Notes list differences
	// that do not stop the load; Unknown what the rule could not judge.
	Reasons []string `json:"reasons,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	Unknown []string `json:"unknown,omitempty"`
}

// Judge applies the rule to one use and what a kernel offers for it;
// progTypes are the program's types (nil when unknown).
func Judge(u *Use, o Offer, progTypes []string) Verdict {
	v := Verdict{Use: u, Status: StatusOK, Loads: true, Kernel: o.Prototype}
	switch {
	case !o.Found:
		v.Status, v.Loads = StatusMissing, u.Weak
		if u.Weak {
			v.Reasons = append(v.Reasons, "weak: libbpf leaves it unresolved and bpf_ksym_exists() is false")
		}
		return v
	case o.Kfunc == No:
		// libbpf resolves any FUNC; the verifier refuses to call one
		// that no kfunc set holds (check_kfunc_call: "calling kernel
		// function ... is not allowed"), weak or not, since a resolved
		// weak extern's bpf_ksym_exists() is true.
		v.Status, v.Loads = StatusNotKfunc, false
		v.Reasons = append(v.Reasons, "the kernel has the function but no kfunc set holds it: the verifier refuses the call")
		return v
	case o.Kfunc == Unknown:
		v.Unknown = append(v.Unknown, "whether the function is a kfunc: the kernel's BTF has no bpf_kfunc tags and no .BTF_ids")
	}
	if u.shape != nil && o.Shape != nil {
		r := libbpfCompat(u.shape, o.Shape)
		v.Unknown = append(v.Unknown, r.unknown...)
		if !r.ok {
			v.Status, v.Loads = StatusIncompatible, u.Weak
			v.Reasons = append(v.Reasons, r.why)
			if u.Weak {
				v.Reasons = append(v.Reasons, "weak: libbpf leaves it unresolved, as if missing")
			}
			return v
		}
		if len(r.notes) > 0 {
			v.Status, v.Notes = StatusCompatible, r.notes
		}
	} else {
		v.Unknown = append(v.Unknown, "the prototype: not known on both sides")
	}
	switch {
	case len(progTypes) == 0 || slices.Contains(o.Callable, AllProgTypes):
	case o.Callable == nil:
		if o.CallableFrom != "" {
			v.Unknown = append(v.Unknown, "program types: "+o.CallableFrom)
		}
	default:
		var not []string
		for _, pt := range progTypes {
			if !slices.Contains(o.Callable, pt) {
				not = append(not, pt)
			}
		}
		if len(not) > 0 {
			v.Status, v.Loads = StatusNotCallable, false
			v.Reasons = append(v.Reasons, fmt.Sprintf("not callable from %s (callable from %s, %s)", strings.Join(not, ", "), strings.Join(o.Callable, ", "), o.CallableFrom))
		} else if len(o.Filtered) > 0 {
			v.Notes = append(v.Notes, "a set filter may narrow it further: "+strings.Join(o.Filtered, ", "))
		}
	}
	return v
}

// Offer returns what the kernel has under name, the way libbpf finds it:
// the FUNC of that name with the lowest id (btf__find_by_name_kind), a
// kfunc when a kfunc set or decl tag makes it one. Program types are not
// in BTF: Callable stays nil.
func (k *Kernel) Offer(name string) Offer {
	fn := k.firstFunc(name)
	kf := k.byName[name]
	if fn == nil && kf != nil {
		fn = kf.fn
	}
	if fn == nil {
		return Offer{}
	}
	o := Offer{Found: true, Kfunc: No, CallableFrom: "BTF holds no registrations"}
	switch {
	case kf != nil && kf.fn == fn:
		o.Kfunc = Yes
	case !k.KfuncsKnown:
		o.Kfunc = Unknown
	}
	o.Prototype, _ = Prototype(fn)
	o.Shape, _ = shapeOfFunc(fn)
	return o
}

// firstFunc is the FUNC named name with the lowest type id, or nil.
func (k *Kernel) firstFunc(name string) *btf.Func {
	if k.spec == nil {
		return nil
	}
	types, err := k.spec.AnyTypesByName(name)
	if err != nil {
		return nil
	}
	var first *btf.Func
	var firstID btf.TypeID
	for _, t := range types {
		fn, ok := t.(*btf.Func)
		if !ok {
			continue
		}
		if id, err := k.spec.TypeID(fn); err == nil && (first == nil || id < firstID) {
			first, firstID = fn, id
		}
	}
	return first
}

// Compat judges each use against the kernel.
func Compat(uses []*Use, k *Kernel, progTypes []string) []Verdict {
	out := make([]Verdict, 0, len(uses))
	for _, u := range uses {
		out = append(out, Judge(u, k.Offer(u.Name), progTypes))
	}
	return out
}

// Loads reports whether every verdict lets the program load.
func Loads(vs []Verdict) bool {
	for _, v := range vs {
		if !v.Loads {
			return false
		}
	}
	return true
}

// ShapeOfC reads a C type as written in kernel source ("const struct
// task_struct *", "u64", "int (*)(void *, int *)") as libbpf would see
// its BTF. Integer spellings and the kernel's integer typedefs are
// integers; a typedef name it does not know is ShapeUnknown, judged by
// nobody.
func ShapeOfC(typ string) *Shape {
	return cShape(strings.Join(strings.Fields(typ), " "), 0)
}

// ShapeOfProto reads a source prototype as a FUNC_PROTO shape.
func ShapeOfProto(p *model.Proto) *Shape {
	if p == nil {
		return nil
	}
	s := &Shape{Kind: ShapeFuncProto, Ret: ShapeOfC(p.Return)}
	for _, pa := range p.Params {
		s.Params = append(s.Params, ShapeOfC(pa.Type))
	}
	if p.Variadic {
		s.Params = append(s.Params, &Shape{Kind: ShapeVoid, Spell: "..."})
	}
	return s
}

// cIntegers are the integer spellings of kernel source: C's, the kernel's
// and UAPI's fixed-width typedefs, and the integer typedefs kfuncs take.
// "long" is 64 bits on the 64-bit targets BPF programs are built for.
var cIntegers = map[string]string{
	"char": "char", "signed char": "s8", "unsigned char": "u8",
	"short": "s16", "short int": "s16", "signed short": "s16", "unsigned short": "u16", "unsigned short int": "u16", "short unsigned int": "u16",
	"int": "s32", "signed": "s32", "signed int": "s32", "unsigned": "u32", "unsigned int": "u32",
	"long": "s64", "long int": "s64", "signed long": "s64", "unsigned long": "u64", "unsigned long int": "u64", "long unsigned int": "u64",
	"long long": "s64", "long long int": "s64", "signed long long": "s64", "unsigned long long": "u64", "unsigned long long int": "u64", "long long unsigned int": "u64",
	"_Bool": "bool", "bool": "bool",
	"u8": "u8", "__u8": "u8", "uint8_t": "u8", "s8": "s8", "__s8": "s8", "int8_t": "s8",
	"u16": "u16", "__u16": "u16", "uint16_t": "u16", "s16": "s16", "__s16": "s16", "int16_t": "s16", "__be16": "u16", "__le16": "u16",
	"u32": "u32", "__u32": "u32", "uint32_t": "u32", "s32": "s32", "__s32": "s32", "int32_t": "s32", "__be32": "u32", "__le32": "u32", "__wsum": "u32",
	"u64": "u64", "__u64": "u64", "uint64_t": "u64", "s64": "s64", "__s64": "s64", "int64_t": "s64", "__be64": "u64", "__le64": "u64",
	"size_t": "u64", "ssize_t": "s64", "gfp_t": "u32", "pid_t": "s32", "uid_t": "u32", "gid_t": "u32", "loff_t": "s64",
	"u_int32_t": "u32", "uintptr_t": "u64",
}

func cShape(t string, depth int) *Shape {
	if depth > 4*maxTypeDepth {
		return &Shape{Kind: ShapeUnknown, Spell: "a type nested too deep"}
	}
	t = strings.TrimSpace(t)
	// A function pointer or function type: "RET (*)(PARAMS)" or "RET ()(PARAMS)".
	if i := strings.IndexByte(t, '('); i >= 0 {
		j := strings.IndexByte(t[i:], ')')
		if j > 0 && model.IsDeclaratorGroup(t[i+1:i+j]) {
			ptrs := strings.Count(t[i+1:i+j], "*")
			rest := strings.TrimSpace(t[i+j+1:])
			if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
				fp := &Shape{Kind: ShapeFuncProto, Ret: cShape(t[:i], depth+1)}
				// The parameter list as the C engine reads one.
				p, err := cscan.ParsePrototype("void __kfunccheck_fn" + rest)
				if err != nil {
					return &Shape{Kind: ShapeUnknown, Spell: t}
				}
				for _, pa := range p.Params {
					fp.Params = append(fp.Params, cShape(pa.Type, depth+1))
				}
				if p.Variadic {
					fp.Params = append(fp.Params, &Shape{Kind: ShapeVoid, Spell: "..."})
				}
				// A parameter of function type is a pointer to it.
				s := &Shape{Kind: ShapePtr, Elem: fp}
				for range max(ptrs, 1) - 1 {
					s = &Shape{Kind: ShapePtr, Elem: s}
				}
				return s
			}
		}
		return &Shape{Kind: ShapeUnknown, Spell: t}
	}
	// An array parameter is a pointer to its element.
	if i := strings.IndexByte(t, '['); i >= 0 {
		return &Shape{Kind: ShapePtr, Elem: cShape(t[:i], depth+1)}
	}
	var words []string
	for _, w := range strings.Fields(strings.ReplaceAll(t, "*", " * ")) {
		switch w {
		case "const", "volatile", "restrict", "__restrict", "__rcu", "__user", "__kernel", "__iomem", "__percpu", "__force", "__nocast", "__bitwise", "__must_check":
			continue
		}
		words = append(words, w)
	}
	if n := len(words); n > 0 && words[n-1] == "*" {
		return &Shape{Kind: ShapePtr, Elem: cShape(strings.Join(words[:n-1], " "), depth+1)}
	}
	base := strings.Join(words, " ")
	if base == "void" {
		return &Shape{Kind: ShapeVoid, Spell: "void"}
	}
	if c, ok := cIntegers[base]; ok {
		return &Shape{Kind: ShapeInt, Spell: c}
	}
	if len(words) == 2 {
		switch words[0] {
		case "struct":
			return &Shape{Kind: ShapeStruct, Spell: base}
		case "union":
			return &Shape{Kind: ShapeUnion, Spell: base}
		case "enum":
			return &Shape{Kind: ShapeEnum, Spell: base}
		}
	}
	return &Shape{Kind: ShapeUnknown, Spell: base}
}

// Compatible applies libbpf's rule to two prototypes' shapes: whether
// libbpf accepts local for target, why not, and what it could not judge.
func Compatible(local, target *Shape) (ok bool, why string, unknown []string) {
	r := libbpfCompat(local, target)
	return r.ok, r.why, r.unknown
}
