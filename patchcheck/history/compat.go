// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"debug/elf"
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
)

// Compat is a BPF program's compatibility with each release of a
// history.
type Compat struct {
	Program string `json:"program"`
	// ProgTypes are the program types of its programs, from their ELF
	// section names as libbpf reads them.
	ProgTypes []string         `json:"prog_types"`
	Uses      []*btfinfo.Use   `json:"uses"`
	Releases  []*CompatRelease `json:"releases"`
}

// CompatRelease says whether the program loads on one release.
type CompatRelease struct {
	Release string `json:"release"`
	// Loads is true when every strong kfunc is present, has a compatible
	// prototype and, where the release knows program types, is callable
	// from the program's types.
	Loads bool `json:"loads"`
	// Missing are the strong kfuncs the release lacks; WeakMissing the
	// weak ones (the program can test them with bpf_ksym_exists()).
	Missing     []string `json:"missing"`
	WeakMissing []string `json:"weak_missing"`
	// Incompatible maps kfuncs to why their prototype breaks the call;
	// a weak one only makes the kfunc unresolved, as if missing.
	Incompatible map[string][]string `json:"incompatible,omitempty"`
	// NotCallable maps kfuncs to the program types they are present
	// for, none of which is the program's.
	NotCallable map[string][]string `json:"not_callable,omitempty"`
	// Unknown says what the release cannot tell ("program types: BTF
	// holds no registrations").
	Unknown string `json:"unknown,omitempty"`
}

// secProgTypes maps libbpf section name prefixes to program types; the
// first match wins, so longer prefixes come first.
var secProgTypes = [][2]string{
	{"tp_btf/", "BPF_PROG_TYPE_TRACING"}, {"fentry", "BPF_PROG_TYPE_TRACING"}, {"fexit", "BPF_PROG_TYPE_TRACING"},
	{"fmod_ret", "BPF_PROG_TYPE_TRACING"}, {"iter", "BPF_PROG_TYPE_TRACING"},
	{"lsm", "BPF_PROG_TYPE_LSM"}, {"struct_ops", "BPF_PROG_TYPE_STRUCT_OPS"},
	{"xdp", "BPF_PROG_TYPE_XDP"}, {"tcx/", "BPF_PROG_TYPE_SCHED_CLS"}, {"tc", "BPF_PROG_TYPE_SCHED_CLS"},
	{"classifier", "BPF_PROG_TYPE_SCHED_CLS"}, {"action", "BPF_PROG_TYPE_SCHED_ACT"},
	{"syscall", "BPF_PROG_TYPE_SYSCALL"}, {"kprobe", "BPF_PROG_TYPE_KPROBE"}, {"kretprobe", "BPF_PROG_TYPE_KPROBE"},
	{"uprobe", "BPF_PROG_TYPE_KPROBE"}, {"uretprobe", "BPF_PROG_TYPE_KPROBE"}, {"ksyscall", "BPF_PROG_TYPE_KPROBE"},
	{"raw_tp", "BPF_PROG_TYPE_RAW_TRACEPOINT"}, {"raw_tracepoint", "BPF_PROG_TYPE_RAW_TRACEPOINT"},
	{"tracepoint", "BPF_PROG_TYPE_TRACEPOINT"}, {"tp/", "BPF_PROG_TYPE_TRACEPOINT"},
	{"perf_event", "BPF_PROG_TYPE_PERF_EVENT"}, {"cgroup_skb", "BPF_PROG_TYPE_CGROUP_SKB"},
	{"cgroup/sock_create", "BPF_PROG_TYPE_CGROUP_SOCK"}, {"cgroup/sock_release", "BPF_PROG_TYPE_CGROUP_SOCK"},
	{"cgroup/post_bind", "BPF_PROG_TYPE_CGROUP_SOCK"}, {"cgroup/dev", "BPF_PROG_TYPE_CGROUP_DEVICE"},
	{"cgroup/sysctl", "BPF_PROG_TYPE_CGROUP_SYSCTL"}, {"cgroup/getsockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT"},
	{"cgroup/setsockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT"}, {"cgroup/", "BPF_PROG_TYPE_CGROUP_SOCK_ADDR"},
	{"sockops", "BPF_PROG_TYPE_SOCK_OPS"}, {"sk_skb", "BPF_PROG_TYPE_SK_SKB"}, {"sk_msg", "BPF_PROG_TYPE_SK_MSG"},
	{"sk_lookup", "BPF_PROG_TYPE_SK_LOOKUP"}, {"socket", "BPF_PROG_TYPE_SOCKET_FILTER"},
	{"netfilter", "BPF_PROG_TYPE_NETFILTER"}, {"flow_dissector", "BPF_PROG_TYPE_FLOW_DISSECTOR"},
}

// ProgTypes reads the program types of a BPF object's programs from its
// executable sections' names.
func ProgTypes(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var out []string
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Name == ".text" {
			continue
		}
		for _, p := range secProgTypes {
			if strings.HasPrefix(s.Name, p[0]) {
				out = append(out, p[1])
				break
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// CheckCompat judges a program's uses against every release.
func (h *History) CheckCompat(program string, progTypes []string, uses []*btfinfo.Use, opt cscan.CompareOptions) *Compat {
	c := &Compat{Program: program, ProgTypes: progTypes, Uses: uses}
	if c.ProgTypes == nil {
		c.ProgTypes = []string{}
	}
	for _, r := range h.Releases {
		cr := &CompatRelease{Release: r.Name, Missing: []string{}, WeakMissing: []string{}}
		if !r.HasProgTypes {
			cr.Unknown = "program types: BTF holds no registrations"
		}
		for _, u := range uses {
			k := r.Kfuncs[u.Name]
			if k == nil {
				if u.Weak {
					cr.WeakMissing = append(cr.WeakMissing, u.Name)
				} else {
					cr.Missing = append(cr.Missing, u.Name)
				}
				continue
			}
			for _, d := range btfinfo.CompareUse(u, k.proto, opt) {
				if d.Breaking {
					if cr.Incompatible == nil {
						cr.Incompatible = map[string][]string{}
					}
					cr.Incompatible[u.Name] = append(cr.Incompatible[u.Name], d.What)
				}
			}
			if r.HasProgTypes && len(progTypes) > 0 && !callable(k.ProgTypes, progTypes) {
				if cr.NotCallable == nil {
					cr.NotCallable = map[string][]string{}
				}
				cr.NotCallable[u.Name] = k.ProgTypes
			}
		}
		// libbpf leaves a weak kfunc whose prototype does not match
		// unresolved, as if it were missing, and the program tests it
		// with bpf_ksym_exists(); a strong one fails the load. A kfunc
		// the program's type may not call fails verification either way.
		cr.Loads = len(cr.Missing) == 0 && len(cr.NotCallable) == 0
		for _, u := range uses {
			if _, bad := cr.Incompatible[u.Name]; bad && !u.Weak {
				cr.Loads = false
			}
		}
		c.Releases = append(c.Releases, cr)
	}
	return c
}

// callable reports whether a kfunc registered for have may be called by
// every one of the program's types: BPF_PROG_TYPE_UNSPEC registers it
// for all.
func callable(have, progTypes []string) bool {
	if slices.Contains(have, "BPF_PROG_TYPE_UNSPEC") {
		return true
	}
	for _, pt := range progTypes {
		if !slices.Contains(have, pt) {
			return false
		}
	}
	return true
}
