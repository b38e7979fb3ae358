// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// The real fixtures are Debian kernels cut by scripts/gen-btf-fixtures.sh.
const (
	real61  = "testdata/real/vmlinux-6.1.0-57-amd64.elf.gz"
	real612 = "testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz"
	ct61    = "testdata/real/nf_conntrack-6.1.0-57-amd64.ko.gz"
	ct612   = "testdata/real/nf_conntrack-6.12.117+deb12-amd64.ko.gz"
)

// labelFlags is what naming pairs by the __BTF_ID__func__ label at their
// address gives (the reader before the fix): each label's name with the
// flags of the pair it labels, merged over the kfunc sets. It shows that a
// fixture carries the sorted sets that defeat label naming.
func (k *refKernel) labelFlags() map[string]uint32 {
	out := map[string]uint32{}
	for _, s := range k.kfuncSets() {
		for i, p := range s.pairs {
			if n, ok := k.labels[s.off+8+8*uint64(i)]; ok {
				out[n] |= p.flags
			}
		}
	}
	return out
}

// TestRealKernelFlags holds btf list's flags for real kernels and modules
// against the independent reader: the same kfuncs, each in the same sets
// with the same flags.
func TestRealKernelFlags(t *testing.T) {
	tests := []struct {
		name, path, base string
		kfuncs           int
		// labelWrong is how many kfuncs label naming gets wrong flags
		// for: the fixture must exercise resolve_btfids' sort.
		labelWrong int
		spot       map[string]string
	}{
		{"6.1", real61, "", 42, 28, map[string]string{
			"bpf_lookup_user_key":        "KF_ACQUIRE KF_RET_NULL KF_SLEEPABLE",
			"bpf_key_put":                "KF_RELEASE",
			"bpf_verify_pkcs7_signature": "KF_SLEEPABLE",
		}},
		{"6.12", real612, "", 132, 74, map[string]string{
			"bpf_task_acquire":  "KF_ACQUIRE KF_RCU KF_RET_NULL",
			"bpf_obj_drop_impl": "KF_RELEASE",
			"bpf_iter_num_new":  "KF_ITER_NEW",
			"bpf_dynptr_slice":  "KF_RET_NULL",
			"bpf_rcu_read_lock": "",
		}},
		{"nf_conntrack 6.1", ct61, real61, 10, 10, map[string]string{
			"bpf_xdp_ct_lookup":   "KF_ACQUIRE KF_RET_NULL",
			"bpf_ct_release":      "KF_RELEASE",
			"bpf_ct_insert_entry": "KF_ACQUIRE KF_RELEASE KF_RET_NULL",
			"bpf_ct_set_status":   "KF_TRUSTED_ARGS",
		}},
		{"nf_conntrack 6.12", ct612, real612, 10, 10, map[string]string{
			"bpf_xdp_ct_lookup": "KF_ACQUIRE KF_RET_NULL",
			"bpf_ct_release":    "KF_RELEASE",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, base := gunzipFixture(t, tt.path), ""
			var refBase *refBTF
			if tt.base != "" {
				base = gunzipFixture(t, tt.base)
				refBase = refRead(t, base, nil).btf
			}
			ref := refRead(t, path, refBase)
			want := ref.kfuncFlags()
			if len(want) != tt.kfuncs {
				t.Fatalf("the reference reader finds %d kfuncs, want %d", len(want), tt.kfuncs)
			}
			k, err := Load(path, base)
			if err != nil {
				t.Fatal(err)
			}
			if !k.HasFlags || len(k.Unresolved) != 0 {
				t.Errorf("HasFlags %v, unresolved %v", k.HasFlags, k.Unresolved)
			}
			for name, sets := range want {
				kf := k.Kfunc(name)
				if kf == nil {
					t.Errorf("%s: missing", name)
					continue
				}
				var got []string
				for _, s := range kf.Sets {
					got = append(got, s.Set+"="+strings.Join(s.Flags, "|"))
				}
				var exp []string
				words := map[uint32]bool{}
				for set, w := range sets {
					exp = append(exp, set+"="+strings.Join(FlagList(w), "|"))
					words[w] = true
				}
				sort.Strings(exp)
				if !slices.Equal(got, exp) {
					t.Errorf("%s: sets %v, want %v", name, got, exp)
				}
				if len(words) == 1 && !slices.Equal(kf.Flags, FlagList(slices.Collect(maps.Keys(words))[0])) {
					t.Errorf("%s: flags %v, want those of its sets %v", name, kf.Flags, exp)
				}
			}
			// Every other kfunc is one BTF tags but no kfunc set lists.
			for _, kf := range k.Kfuncs {
				if _, ok := want[kf.Name]; !ok && (len(kf.Sets) > 0 || !ref.btf.tagged[kf.Name]) {
					t.Errorf("%s: a kfunc the reference reader does not know (sets %v)", kf.Name, kf.Sets)
				}
			}
			for name, flags := range tt.spot {
				if kf := k.Kfunc(name); kf == nil || strings.Join(kf.Flags, " ") != flags {
					t.Errorf("%s: %v, want %q", name, kf, flags)
				}
			}
			wrong := 0
			for name, w := range ref.labelFlags() {
				var union uint32
				for _, x := range want[name] {
					union |= x
				}
				if _, ok := want[name]; ok && w != union {
					wrong++
				}
			}
			if wrong != tt.labelWrong {
				t.Errorf("label naming gets %d kfuncs wrong, want %d", wrong, tt.labelWrong)
			}
		})
	}
}

// refDiff is the independent derivation of what changed between two
// kernels' kfunc sets: kfuncs added and removed, kfuncs whose flags differ
// in a set both kernels list them in, and kfuncs whose sets differ.
func refDiff(old, new map[string]map[string]uint32) map[model.ChangeKind][]string {
	out := map[model.ChangeKind][]string{}
	for name, os := range old {
		ns, ok := new[name]
		if !ok {
			out[model.KindRemoved] = append(out[model.KindRemoved], name)
			continue
		}
		flags := false
		for set, w := range os {
			if nw, ok := ns[set]; ok && nw != w {
				flags = true
			}
		}
		if flags {
			out[model.KindFlags] = append(out[model.KindFlags], name)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(os)), slices.Sorted(maps.Keys(ns))) {
			out[model.KindMoved] = append(out[model.KindMoved], name)
		}
	}
	for name := range new {
		if _, ok := old[name]; !ok {
			out[model.KindAdded] = append(out[model.KindAdded], name)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// TestRealDiff: btf diff from 6.1 to 6.12 reports exactly the changes the
// reference reader derives, and the one signature change of a kfunc both
// kernels have.
func TestRealDiff(t *testing.T) {
	p61, p612 := gunzipFixture(t, real61), gunzipFixture(t, real612)
	want := refDiff(refRead(t, p61, nil).kfuncFlags(), refRead(t, p612, nil).kfuncFlags())
	for kind, n := range map[model.ChangeKind]int{model.KindAdded: 112, model.KindRemoved: 22, model.KindFlags: 0, model.KindMoved: 1} {
		if len(want[kind]) != n {
			t.Errorf("the reference reader derives %d %s, want %d: %v", len(want[kind]), kind, n, want[kind])
		}
	}
	old, err := Load(p61, "")
	if err != nil {
		t.Fatal(err)
	}
	nw, err := Load(p612, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[model.ChangeKind][]string{}
	for _, c := range Diff(old, nw, policy.Default().CompareOptions()) {
		got[c.Kind] = append(got[c.Kind], c.Kfunc)
		if c.Kind == model.KindSignature && c.Breaking() {
			t.Errorf("%s: %+v is not breaking (struct bpf_dynptr_kern * is struct bpf_dynptr * to programs)", c.Kfunc, c.SigDiffs)
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	for _, kind := range []model.ChangeKind{model.KindAdded, model.KindRemoved, model.KindFlags, model.KindMoved} {
		if !slices.Equal(got[kind], want[kind]) {
			t.Errorf("%s: %v, want %v", kind, got[kind], want[kind])
		}
	}
	if sig := got[model.KindSignature]; !slices.Equal(sig, []string{"bpf_verify_pkcs7_signature"}) {
		t.Errorf("signature changes %v", sig)
	}
}
