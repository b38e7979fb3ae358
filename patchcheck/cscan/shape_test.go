// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestAdversarialShapes: 1 MB of deep #if nesting, of #else and #elif
// chains, and of X-macro uses finish in about a second with bounded
// memory (a 1.2 MB patch of nested #if once took 19 GB). The bound is
// generous, for a loaded machine: a quadratic step on 1 MB takes minutes.
func TestAdversarialShapes(t *testing.T) {
	const size = 1 << 20
	repeat := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	shapes := map[string]string{
		"nested #if with entries": "BTF_KFUNCS_START(s)\n" + repeat("#ifdef CONFIG_A_LONG_OPTION_NAME\nBTF_ID_FLAGS(func, bpf_x, KF_RCU)\n"),
		"repeated #else":          "BTF_KFUNCS_START(s)\n#if defined(CONFIG_X)\n" + repeat("#else\nBTF_ID_FLAGS(func, bpf_x)\n"),
		"long #elif chain":        "BTF_KFUNCS_START(s)\n#if A\n" + repeat("#elif defined(CONFIG_B)\nBTF_ID_FLAGS(func, bpf_x)\n"),
		"nested #if, no entries":  repeat("#if A\n"),
		"x-macro uses":            "BTF_KFUNCS_START(s)\n#define M(a) BTF_ID_FLAGS(func, a)\n" + repeat("LIST\n"),
		"long continued #define":  "#define LIST \\\n" + repeat("\tM(bpf_x) \\\n"),
	}
	for name, src := range shapes {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := Scan("x.c", seg(src), nil)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			if took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			if alloc > 400<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			for _, e := range r.Entries {
				if len(e.Cond) > 2*maxCondText*maxCondDepth {
					t.Fatalf("condition of %d bytes", len(e.Cond))
				}
			}
			t.Logf("%d entries in %v, %d MB allocated", len(r.Entries), took, alloc>>20)
		})
	}
}

// TestXMacroExpand expands Linux 6.12's XDP metadata list with the entry
// macro net/core/xdp.c defines inside xdp_metadata_kfunc_ids.
func TestXMacroExpand(t *testing.T) {
	src := `BTF_KFUNCS_START(xdp_metadata_kfunc_ids)
#define XDP_METADATA_KFUNC(_, __, name, ___) BTF_ID_FLAGS(func, name, KF_TRUSTED_ARGS)
XDP_METADATA_KFUNC_xxx
#undef XDP_METADATA_KFUNC
BTF_KFUNCS_END(xdp_metadata_kfunc_ids)
`
	header := `#define XDP_METADATA_KFUNC_xxx	\
	XDP_METADATA_KFUNC(XDP_METADATA_KFUNC_RX_TIMESTAMP, \
			   NETDEV_XDP_RX_METADATA_TIMESTAMP, \
			   bpf_xdp_metadata_rx_timestamp, \
			   xmo_rx_timestamp) \
	XDP_METADATA_KFUNC(XDP_METADATA_KFUNC_RX_HASH, \
			   NETDEV_XDP_RX_METADATA_HASH, \
			   bpf_xdp_metadata_rx_hash, \
			   xmo_rx_hash) \

enum xdp_rx_metadata {
#define XDP_METADATA_KFUNC(name, _, __, ___) name,
XDP_METADATA_KFUNC_xxx
#undef XDP_METADATA_KFUNC
};
`
	r := Scan("net/core/xdp.c", seg(src), nil)
	h := Scan("include/net/xdp.h", seg(header), nil)
	if len(r.MacroUses) != 1 || len(h.MacroUses) != 0 {
		t.Fatalf("uses: %+v / %+v", r.MacroUses, h.MacroUses)
	}
	var got []string
	for _, e := range r.MacroUses[0].Expand(h.ListMacros["XDP_METADATA_KFUNC_xxx"]) {
		got = append(got, e.Set+" "+e.Name+" "+e.FlagString())
	}
	want := []string{
		"xdp_metadata_kfunc_ids bpf_xdp_metadata_rx_timestamp KF_TRUSTED_ARGS",
		"xdp_metadata_kfunc_ids bpf_xdp_metadata_rx_hash KF_TRUSTED_ARGS",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("expanded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("_, __, name, ___", "BTF_ID_FLAGS(func, name, KF_TRUSTED_ARGS)", "M(A, B, bpf_x, C) M(D, E, bpf_y, F)")
	f.Add("a", "BTF_ID(func, a)", "M((x), y) M(")
	f.Fuzz(func(t *testing.T, params, body, list string) {
		u := MacroUse{Name: "L", Set: "s", Defs: map[string]FuncMacro{"M": {Params: strings.Split(params, ","), Body: body}}}
		es := u.Expand(list)
		if len(es) > maxExpansions {
			t.Fatalf("%d entries", len(es))
		}
		for _, e := range es {
			if e.Name == "" || e.Set != "s" {
				t.Fatalf("entry %+v", e)
			}
		}
	})
}
