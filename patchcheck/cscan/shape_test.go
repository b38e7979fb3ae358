// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestAdversarialShapes: 1 MB of deep #if nesting, of #else and #elif
// chains, and of X-macro uses finish in well under a second with bounded
// memory (a 1.2 MB patch of nested #if once took 19 GB).
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
			if took > time.Second {
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
