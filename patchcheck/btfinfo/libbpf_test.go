// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// The oracle of the compat rule is libbpf's source, row by row: each case
// below is a program's prototype and a kernel's, built as BTF, with what
// libbpf does and where it says so (libbpf/libbpf src/, as of f7081a6;
// Debian's libbpf 1.1.2 has the same code). Where the system has libbpf's
// static library, every row is also put to libbpf's own functions through
// testdata/libbpf-verdicts.c, so that the table cannot drift from the
// library it cites.

// BTF building blocks for the cases.
var (
	tU32    = &btf.Typedef{Name: "u32", Type: &btf.Int{Name: "unsigned int", Size: 4}}
	tU64    = &btf.Typedef{Name: "u64", Type: &btf.Int{Name: "long long unsigned int", Size: 8}}
	tClangU = &btf.Int{Name: "unsigned long long", Size: 8}
	tS32    = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	tBool   = &btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}
	tTask   = &btf.Struct{Name: "task_struct", Size: 8}
	tCgroup = &btf.Struct{Name: "cgroup", Size: 8}
	tUnion  = &btf.Union{Name: "task_struct", Size: 8}
	tFwd    = &btf.Fwd{Name: "task_struct", Kind: btf.FwdStruct}
	tEnum   = &btf.Enum{Name: "mode", Size: 4, Values: []btf.EnumValue{{Name: "A", Value: 0}}}
	tEnum64 = &btf.Enum{Name: "mode64", Size: 8, Values: []btf.EnumValue{{Name: "B", Value: 1 << 40}}}
	tFloat  = &btf.Float{Name: "double", Size: 8}
	tVoid   = &btf.Void{}
)

func ptr(t btf.Type) btf.Type { return &btf.Pointer{Target: t} }
func cst(t btf.Type) btf.Type { return &btf.Const{Type: t} }
func arr(t btf.Type, n uint32) btf.Type {
	return &btf.Array{Type: t, Index: &btf.Int{Name: "int", Size: 4}, Nelems: n}
}
func proto(ret btf.Type, params ...btf.Type) *btf.FuncProto {
	fp := &btf.FuncProto{Return: ret}
	for _, p := range params {
		fp.Params = append(fp.Params, btf.FuncParam{Type: p})
	}
	return fp
}
func ptrs(n int, t btf.Type) btf.Type {
	for range n {
		t = ptr(t)
	}
	return t
}

// oracleCase is one row: does libbpf resolve a kfunc extern of prototype
// local against a kernel FUNC of prototype kernel?
type oracleCase struct {
	name          string
	local, kernel *btf.FuncProto
	compatible    bool
	cite          string
}

const (
	citeInt    = "relo_core.c __bpf_core_types_are_compat: BTF_KIND_INT: \"all other integers are by default compatible between each other\""
	citeSkip   = "relo_core.c __bpf_core_types_are_compat: skip_mods_and_typedefs (libbpf.c) on both sides before comparing"
	citeKind   = "relo_core.c __bpf_core_types_are_compat: btf_kind_core_compat (btf.h): the same kind, or two enums"
	citeNames  = "relo_core.c __bpf_core_types_are_compat: STRUCT, UNION, ENUM, FWD, ENUM64: return 1 (names unread)"
	citeVoid   = "relo_core.c __bpf_core_types_are_compat: BTF_KIND_UNKN (void): return 1"
	citePtr    = "relo_core.c __bpf_core_types_are_compat: BTF_KIND_PTR, BTF_KIND_ARRAY: compare the targets"
	citeVlen   = "relo_core.c __bpf_core_types_are_compat: BTF_KIND_FUNC_PROTO: local_vlen != targ_vlen: return 0"
	citeRet    = "relo_core.c __bpf_core_types_are_compat: BTF_KIND_FUNC_PROTO: \"tail recurse for return type check\""
	citeFloat  = "relo_core.c __bpf_core_types_are_compat: default: \"unexpected kind\", return 0"
	citeDepth  = "relo_core.c __bpf_core_types_are_compat: depth = 32 ... if (depth < 0) return -EINVAL; libbpf.c bpf_object__resolve_ksym_func_btf_id: ret <= 0 is incompatible"
	citeResolv = "libbpf.c bpf_object__resolve_ksym_func_btf_id: bpf_core_types_are_compat(obj->btf, local_func_proto_id, kern_btf, kfunc_proto_id)"
)

var oracleCases = []oracleCase{
	{"the same prototype", proto(ptr(tTask), ptr(tTask)), proto(ptr(tTask), ptr(tTask)), true, citeResolv},
	{"u32 for u64", proto(tVoid, tU32), proto(tVoid, tU64), true, citeInt},
	{"signed for unsigned", proto(tVoid, tS32), proto(tVoid, tU32), true, citeInt},
	{"bool for u64", proto(tBool, tU64), proto(tU64, tU64), true, citeInt},
	{"clang's unsigned long long for gcc's typedef", proto(tVoid, tClangU), proto(tVoid, tU64), true, citeSkip},
	{"const target", proto(tVoid, ptr(cst(tTask))), proto(tVoid, ptr(tTask)), true, citeSkip},
	{"struct names differ", proto(tVoid, ptr(tTask)), proto(tVoid, ptr(tCgroup)), true, citeNames},
	{"struct for union", proto(tVoid, ptr(tTask)), proto(tVoid, ptr(tUnion)), false, citeKind},
	{"forward declaration for struct", proto(tVoid, ptr(tFwd)), proto(tVoid, ptr(tTask)), false, citeKind},
	{"enum for enum64", proto(tEnum, tU32), proto(tEnum64, tU32), true, citeKind},
	{"enum for int", proto(tEnum, tU32), proto(tS32, tU32), false, citeKind},
	{"pointer for integer", proto(tVoid, ptr(tTask)), proto(tVoid, tU64), false, citeKind},
	{"void * for struct *", proto(tVoid, ptr(tVoid)), proto(tVoid, ptr(tTask)), false, citeKind},
	{"void * for void *", proto(ptr(tVoid), ptr(tVoid)), proto(ptr(tVoid), ptr(tVoid)), true, citeVoid},
	{"one parameter more", proto(tVoid, ptr(tTask)), proto(tVoid, ptr(tTask), tU64), false, citeVlen},
	{"int return for void", proto(tS32), proto(tVoid), false, citeRet},
	{"pointer to pointer for pointer", proto(tVoid, ptr(ptr(tTask))), proto(tVoid, ptr(tTask)), false, citePtr},
	{"array for array", proto(tVoid, ptr(arr(tU32, 4))), proto(tVoid, ptr(arr(tU64, 8))), true, citePtr},
	{"callback with a parameter more", proto(tVoid, ptr(proto(tS32, ptr(tVoid)))), proto(tVoid, ptr(proto(tS32, ptr(tVoid), tU64))), false, citeVlen},
	{"callback of the same shape", proto(tVoid, ptr(proto(tS32, ptr(tVoid), tU32))), proto(tVoid, ptr(proto(tS32, ptr(tVoid), tU64))), true, citeInt},
	{"double parameter", proto(tVoid, tFloat), proto(tVoid, tFloat), false, citeFloat},
	{"31 pointers", proto(tVoid, ptrs(31, tTask)), proto(tVoid, ptrs(31, tTask)), true, citeDepth},
	{"32 pointers", proto(tVoid, ptrs(32, tTask)), proto(tVoid, ptrs(32, tTask)), false, citeDepth},
	{"return of 30 pointers", proto(ptrs(30, tTask)), proto(ptrs(30, tTask)), true, citeDepth},
	{"return of 31 pointers", proto(ptrs(31, tTask)), proto(ptrs(31, tTask)), false, citeDepth},
}

// marshal writes the cases' functions f0, f1... with the local or the
// kernel prototypes as raw BTF.
func marshal(t *testing.T, cases []oracleCase, kernel bool) []byte {
	t.Helper()
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		fp := c.local
		if kernel {
			fp = c.kernel
		}
		if _, err := b.Add(&btf.Func{Name: fmt.Sprintf("f%d", i), Type: fp, Linkage: btf.ExternFunc}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// libbpfHarness builds testdata/libbpf-verdicts.c against the system's
// libbpf.a, or skips saying why it cannot.
func libbpfHarness(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build the libbpf harness")
	}
	out := filepath.Join(t.TempDir(), "libbpf-verdicts")
	cmd := exec.Command(cc, "-O1", "-o", out, "testdata/libbpf-verdicts.c", "-l:libbpf.a", "-lelf", "-lz")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("libbpf's static library is not installed (Debian: libbpf-dev): %v\n%s", err, msg)
	}
	return out
}

// verdictLine is one line of the harness: NAME ESSENTIAL FOUND COMPAT.
type verdictLine struct {
	found, compat bool
}

func parseVerdicts(t *testing.T, out []byte, key func(f []string) string) map[string]verdictLine {
	t.Helper()
	got := map[string]verdictLine{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 {
			continue
		}
		n := len(f)
		got[key(f)] = verdictLine{found: f[n-2] == "1", compat: f[n-1] == "1"}
	}
	return got
}

func TestLibbpfOracle(t *testing.T) {
	local, kernel := marshal(t, oracleCases, false), marshal(t, oracleCases, true)
	ls, err := btf.LoadSpecFromReader(bytes.NewReader(local))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := btf.LoadSpecFromReader(bytes.NewReader(kernel))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range oracleCases {
		var lf, kf *btf.Func
		if err := ls.TypeByName(fmt.Sprintf("f%d", i), &lf); err != nil {
			t.Fatal(err)
		}
		if err := ks.TypeByName(fmt.Sprintf("f%d", i), &kf); err != nil {
			t.Fatal(err)
		}
		lsh, err1 := shapeOfFunc(lf)
		ksh, err2 := shapeOfFunc(kf)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", c.name, err1, err2)
		}
		if r := libbpfCompat(lsh, ksh); r.ok != c.compatible {
			t.Errorf("%s: compatible %v (%s), want %v (%s)", c.name, r.ok, r.why, c.compatible, c.cite)
		}
	}
	// The same rows through libbpf itself.
	harness := libbpfHarness(t)
	dir := t.TempDir()
	lp, kp := filepath.Join(dir, "local.btf"), filepath.Join(dir, "kernel.btf")
	if err := os.WriteFile(lp, local, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, kernel, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"pair", lp, kp}
	for i := range oracleCases {
		args = append(args, fmt.Sprintf("f%d", i))
	}
	out, err := exec.Command(harness, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := parseVerdicts(t, out, func(f []string) string { return f[0] })
	for i, c := range oracleCases {
		v, ok := got[fmt.Sprintf("f%d", i)]
		if !ok || !v.found || v.compat != c.compatible {
			t.Errorf("%s: libbpf says %+v, the table %v (%s)", c.name, v, c.compatible, c.cite)
		}
	}
}

func TestEssentialName(t *testing.T) {
	tests := map[string]string{
		"bpf_task_acquire":          "bpf_task_acquire",
		"bpf_task_acquire___one":    "bpf_task_acquire",
		"scx_bpf_dsq_insert___v2":   "scx_bpf_dsq_insert",
		"a___b___c":                 "a___b",
		"bpf_x___":                  "bpf_x___",
		"___x":                      "___x",
		"foo____bar":                "foo____bar",
		"__x___y":                   "__x",
		"x___y":                     "x",
		"":                          "",
		"bpf_iter_num_new___compat": "bpf_iter_num_new",
	}
	for in, want := range tests {
		if got := EssentialName(in); got != want {
			t.Errorf("EssentialName(%q) = %q, want %q", in, got, want)
		}
	}
	// Every name of up to five characters over "_", "a" and "b" against
	// libbpf's own bpf_core_essential_name_len.
	harness := libbpfHarness(t)
	var names []string
	var gen func(prefix string)
	gen = func(prefix string) {
		if prefix != "" {
			names = append(names, prefix)
		}
		if len(prefix) == 7 {
			return
		}
		for _, c := range "_ab" {
			gen(prefix + string(c))
		}
	}
	gen("")
	out, err := exec.Command(harness, append([]string{"names"}, names...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(names) {
		t.Fatalf("%d lines for %d names", len(lines), len(names))
	}
	for i, l := range lines {
		name, ess, _ := strings.Cut(l, " ")
		if name != names[i] || EssentialName(name) != ess {
			t.Errorf("%q: libbpf %q, EssentialName %q", names[i], ess, EssentialName(names[i]))
		}
	}
}

// realObjects gunzips the committed BPF objects into dir, with the test
// program and its gcc build.
func realObjects(t *testing.T) []string {
	t.Helper()
	paths := []string{"testdata/prog.bpf.o", "testdata/prog-gcc.bpf.o"}
	gzs, _ := filepath.Glob("testdata/objects/*.bpf.o.gz")
	if len(gzs) == 0 {
		t.Fatal("no objects in testdata/objects (scripts/build-bpf-objects.sh --fixtures)")
	}
	for _, gz := range gzs {
		paths = append(paths, gunzipFixture(t, gz))
	}
	// More objects, built by scripts/build-bpf-objects.sh, when named.
	if more := os.Getenv("KFUNCCHECK_BPF_OBJECTS"); more != "" {
		extra, _ := filepath.Glob(filepath.Join(more, "*.o"))
		paths = append(paths, extra...)
	}
	return paths
}

// TestRealObjectsAgreeWithLibbpf judges real BPF objects (selftests of
// 6.1 and 6.12 built by Debian's clang, the test program built by clang
// and gcc-bpf) against Debian's built 6.1 and 6.12 kernels and the
// generated ones, and requires every kfunc verdict to be libbpf's own:
// resolved (ok, compatible, not-kfunc, not-callable) exactly where
// libbpf finds a FUNC and bpf_core_types_are_compat accepts it.
func TestRealObjectsAgreeWithLibbpf(t *testing.T) {
	objs := realObjects(t)
	kernels := []string{
		gunzipFixture(t, "testdata/real/vmlinux-6.1.0-57-amd64.elf.gz"),
		gunzipFixture(t, "testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz"),
		"testdata/new-le.elf", "testdata/old.btf",
	}
	read := ReadObjects(objs)
	harness := libbpfHarness(t)
	judged := 0
	for _, kp := range kernels {
		k, err := Load(kp, "")
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(harness, append([]string{"objects", kp}, objs...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		lib := parseVerdicts(t, out, func(f []string) string { return f[0] + " " + f[1] })
		for _, o := range read {
			if o.Err != nil {
				t.Errorf("%s: %v", o.Path, o.Err)
				continue
			}
			for _, v := range Compat(o.Uses, k, o.ProgTypes) {
				sym := cmpOr(v.Use.Symbol, v.Use.Name)
				want, ok := lib[o.Path+" "+sym]
				if !ok {
					// libbpf reads no extern outside .ksyms: the object
					// is refused (gcc-bpf 12).
					if o.Refused == "" {
						t.Errorf("%s: %s: libbpf lists no such extern", o.Path, sym)
					}
					continue
				}
				judged++
				resolved := v.Status != StatusMissing && v.Status != StatusIncompatible
				if want.found != (v.Status != StatusMissing) || (want.found && want.compat) != resolved {
					t.Errorf("%s on %s: %s is %s (%v), libbpf: found %v, compatible %v", filepath.Base(o.Path), filepath.Base(kp), sym, v.Status, v.Reasons, want.found, want.compat)
				}
			}
		}
	}
	t.Logf("%d objects, %d kfunc verdicts on %d kernels, all libbpf's", len(objs), judged, len(kernels))
	if judged < 50 {
		t.Errorf("only %d verdicts judged", judged)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestCompilersAgree: the test program built by clang and by gcc-bpf
// calls the same kfuncs with the same prototypes, whatever each compiler
// names its integers ("unsigned long long", "long long unsigned int").
func TestCompilersAgree(t *testing.T) {
	objs := ReadObjects([]string{"testdata/prog.bpf.o", "testdata/prog-gcc.bpf.o"})
	clang, gcc := objs[0], objs[1]
	if clang.Err != nil || gcc.Err != nil {
		t.Fatal(clang.Err, gcc.Err)
	}
	if clang.Refused != "" || !strings.Contains(gcc.Refused, "static linkage") {
		t.Errorf("refused: clang %q, gcc %q", clang.Refused, gcc.Refused)
	}
	if len(clang.Uses) != len(gcc.Uses) || len(clang.Uses) != 6 {
		t.Fatalf("%d and %d uses", len(clang.Uses), len(gcc.Uses))
	}
	for i, c := range clang.Uses {
		g := gcc.Uses[i]
		if c.Name != g.Name || c.Weak != g.Weak || c.Prototype != g.Prototype {
			t.Errorf("clang %s %v %q, gcc %s %v %q", c.Name, c.Weak, c.Prototype, g.Name, g.Weak, g.Prototype)
		}
		if r := libbpfCompat(c.shape, g.shape); !r.ok || len(r.notes) > 0 || len(r.unknown) > 0 {
			t.Errorf("%s: shapes differ: %+v", c.Name, r)
		}
	}
}
