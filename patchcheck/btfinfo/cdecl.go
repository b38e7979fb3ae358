// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// declare renders a C declaration of name with type t, the way bpftool
// prints prototypes in vmlinux.h: "struct task_struct *p".
func declare(t btf.Type, name string, expandTypedefs bool) string {
	join := func(base, decl string) string {
		switch {
		case decl == "":
			return base
		case strings.HasPrefix(decl, "*"):
			return base + " " + decl
		default:
			return base + " " + decl
		}
	}
	for depth := 0; depth < 64; depth++ {
		switch v := t.(type) {
		case nil, *btf.Void:
			return join("void", name)
		case *btf.Int:
			return join(v.Name, name)
		case *btf.Float:
			return join(v.Name, name)
		case *btf.Typedef:
			if expandTypedefs {
				t = v.Type
				continue
			}
			return join(v.Name, name)
		case *btf.Struct:
			return join("struct "+v.Name, name)
		case *btf.Union:
			return join("union "+v.Name, name)
		case *btf.Enum:
			return join("enum "+v.Name, name)
		case *btf.Fwd:
			kw := "struct"
			switch v.Kind {
			case btf.FwdUnion:
				kw = "union"
			}
			return join(kw+" "+v.Name, name)
		case *btf.Pointer:
			inner := "*" + name
			switch v.Target.(type) {
			case *btf.Array, *btf.FuncProto:
				inner = "(*" + name + ")"
			}
			name, t = inner, v.Target
		case *btf.Const:
			if _, ptr := v.Type.(*btf.Pointer); ptr {
				name, t = "const "+name, v.Type
				continue
			}
			return "const " + declare(v.Type, name, expandTypedefs)
		case *btf.Volatile:
			if _, ptr := v.Type.(*btf.Pointer); ptr {
				name, t = "volatile "+name, v.Type
				continue
			}
			return "volatile " + declare(v.Type, name, expandTypedefs)
		case *btf.Restrict:
			name, t = "restrict "+name, v.Type
		case *btf.TypeTag:
			t = v.Type
		case *btf.Array:
			name, t = fmt.Sprintf("%s[%d]", name, v.Nelems), v.Type
		case *btf.FuncProto:
			return declare(v.Return, name+"("+params(v, expandTypedefs)+")", expandTypedefs)
		default:
			return join(fmt.Sprint(t), name)
		}
	}
	return join("void", name)
}

func params(fp *btf.FuncProto, expandTypedefs bool) string {
	if len(fp.Params) == 0 {
		return "void"
	}
	var ps []string
	for i, p := range fp.Params {
		if i == len(fp.Params)-1 && p.Name == "" {
			if _, void := p.Type.(*btf.Void); void || p.Type == nil {
				ps = append(ps, "...")
				continue
			}
		}
		ps = append(ps, declare(p.Type, p.Name, expandTypedefs))
	}
	return strings.Join(ps, ", ")
}

// Prototype renders a function as bpftool does for kfuncs in vmlinux.h.
func Prototype(f *btf.Func) string {
	fp, ok := f.Type.(*btf.FuncProto)
	if !ok {
		return f.Name + "()"
	}
	return declare(fp.Return, f.Name+"("+params(fp, false)+")", false)
}

// modelProto turns a BTF function into the model's prototype with
// typedefs followed, so that comparisons see "unsigned int" where the
// source said u32, and the C engine's comparison applies unchanged.
func modelProto(f *btf.Func, file string) *model.Proto {
	p := &model.Proto{Name: f.Name, Tagged: true, Pos: model.Pos{File: file}, Text: Prototype(f)}
	fp, ok := f.Type.(*btf.FuncProto)
	if !ok {
		return p
	}
	p.Return = strings.TrimSpace(declare(fp.Return, "", true))
	for i, pa := range fp.Params {
		if i == len(fp.Params)-1 && pa.Name == "" {
			if _, void := pa.Type.(*btf.Void); void || pa.Type == nil {
				p.Variadic = true
				continue
			}
		}
		param := model.Param{Type: strings.TrimSpace(declare(pa.Type, "", true)), Name: pa.Name}
		for _, s := range cscan.KnownSuffixes {
			if len(pa.Name) > len(s) && strings.HasSuffix(pa.Name, s) {
				param.Suffix = s
				break
			}
		}
		p.Params = append(p.Params, param)
	}
	return p
}
