// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Sets as real kernels write them (Linux 6.12 bpf_lsm.c, verifier.c,
// mptcp/bpf.c, test_run.c; v5.18 and v6.0 nf_conntrack_bpf.c).
const (
	lsmHooks = `BTF_SET_START(sleepable_lsm_hooks)
BTF_ID(func, bpf_lsm_bpf)
BTF_ID(func, bpf_lsm_bpf_map)
BTF_SET_END(sleepable_lsm_hooks)
`
	noreturnDeny = `BTF_SET_START(noreturn_deny)
#ifdef CONFIG_IMA
BTF_ID(func, __ima_fail)
#endif
BTF_SET_END(noreturn_deny)
`
	mptcpFmodret = `BTF_SET8_START(bpf_mptcp_fmodret_ids)
BTF_ID_FLAGS(func, update_socket_protocol)
BTF_SET8_END(bpf_mptcp_fmodret_ids)

static const struct btf_kfunc_id_set bpf_mptcp_fmodret_set = {
	.owner = THIS_MODULE,
	.set   = &bpf_mptcp_fmodret_ids,
};

static int __init bpf_mptcp_kfunc_init(void)
{
	return register_btf_fmodret_id_set(&bpf_mptcp_fmodret_set);
}
`
	testRunSets = `BTF_KFUNCS_START(bpf_test_modify_return_ids)
BTF_ID_FLAGS(func, bpf_modify_return_test)
BTF_ID_FLAGS(func, bpf_fentry_test1, KF_SLEEPABLE)
BTF_KFUNCS_END(bpf_test_modify_return_ids)

static const struct btf_kfunc_id_set bpf_test_modify_return_set = {
	.owner = THIS_MODULE,
	.set   = &bpf_test_modify_return_ids,
};

BTF_KFUNCS_START(test_sk_check_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfunc_call_test_release, KF_RELEASE)
BTF_KFUNCS_END(test_sk_check_kfunc_ids)

static const struct btf_kfunc_id_set bpf_prog_test_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &test_sk_check_kfunc_ids,
};

static int __init bpf_prog_test_run_init(void)
{
	int ret;

	ret = register_btf_fmodret_id_set(&bpf_test_modify_return_set);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &bpf_prog_test_kfunc_set);
	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING,
					       &bpf_prog_test_kfunc_set);
	return ret;
}
`
	ctV518 = `BTF_SET_START(nf_ct_xdp_check_kfunc_ids)
BTF_ID(func, bpf_xdp_ct_lookup)
BTF_ID(func, bpf_ct_release)
BTF_SET_END(nf_ct_xdp_check_kfunc_ids)

BTF_SET_START(nf_ct_tc_check_kfunc_ids)
BTF_ID(func, bpf_skb_ct_lookup)
BTF_ID(func, bpf_ct_release)
BTF_SET_END(nf_ct_tc_check_kfunc_ids)

BTF_SET_START(nf_ct_acquire_kfunc_ids)
BTF_ID(func, bpf_xdp_ct_lookup)
BTF_ID(func, bpf_skb_ct_lookup)
BTF_SET_END(nf_ct_acquire_kfunc_ids)

BTF_SET_START(nf_ct_release_kfunc_ids)
BTF_ID(func, bpf_ct_release)
BTF_SET_END(nf_ct_release_kfunc_ids)

/* Both sets are identical */
#define nf_ct_ret_null_kfunc_ids nf_ct_acquire_kfunc_ids

static const struct btf_kfunc_id_set nf_conntrack_xdp_kfunc_set = {
	.owner        = THIS_MODULE,
	.check_set    = &nf_ct_xdp_check_kfunc_ids,
	.acquire_set  = &nf_ct_acquire_kfunc_ids,
	.release_set  = &nf_ct_release_kfunc_ids,
	.ret_null_set = &nf_ct_ret_null_kfunc_ids,
};

static const struct btf_kfunc_id_set nf_conntrack_tc_kfunc_set = {
	.owner        = THIS_MODULE,
	.check_set    = &nf_ct_tc_check_kfunc_ids,
	.acquire_set  = &nf_ct_acquire_kfunc_ids,
	.release_set  = &nf_ct_release_kfunc_ids,
	.ret_null_set = &nf_ct_ret_null_kfunc_ids,
};

int register_nf_conntrack_bpf(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &nf_conntrack_xdp_kfunc_set);
	return ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &nf_conntrack_tc_kfunc_set);
}
`
	ctV60 = `BTF_SET8_START(nf_ct_kfunc_set)
BTF_ID_FLAGS(func, bpf_xdp_ct_lookup, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_skb_ct_lookup, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_ct_release, KF_RELEASE)
BTF_SET8_END(nf_ct_kfunc_set)

static const struct btf_kfunc_id_set nf_conntrack_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &nf_ct_kfunc_set,
};

int register_nf_conntrack_bpf(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &nf_conntrack_kfunc_set);
	return ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &nf_conntrack_kfunc_set);
}
`
)

// TestOnlyKfuncSets removes and adds whole lists: only kfunc sets give
// changes, with the whole file and with hunks alone.
func TestOnlyKfuncSets(t *testing.T) {
	const path = "kernel/bpf/x.c"
	tests := []struct {
		name, old, new string
		want           []string // "kind kfunc" of every change
	}{
		{"LSM hook list removed", "int a;\n" + lsmHooks, "int a;\n", nil},
		{"LSM hook list added", "int a;\n", "int a;\n" + lsmHooks, nil},
		{"verifier deny list entry removed", noreturnDeny, "BTF_SET_START(noreturn_deny)\nBTF_SET_END(noreturn_deny)\n", nil},
		{"fmod_ret set removed", "int a;\n" + mptcpFmodret, "int a;\n", nil},
		{"fmod_ret entry flags", testRunSets, replaceAll(testRunSets, "bpf_fentry_test1, KF_SLEEPABLE", "bpf_fentry_test1"), nil},
		{"kfunc set entry removed", testRunSets, replaceAll(testRunSets, "BTF_ID_FLAGS(func, bpf_kfunc_call_test_release, KF_RELEASE)\n", ""),
			[]string{"removed bpf_kfunc_call_test_release"}},
	}
	cfg := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := gitPatch(t, path, tt.old, tt.new)
			for _, mode := range []string{"full", "hunks"} {
				opt := Options{Policy: cfg}
				if mode == "full" {
					opt.Baseline = blobBaseline{path, tt.old}
				}
				res := Patch(parse(t, text), opt)
				var got []string
				for _, c := range res.Changes {
					got = append(got, fmt.Sprintf("%s %s", c.Kind, c.Kfunc))
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s: changes %q, want %q", mode, got, tt.want)
				}
			}
		})
	}
}

func replaceAll(s, old, new string) string {
	out := ""
	for {
		i := indexOf(s, old)
		if i < 0 {
			return out + s
		}
		out += s[:i] + new
		s = s[i+len(old):]
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestLegacyConversion is "netfilter: nf_conntrack: Switch to new kfunc
// flags infrastructure" in miniature: the v5.18 sets become one BTF_SET8
// with the same effective flags and program types, which is a move.
func TestLegacyConversion(t *testing.T) {
	const path = "net/netfilter/nf_conntrack_bpf.c"
	text := gitPatch(t, path, ctV518, ctV60)
	cfg := policy.Default()
	for _, mode := range []string{"full", "hunks"} {
		opt := Options{Policy: cfg}
		if mode == "full" {
			opt.Baseline = blobBaseline{path, ctV518}
		}
		res := Patch(parse(t, text), opt)
		flags := map[string][]string{}
		for _, es := range res.Before.Entries {
			for _, e := range es {
				flags[e.Name] = append(flags[e.Name], e.FlagString())
			}
		}
		wantFlags := map[string][]string{
			"bpf_xdp_ct_lookup": {"KF_ACQUIRE | KF_RET_NULL"},
			"bpf_skb_ct_lookup": {"KF_ACQUIRE | KF_RET_NULL"},
			"bpf_ct_release":    {"KF_RELEASE", "KF_RELEASE"},
		}
		if fmt.Sprint(flags) != fmt.Sprint(wantFlags) {
			t.Errorf("%s: effective v5.18 flags %v, want %v", mode, flags, wantFlags)
		}
		// The one set is registered for both program types, so the
		// lookups each gain one; nothing is lost.
		var got []string
		for _, c := range res.Changes {
			got = append(got, fmt.Sprintf("%s %s %v", c.Kind, c.Kfunc, c.Access))
		}
		want := []string{
			"moved bpf_xdp_ct_lookup []",
			"availability bpf_xdp_ct_lookup [now callable from BPF_PROG_TYPE_SCHED_CLS]",
			"moved bpf_skb_ct_lookup []",
			"availability bpf_skb_ct_lookup [now callable from BPF_PROG_TYPE_XDP]",
			"moved bpf_ct_release []",
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: changes\n%q\nwant\n%q", mode, got, want)
		}
	}
}
