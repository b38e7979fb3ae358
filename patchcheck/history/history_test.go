// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"v6.12 v6.1 v6.9", "v6.1 v6.9 v6.12"},
		{"v6.2 v6.2-rc1 v6.1.10 v6.1.9", "v6.1.9 v6.1.10 v6.2-rc1 v6.2"},
		{"v6.2-rc2 v6.2-rc10 v6.2-rc1", "v6.2-rc1 v6.2-rc2 v6.2-rc10"},
		{"6.12.117+deb12-amd64 6.1.0-57-amd64 6.1.0-9-amd64", "6.1.0-9-amd64 6.1.0-57-amd64 6.12.117+deb12-amd64"},
		{"v5.18 v5.4 v6.0", "v5.4 v5.18 v6.0"},
	}
	for _, tt := range tests {
		got := strings.Fields(tt.in)
		SortVersions(got)
		if strings.Join(got, " ") != tt.want {
			t.Errorf("SortVersions(%s) = %v, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/tmp/vmlinux-6.1.0-57-amd64.elf", "6.1.0-57-amd64"},
		{"btf/vmlinux-6.12.117+deb12-amd64.elf.gz", "6.12.117+deb12-amd64"},
		{"nf_conntrack-6.1.0-57-amd64.ko", "6.1.0-57-amd64"},
		{"/sys/kernel/btf/vmlinux", "vmlinux"},
		{"/usr/lib/debug/lib/modules/6.1.0-57-amd64/vmlinux", "6.1.0-57-amd64"},
		{"/usr/lib/debug/lib/modules/6.1.0-57-amd64/kernel/net/netfilter/nf_conntrack.ko", "6.1.0-57-amd64"},
		{"old.btf", "old"},
	}
	for _, tt := range tests {
		if got := Label(tt.in); got != tt.want {
			t.Errorf("Label(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSubsystemAndLink(t *testing.T) {
	for in, want := range map[string]string{"kernel/bpf/helpers.c": "kernel/bpf", "net/netfilter/nf_conntrack_bpf.c": "net/netfilter",
		"kernel/kexec_core.c": "kernel", "x.c": "x.c", "": ""} {
		if got := Subsystem(in); got != want {
			t.Errorf("Subsystem(%q) = %q, want %q", in, got, want)
		}
	}
	r := &Release{Name: "v6.12", Source: "abc123"}
	if got := Link("https://x/{release}/{commit}/{file}#L{line}", r, "kernel/bpf/helpers.c", 42); got != "https://x/v6.12/abc123/kernel/bpf/helpers.c#L42" {
		t.Errorf("Link = %q", got)
	}
	if got := Link("", r, "a.c", 1); got != "" {
		t.Errorf("Link without template = %q", got)
	}
}

// snap builds a snapshot from "name flags... @progtype" lines and
// "name: return(params)" definitions.
func snap(t *testing.T, entries map[string]string, protos map[string]string) *model.Snapshot {
	t.Helper()
	s := model.NewSnapshot()
	for name, spec := range entries {
		f := strings.Fields(spec)
		var flags, pts []string
		for _, w := range f {
			if p, ok := strings.CutPrefix(w, "@"); ok {
				pts = append(pts, p)
			} else {
				flags = append(flags, w)
			}
		}
		slices.Sort(flags)
		s.Entries[name] = []model.Entry{{Name: name, Set: "test_kfunc_ids", Macro: "BTF_ID_FLAGS", Flags: flags, Pos: model.Pos{File: "kernel/bpf/test.c", Line: 10}}}
		a := &model.Availability{Complete: true}
		for _, p := range pts {
			a.Routes = append(a.Routes, model.Route{ProgType: p, Set: "test_kfunc_ids"})
		}
		s.Avail[name] = a
	}
	for name, spec := range protos {
		ret, params, _ := strings.Cut(spec, "(")
		p := &model.Proto{Name: name, Return: ret, Tagged: true, Pos: model.Pos{File: "kernel/bpf/test.c", Line: 5}}
		for _, pa := range strings.Split(strings.TrimSuffix(params, ")"), ",") {
			if pa = strings.TrimSpace(pa); pa != "" && pa != "void" {
				i := strings.LastIndexAny(pa, " *")
				p.Params = append(p.Params, model.Param{Type: strings.TrimSpace(pa[:i+1]), Name: pa[i+1:]})
			}
		}
		s.Protos[name] = p
	}
	return s
}

// TestStates builds three releases and checks each cell's state and the
// step's changes and findings: a kfunc added, one changed, one
// deprecated, one removed after its deprecation, one unchanged.
func TestStates(t *testing.T) {
	cfg := policy.Default()
	protos := map[string]string{"bpf_a": "int(int x)", "bpf_b": "int(int x)", "bpf_c": "void(struct task_struct *p)", "bpf_d": "int(void)"}
	r1 := FromSnapshot("v1", "c1", snap(t, map[string]string{"bpf_a": "@BPF_PROG_TYPE_TRACING", "bpf_b": "KF_STABLE @BPF_PROG_TYPE_TRACING",
		"bpf_c": "KF_STABLE @BPF_PROG_TYPE_TRACING"}, protos), cfg, nil)
	r2 := FromSnapshot("v2", "c2", snap(t, map[string]string{"bpf_a": "@BPF_PROG_TYPE_TRACING", "bpf_b": "KF_STABLE KF_DEPRECATED @BPF_PROG_TYPE_TRACING",
		"bpf_c": "KF_STABLE KF_RCU @BPF_PROG_TYPE_TRACING", "bpf_d": "@BPF_PROG_TYPE_XDP"}, protos), cfg, nil)
	r3 := FromSnapshot("v3", "c3", snap(t, map[string]string{"bpf_a": "@BPF_PROG_TYPE_TRACING", "bpf_c": "KF_STABLE KF_RCU @BPF_PROG_TYPE_TRACING",
		"bpf_d": "@BPF_PROG_TYPE_XDP"}, protos), cfg, nil)
	h, err := Build([]*Release{r1, r2, r3}, patchcheck.Options{Policy: cfg})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bpf_a": "present unchanged unchanged",
		"bpf_b": "present deprecated removed",
		"bpf_c": "present changed unchanged",
		"bpf_d": "absent new unchanged",
	}
	for name, w := range want {
		var got []string
		for i := range h.Releases {
			got = append(got, h.State(name, i))
		}
		if strings.Join(got, " ") != w {
			t.Errorf("%s: %v, want %s", name, got, w)
		}
	}
	if c := r2.Kfuncs["bpf_b"]; !c.Stable || !c.Deprecated || c.Prototype != "int bpf_b(int x)" || !slices.Equal(c.ProgTypes, []string{"BPF_PROG_TYPE_TRACING"}) {
		t.Errorf("bpf_b in v2: %+v", c)
	}
	if got := CountsText(h.Steps[0].Counts()); got != "1 added, 1 deprecated, 1 flags" {
		t.Errorf("v1..v2: %s", got)
	}
	rules := func(s *Step) []string {
		var out []string
		for _, f := range s.Findings {
			out = append(out, f.Rule+" "+f.Kfunc)
		}
		slices.Sort(out)
		return out
	}
	// The flags change of a stable kfunc is judged as check judges it;
	// the removal of the deprecated kfunc too.
	if got := rules(h.Steps[0]); !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " bpf_c") }) {
		t.Errorf("v1..v2 findings: %v; want one about bpf_c's flags", got)
	}
	if got := rules(h.Steps[1]); !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " bpf_b") }) {
		t.Errorf("v2..v3 findings: %v; want one about bpf_b's removal", got)
	}
	var text bytes.Buffer
	if err := h.WriteText(&text, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"v2 (git c2): 4 kfuncs; since v1: 1 added, 1 deprecated, 1 flags", "  added        bpf_d: int bpf_d(void)", "  removed      bpf_b: was int bpf_b(int x)", "  flags        bpf_c +KF_RCU"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	mixed := FromKernel("k", &btfinfo.Kernel{Source: "k.btf"}, cfg, nil)
	if _, err := Build([]*Release{r1, mixed}, patchcheck.Options{}); err == nil {
		t.Error("a history of source and BTF releases built")
	}
}

// TestCheckCompat judges the clang-built test program against releases
// made for the purpose: one where every kfunc is there and callable, one
// where a strong kfunc's prototype breaks the call and one where a kfunc
// is registered for another program type only.
func TestCheckCompat(t *testing.T) {
	uses, err := btfinfo.Uses("../btfinfo/testdata/prog.bpf.o")
	if err != nil {
		t.Fatal(err)
	}
	pts, unknown, err := btfinfo.ProgTypes("../btfinfo/testdata/prog.bpf.o")
	if err != nil || !slices.Equal(pts, []string{"BPF_PROG_TYPE_TRACING"}) || unknown != nil {
		t.Fatalf("program types %v, %v, %v", pts, unknown, err)
	}
	protos := map[string]string{
		"bpf_task_acquire":     "struct task_struct *(struct task_struct *p)",
		"bpf_task_release":     "void(struct task_struct *p)",
		"bpf_dynptr_slice":     "void *(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)",
		"bpf_cast_to_kern_ctx": "void *(void *obj)",
		"bpf_gone_for_good":    "int(struct task_struct *p)",
	}
	all := map[string]string{}
	for n := range protos {
		all[n] = "@BPF_PROG_TYPE_TRACING"
	}
	cfg := policy.Default()
	ok := FromSnapshot("ok", "c1", snap(t, all, protos), cfg, nil)
	broken := map[string]string{}
	for n, p := range protos {
		broken[n] = p
	}
	broken["bpf_task_release"] = "void(struct task_struct *p, int flags)"
	incompatible := FromSnapshot("incompatible", "c2", snap(t, all, broken), cfg, nil)
	xdp := map[string]string{}
	for n := range protos {
		xdp[n] = "@BPF_PROG_TYPE_UNSPEC"
	}
	xdp["bpf_cast_to_kern_ctx"] = "@BPF_PROG_TYPE_XDP"
	notCallable := FromSnapshot("not-callable", "c3", snap(t, xdp, protos), cfg, nil)
	weak := map[string]string{"bpf_old_thing": "int(struct task_struct *p, int x)"}
	weakEntries := map[string]string{"bpf_old_thing": "@BPF_PROG_TYPE_TRACING"}
	for n, p := range protos {
		weak[n], weakEntries[n] = p, "@BPF_PROG_TYPE_TRACING"
	}
	weakIncompatible := FromSnapshot("weak-incompatible", "c4", snap(t, weakEntries, weak), cfg, nil)
	rels := []*Release{ok, incompatible, notCallable, weakIncompatible}
	for _, r := range rels {
		r.applyHooks(Sourced("6.12").Hooks, "")
	}
	h, err := Build(rels, patchcheck.Options{Policy: cfg})
	if err != nil {
		t.Fatal(err)
	}
	c := h.CheckCompat(btfinfo.Object{Path: "prog.bpf.o", ProgTypes: pts, Uses: uses})
	got := func(r *CompatRelease) string {
		r.Kfuncs = nil
		b, _ := json.Marshal(r)
		return string(b)
	}
	want := []string{
		`{"release":"ok","loads":true,"kfuncs":null,"missing":[],"weak_missing":["bpf_old_thing"]}`,
		`{"release":"incompatible","loads":false,"kfuncs":null,"missing":[],"weak_missing":["bpf_old_thing"],"incompatible":{"bpf_task_release":["prototype: 1 parameters in the program, 2 in the kernel"]}}`,
		`{"release":"not-callable","loads":false,"kfuncs":null,"missing":[],"weak_missing":["bpf_old_thing"],"not_callable":{"bpf_cast_to_kern_ctx":["not callable from BPF_PROG_TYPE_TRACING (callable from BPF_PROG_TYPE_XDP, kernel/bpf/btf.c of Debian linux-source-6.12 6.12.117)"]}}`,
		`{"release":"weak-incompatible","loads":true,"kfuncs":null,"missing":[],"weak_missing":[],"incompatible":{"bpf_old_thing":["prototype: 1 parameters in the program, 2 in the kernel","weak: libbpf leaves it unresolved, as if missing"]}}`,
	}
	if len(c.Releases) != len(want) {
		t.Fatalf("%d releases judged, want %d", len(c.Releases), len(want))
	}
	for i, r := range c.Releases {
		if got(r) != want[i] {
			t.Errorf("release %s:\n got %s\nwant %s", r.Release, got(r), want[i])
		}
	}
}

// TestHTMLSelfContained checks the page loads nothing from anywhere: no
// external script, style, image or font, and the document it carries
// cannot end its script element.
func TestHTMLSelfContained(t *testing.T) {
	cfg := policy.Default()
	r1 := FromSnapshot("v1", "c1", snap(t, map[string]string{"bpf_a": "@BPF_PROG_TYPE_TRACING"}, map[string]string{"bpf_a": "int(int x)"}), cfg, nil)
	r2 := FromSnapshot("v2", "c2", snap(t, map[string]string{"bpf_a</script><script>alert(1)</script>": ""}, nil), cfg, nil)
	h, err := Build([]*Release{r1, r2}, patchcheck.Options{Policy: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := h.WriteHTML(&b, nil, DefaultURLTemplate); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "</script>"); n != 2 {
		t.Errorf("%d </script> in the page, want 2 (the data's and the code's)", n)
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("a kfunc's name reached the page as markup")
	}
	if m := regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]*(src|href)=|@import|url\(`).FindString(page); m != "" {
		t.Errorf("the page loads a resource: %q", m)
	}
	const open = `<script type="application/json" id="kc-data">`
	start := strings.Index(page, open)
	end := strings.Index(page[start:], "</script>")
	var d struct {
		Releases []string
		Kfuncs   []struct{ N string }
	}
	if err := json.Unmarshal([]byte(page[start+len(open):start+end]), &d); err != nil || len(d.Kfuncs) != 2 || d.Kfuncs[1].N != "bpf_a</script><script>alert(1)</script>" {
		t.Errorf("the page's data: %v, %+v", err, d)
	}
	// A name that is no C identifier gets an anchor that is one.
	if !strings.Contains(page, `id="bpf_a"`) || strings.Contains(page, `id="bpf_a&lt;`) {
		t.Error("anchors")
	}
}
