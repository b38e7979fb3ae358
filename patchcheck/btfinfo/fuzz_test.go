// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"strings"
	"testing"
)

// FuzzShapeOfC reads C types as written in kernel source, the kernel side
// of history --uses: never a panic, a bounded shape, and libbpf's rule
// holds between a type and itself.
func FuzzShapeOfC(f *testing.F) {
	for _, s := range []string{"const struct task_struct *", "u64", "int (*)(void *map, int *key, void *value)",
		"bool ()(struct bpf_rb_node *a, const struct bpf_rb_node *b)", "char[16]", "unsigned long", "struct foo * const *",
		"int (*)(int (*)(int (*)(void)))", "((((((", "enum bpf_x", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		if len(typ) > 4096 {
			return
		}
		s := ShapeOfC(typ)
		if s == nil {
			t.Fatal("nil shape")
		}
		_ = s.String()
		r := libbpfCompat(&Shape{Kind: ShapeFuncProto, Ret: s, Params: []*Shape{s}}, &Shape{Kind: ShapeFuncProto, Ret: s, Params: []*Shape{s}})
		if !r.ok && !strings.Contains(r.why, "deeper") && !strings.Contains(r.why, "does not compare") {
			t.Fatalf("%q is not compatible with itself: %s", typ, r.why)
		}
	})
}

// FuzzEssentialName: libbpf's flavor rule never panics and never grows a
// name; a name without "___" is its own.
func FuzzEssentialName(f *testing.F) {
	for _, s := range []string{"bpf_x___v2", "a___b___c", "___x", "x___", "____"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e := EssentialName(name)
		if !strings.HasPrefix(name, e) || !strings.Contains(name, "___") && e != name {
			t.Fatalf("EssentialName(%q) = %q", name, e)
		}
	})
}
