// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func seg(src string) []Segment {
	var ls []Line
	for i, t := range strings.Split(src, "\n") {
		ls = append(ls, Line{Text: t, Line: i + 1})
	}
	return []Segment{{Lines: ls}}
}

func TestScanEntries(t *testing.T) {
	src := `#define KF_FAKE_ENTRY BTF_ID_FLAGS(func, not_an_entry, KF_ACQUIRE)
/* BTF_ID_FLAGS(func, in_a_comment, KF_RELEASE) */
// BTF_ID_FLAGS(func, in_a_line_comment)
#define BTF_ID_FLAGS_MULTI(x) \
	BTF_ID_FLAGS(func, x, KF_RCU)

BTF_KFUNCS_START(generic_btf_ids)
#ifdef CONFIG_CRASH_DUMP
BTF_ID_FLAGS(func, crash_kexec, KF_DESTRUCTIVE)
#endif
BTF_ID_FLAGS(func, bpf_task_acquire, KF_RET_NULL|KF_ACQUIRE   | KF_RCU)
BTF_ID_FLAGS(func, bpf_throw)
BTF_ID_FLAGS(func, bpf_split,
	     KF_ITER_NEW |
	     KF_RCU_PROTECTED);
#if defined(CONFIG_CGROUPS) && defined(CONFIG_BPF)
BTF_ID_FLAGS(func, bpf_cgroup_acquire, KF_ACQUIRE)
#else
BTF_ID_FLAGS(func, bpf_cgroup_stub)
#endif
BTF_KFUNCS_END(generic_btf_ids)

BTF_SET8_START(tracing_btf_ids)
BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE)
BTF_SET8_END(tracing_btf_ids)

BTF_ID_LIST(generic_dtor_ids)
BTF_ID(struct, task_struct)
BTF_ID(func, bpf_task_release_dtor)

BTF_SET_START(nf_ct_acquire_kfunc_ids)
BTF_ID(func, bpf_xdp_ct_lookup)
BTF_ID(func, bpf_skb_ct_lookup);
BTF_SET_END(nf_ct_acquire_kfunc_ids)
`
	r := Scan("kernel/bpf/helpers.c", seg(src), nil)
	type e struct{ name, set, flags, cond string }
	var got []e
	for _, x := range r.Entries {
		got = append(got, e{x.Name, x.Set, strings.Join(x.Flags, "|"), x.Cond})
	}
	want := []e{
		{"crash_kexec", "generic_btf_ids", "KF_DESTRUCTIVE", "defined(CONFIG_CRASH_DUMP)"},
		{"bpf_task_acquire", "generic_btf_ids", "KF_ACQUIRE|KF_RCU|KF_RET_NULL", ""},
		{"bpf_throw", "generic_btf_ids", "", ""},
		{"bpf_split", "generic_btf_ids", "KF_ITER_NEW|KF_RCU_PROTECTED", ""},
		{"bpf_cgroup_acquire", "generic_btf_ids", "KF_ACQUIRE", "defined(CONFIG_CGROUPS) && defined(CONFIG_BPF)"},
		{"bpf_cgroup_stub", "generic_btf_ids", "", "!(defined(CONFIG_CGROUPS) && defined(CONFIG_BPF))"},
		{"bpf_task_acquire", "tracing_btf_ids", "KF_ACQUIRE", ""},
		{"bpf_xdp_ct_lookup", "nf_ct_acquire_kfunc_ids", "", ""},
		{"bpf_skb_ct_lookup", "nf_ct_acquire_kfunc_ids", "", ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
	if !slices.Equal(r.Sets, []string{"generic_btf_ids", "tracing_btf_ids", "nf_ct_acquire_kfunc_ids"}) {
		t.Errorf("sets %v", r.Sets)
	}
	if r.Entries[3].Pos.Line != 13 {
		t.Errorf("multi-line entry placed at line %d, want 13", r.Entries[3].Pos.Line)
	}
}

func TestSetHintFromSection(t *testing.T) {
	if got, macro := SetFromSection("BTF_KFUNCS_START(common_btf_ids)"); got != "common_btf_ids" || macro != "BTF_KFUNCS_START" {
		t.Errorf("got %q", got)
	}
	r := Scan("f.c", []Segment{{SetHint: "nf_ct_set", Lines: []Line{{Text: "BTF_ID(func, bpf_ct_release)", Line: 9}}}}, nil)
	if len(r.Entries) != 1 || r.Entries[0].Set != "nf_ct_set" {
		t.Errorf("entries %+v", r.Entries)
	}
}

func TestScanDefinitions(t *testing.T) {
	src := `__bpf_kfunc_start_defs();

/**
 * bpf_task_acquire - Acquire a reference to a task.
 * @p: The task.
 */
__bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)
{
	return p;
}

__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset,
				   void *buffer__opt, u32 buffer__szk)
{
	if (x)
		call(a, b) {
	}
}

static int helper(int a)
{
	return a;
}

struct nf_conn *
bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple,
		  u32 tuple__sz, struct bpf_ct_opts *opts, u32 opts__sz)
{
}

int declared_only(int x);
__diag_pop()
`
	r := Scan("f.c", seg(src), func(n string) bool { return n == "bpf_xdp_ct_lookup" })
	var names []string
	for _, p := range r.Protos {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"bpf_task_acquire", "bpf_dynptr_slice", "bpf_xdp_ct_lookup"}) {
		t.Fatalf("definitions %v", names)
	}
	if r.Protos[0].Doc == "" || !strings.Contains(r.Protos[0].Doc, "Acquire a reference") {
		t.Errorf("kernel-doc not attached: %q", r.Protos[0].Doc)
	}
	if got := r.Protos[1].String(); got != "void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)" {
		t.Errorf("slice prototype %q", got)
	}
	if r.Protos[2].Tagged || r.Protos[2].Return != "struct nf_conn *" || len(r.Protos[2].Params) != 5 {
		t.Errorf("old-era prototype %+v", r.Protos[2])
	}
	if len(r.Docs) != 1 || r.Docs[0].Name != "bpf_task_acquire" {
		t.Errorf("docs %+v", r.Docs)
	}
}

func TestParsePrototype(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		ret     string
		params  []model.Param
		variad  bool
		wantErr bool
	}{
		{in: "__bpf_kfunc struct task_struct *bpf_task_acquire(struct task_struct *p)", name: "bpf_task_acquire", ret: "struct task_struct *",
			params: []model.Param{{Type: "struct task_struct *", Name: "p"}}},
		{in: "__bpf_kfunc void bpf_rcu_read_lock(void)", name: "bpf_rcu_read_lock", ret: "void"},
		{in: "__bpf_kfunc int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags)", name: "bpf_wq_init", ret: "int",
			params: []model.Param{{Type: "struct bpf_wq *", Name: "wq"}, {Type: "void *", Name: "p__map", Suffix: "__map"}, {Type: "unsigned int", Name: "flags"}}},
		{in: "__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)", name: "bpf_dynptr_slice", ret: "void *",
			params: []model.Param{{Type: "const struct bpf_dynptr *", Name: "p"}, {Type: "u32", Name: "offset"}, {Type: "void *", Name: "buffer__opt", Suffix: "__opt"}, {Type: "u32", Name: "buffer__szk", Suffix: "__szk"}}},
		{in: "__bpf_kfunc int bpf_rbtree_add_impl(struct bpf_rb_root *root, bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b), void *meta__ign)", name: "bpf_rbtree_add_impl", ret: "int",
			params: []model.Param{{Type: "struct bpf_rb_root *", Name: "root"}, {Type: "bool ()(struct bpf_rb_node *a, const struct bpf_rb_node *b)", Name: "less"}, {Type: "void *", Name: "meta__ign", Suffix: "__ign"}}},
		{in: "__printf(1, 2) __bpf_kfunc int bpf_log(const char *fmt__str, ...)", name: "bpf_log", ret: "int",
			params: []model.Param{{Type: "const char *", Name: "fmt__str", Suffix: "__str"}}, variad: true},
		{in: "__bpf_kfunc int bpf_x(struct foo *p__const_map, u64 n__k, void *q__refcounted_kptr)", name: "bpf_x", ret: "int",
			params: []model.Param{{Type: "struct foo *", Name: "p__const_map", Suffix: "__const_map"}, {Type: "u64", Name: "n__k", Suffix: "__k"}, {Type: "void *", Name: "q__refcounted_kptr", Suffix: "__refcounted_kptr"}}},
		{in: "if (a) foo(b)", wantErr: true},
		{in: "x = y(z)", wantErr: true},
		{in: "int (broken", wantErr: true},
	}
	for _, tt := range tests {
		p, err := ParsePrototype(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParsePrototype(%q) accepted: %+v", tt.in, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePrototype(%q): %v", tt.in, err)
			continue
		}
		if p.Name != tt.name || p.Return != tt.ret || !slices.Equal(p.Params, tt.params) || p.Variadic != tt.variad {
			t.Errorf("ParsePrototype(%q) = %s %s %+v variadic=%v", tt.in, p.Return, p.Name, p.Params, p.Variadic)
		}
	}
}

func TestCompare(t *testing.T) {
	opt := CompareOptions{
		Aliases:            map[string]string{"struct bpf_dynptr_kern": "struct bpf_dynptr", "struct sk_buff": "struct __sk_buff", "struct xdp_buff": "struct xdp_md"},
		EquivalentSuffixes: []string{"__opt=__nullable"},
	}
	tests := []struct {
		name, before, after string
		diffs               int
		breaking            bool
	}{
		{"identical but reformatted", "int f(struct a *p, u32 n)", "int  f(struct a * p,\n u32 n)", 0, false},
		{"param renamed keeping suffix", "int f(void *buf__sz)", "int f(void *data__sz)", 1, false},
		{"param renamed without suffix", "int f(struct task_struct *p)", "int f(struct task_struct *task)", 1, false},
		{"suffix dropped", "int f(void *p, u32 len__sz)", "int f(void *p, u32 len)", 1, true},
		{"suffix added", "int f(struct task_struct *task)", "int f(struct task_struct *task__nullable)", 1, true},
		{"opt to nullable", "void *f(void *buffer__opt)", "void *f(void *buffer__nullable)", 1, false},
		{"const added", "int f(struct bpf_dynptr *p)", "int f(const struct bpf_dynptr *p)", 1, false},
		{"verifier alias", "int f(const struct bpf_dynptr_kern *ptr)", "int f(const struct bpf_dynptr *ptr)", 1, false},
		{"skb alias", "int f(struct sk_buff *s)", "int f(struct __sk_buff *s)", 1, false},
		{"integer spelling", "int f(u32 n)", "int f(unsigned int n)", 1, false},
		{"widened", "int f(u32 n)", "int f(u64 n)", 1, true},
		{"sign changed", "int f(u32 n)", "int f(s32 n)", 1, true},
		{"return type", "int *f(void)", "long *f(void)", 1, true},
		{"param added", "int f(void *ctx, u32 *hash)", "int f(void *ctx, u32 *hash, enum xdp_rss_hash_type *rss_type)", 1, true},
		{"pointer depth", "int f(struct a *p)", "int f(struct a **p)", 1, true},
		{"special name", "int f(void *b, u32 rdonly_buf_size)", "int f(void *b, u32 size)", 1, true},
		{"prog suffix to implicit aux", "int f(void *wq, void *aux__prog)", "int f(void *wq, struct bpf_prog_aux *aux)", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParsePrototype(tt.before)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParsePrototype(tt.after)
			if err != nil {
				t.Fatal(err)
			}
			diffs := Compare(b, a, opt)
			breaking := slices.ContainsFunc(diffs, func(d model.SigDiff) bool { return d.Breaking })
			if len(diffs) != tt.diffs || breaking != tt.breaking {
				t.Errorf("Compare = %+v, want %d diffs, breaking %v", diffs, tt.diffs, tt.breaking)
			}
		})
	}
}

// TestRealKernelFiles scans Linux 6.12's kernel/bpf/helpers.c, as the
// fixture tree holds it (scripts/gen-testdata.sh): every __bpf_kfunc
// definition and every set entry is found.
func TestRealKernelFiles(t *testing.T) {
	data, err := os.ReadFile("../../testdata/tree/kernel/bpf/helpers.c")
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	r := Scan("kernel/bpf/helpers.c", seg(src), nil)
	tagged := strings.Count(src, "\n__bpf_kfunc ")
	if len(r.Protos) != tagged {
		t.Errorf("found %d definitions, the file has %d", len(r.Protos), tagged)
	}
	if n := strings.Count(src, "\nBTF_ID_FLAGS(func, "); len(r.Entries) != n {
		t.Errorf("found %d entries, the file has %d", len(r.Entries), n)
	}
}

func FuzzScan(f *testing.F) {
	f.Add("BTF_KFUNCS_START(s)\nBTF_ID_FLAGS(func, a, KF_X)\n__bpf_kfunc int a(int x)\n{\n}\n")
	f.Add("/**\n * a() - b\n */\nstruct x *\nf(int (*cb)(void), ...)\n{\n#if X\n")
	f.Fuzz(func(t *testing.T, s string) {
		r := Scan("f.c", seg(s), func(string) bool { return true })
		for _, e := range r.Entries {
			if e.Name == "" {
				t.Fatal("entry without a name")
			}
		}
		for _, p := range r.Protos {
			_ = p.String()
			_ = Compare(p, p, CompareOptions{})
		}
	})
}

func FuzzParsePrototype(f *testing.F) {
	f.Add("__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)")
	f.Add("int (*f(int a))(int)")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrototype(s)
		if err == nil {
			if d := Compare(p, p, CompareOptions{}); len(d) != 0 {
				t.Fatalf("a prototype differs from itself: %+v", d)
			}
		}
	})
}
