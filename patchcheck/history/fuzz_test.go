// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCompareVersions holds the version order to what sorting needs: no
// panic, a name equal to itself, and the same answer both ways round.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"v6.1", "v6.12"}, {"v6.2-rc1", "v6.2"}, {"6.1.0-47-amd64", "6.1.0-57-amd64"}, {"v6.1.01", "v6.1.1"}, {"", "v"}} {
		f.Add(s[0], s[1])
	}
	sign := func(n int) int {
		switch {
		case n < 0:
			return -1
		case n > 0:
			return 1
		}
		return 0
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if c := CompareVersions(a, a); c != 0 {
			t.Fatalf("CompareVersions(%q, itself) = %d", a, c)
		}
		if x, y := sign(CompareVersions(a, b)), sign(CompareVersions(b, a)); x != -y {
			t.Fatalf("CompareVersions(%q, %q) = %d but the other way round %d", a, b, x, y)
		}
	})
}

// FuzzParseHookTable reads hostile btf.c text: never a panic, and every
// table it returns maps program types to hooks.
func FuzzParseHookTable(f *testing.F) {
	f.Add([]byte(`static int bpf_prog_type_to_kfunc_hook(enum bpf_prog_type prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_UNSPEC:
		return BTF_KFUNC_HOOK_COMMON;
	case BPF_PROG_TYPE_TRACING: /* } */
	case BPF_PROG_TYPE_LSM:
		return BTF_KFUNC_HOOK_TRACING;
	default:
		return BTF_KFUNC_HOOK_MAX;
	}
}
u32 *btf_kfunc_id_set_contains(const struct btf *btf, u32 id, const struct bpf_prog *prog)
{ return __x(btf, BTF_KFUNC_HOOK_COMMON); }`))
	f.Add([]byte("bpf_prog_type_to_kfunc_hook(enum bpf_prog_type t) { case BPF_PROG_TYPE_X: return BTF_KFUNC_HOOK_X; \"//\" /*"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tbl, err := ParseHookTable(src, "fuzz")
		if err != nil || tbl == nil {
			return
		}
		for pt, h := range tbl.Hooks {
			if !strings.HasPrefix(pt, "BPF_PROG_TYPE_") || !strings.HasPrefix(h, "BTF_KFUNC_HOOK_") {
				t.Fatalf("%s -> %s", pt, h)
			}
		}
		_ = tbl.Callable([]string{"BPF_PROG_TYPE_TRACING", AllProgTypes})
	})
}

// FuzzReadPackedTags reads hostile packed-refs files: never a panic, and
// no tag it lists holds a name git would refuse.
func FuzzReadPackedTags(f *testing.F) {
	id := strings.Repeat("a", 40)
	f.Add([]byte("# pack-refs with: peeled fully-peeled sorted\n" + id + " refs/tags/v1.0\n^" + strings.Repeat("b", 40) + "\n" + id + " refs/tags/v1 x\n"))
	f.Add([]byte(strings.Repeat("c", 64) + " refs/tags/v2.0\x1b[2J\n^\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "packed-refs"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		tags, skipped, err := ListTags(dir, "*")
		if err != nil {
			return
		}
		for _, tg := range tags {
			if !ValidRefName("refs/tags/"+tg.Name) || !isObjectID(tg.ID) {
				t.Fatalf("listed %q (%q)", tg.Name, tg.ID)
			}
		}
		for _, s := range skipped {
			if ValidRefName("refs/tags/" + s) {
				t.Fatalf("skipped a valid name %q", s)
			}
		}
	})
}
