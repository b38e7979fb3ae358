// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// secDef is one row of libbpf's table of ELF section names (libbpf.c,
// section_defs): a program in a section named so is of that type. A
// name ending in "/" matches as a prefix; one ending in "+" matches
// exactly or followed by "/"; any other exactly (sec_def_matches). The
// first row that matches wins (find_sec_def).
type secDef struct{ sec, progType string }

// secDefs is libbpf's table as of libbpf/libbpf f7081a6 (2026-07-30),
// src/libbpf.c, section_defs[], in its order.
var secDefs = []secDef{
	{"socket", "SOCKET_FILTER"}, {"sk_reuseport/migrate", "SK_REUSEPORT"}, {"sk_reuseport", "SK_REUSEPORT"},
	{"kprobe+", "KPROBE"}, {"uprobe+", "KPROBE"}, {"uprobe.s+", "KPROBE"}, {"kretprobe+", "KPROBE"},
	{"uretprobe+", "KPROBE"}, {"uretprobe.s+", "KPROBE"}, {"kprobe.multi+", "KPROBE"}, {"kretprobe.multi+", "KPROBE"},
	{"kprobe.session+", "KPROBE"}, {"uprobe.multi+", "KPROBE"}, {"uretprobe.multi+", "KPROBE"},
	{"uprobe.session+", "KPROBE"}, {"uprobe.multi.s+", "KPROBE"}, {"uretprobe.multi.s+", "KPROBE"},
	{"uprobe.session.s+", "KPROBE"}, {"ksyscall+", "KPROBE"}, {"kretsyscall+", "KPROBE"}, {"usdt+", "KPROBE"},
	{"usdt.s+", "KPROBE"}, {"tc/ingress", "SCHED_CLS"}, {"tc/egress", "SCHED_CLS"}, {"tcx/ingress", "SCHED_CLS"},
	{"tcx/egress", "SCHED_CLS"}, {"tc", "SCHED_CLS"}, {"classifier", "SCHED_CLS"}, {"action", "SCHED_ACT"},
	{"netkit/primary", "SCHED_CLS"}, {"netkit/peer", "SCHED_CLS"}, {"tracepoint+", "TRACEPOINT"}, {"tp+", "TRACEPOINT"},
	{"tracepoint.s+", "TRACEPOINT"}, {"tp.s+", "TRACEPOINT"}, {"raw_tracepoint+", "RAW_TRACEPOINT"},
	{"raw_tp+", "RAW_TRACEPOINT"}, {"raw_tracepoint.s+", "RAW_TRACEPOINT"}, {"raw_tp.s+", "RAW_TRACEPOINT"},
	{"raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE"}, {"raw_tp.w+", "RAW_TRACEPOINT_WRITABLE"},
	{"tp_btf+", "TRACING"}, {"tp_btf.s+", "TRACING"}, {"fentry+", "TRACING"}, {"fmod_ret+", "TRACING"},
	{"fexit+", "TRACING"}, {"fentry.s+", "TRACING"}, {"fmod_ret.s+", "TRACING"}, {"fexit.s+", "TRACING"},
	{"fsession+", "TRACING"}, {"fsession.s+", "TRACING"}, {"fsession.multi+", "TRACING"},
	{"fsession.multi.s+", "TRACING"}, {"fentry.multi+", "TRACING"}, {"fexit.multi+", "TRACING"},
	{"fentry.multi.s+", "TRACING"}, {"fexit.multi.s+", "TRACING"}, {"freplace+", "EXT"}, {"lsm+", "LSM"},
	{"lsm.s+", "LSM"}, {"lsm_cgroup+", "LSM"}, {"iter+", "TRACING"}, {"iter.s+", "TRACING"}, {"syscall", "SYSCALL"},
	{"xdp.frags/devmap", "XDP"}, {"xdp/devmap", "XDP"}, {"xdp.frags/cpumap", "XDP"}, {"xdp/cpumap", "XDP"},
	{"xdp.frags", "XDP"}, {"xdp", "XDP"}, {"perf_event", "PERF_EVENT"}, {"lwt_in", "LWT_IN"}, {"lwt_out", "LWT_OUT"},
	{"lwt_xmit", "LWT_XMIT"}, {"lwt_seg6local", "LWT_SEG6LOCAL"}, {"sockops", "SOCK_OPS"},
	{"sk_skb/stream_parser", "SK_SKB"}, {"sk_skb/stream_verdict", "SK_SKB"}, {"sk_skb/verdict", "SK_SKB"},
	{"sk_skb", "SK_SKB"}, {"sk_msg", "SK_MSG"}, {"lirc_mode2", "LIRC_MODE2"}, {"flow_dissector", "FLOW_DISSECTOR"},
	{"cgroup_skb/ingress", "CGROUP_SKB"}, {"cgroup_skb/egress", "CGROUP_SKB"}, {"cgroup/skb", "CGROUP_SKB"},
	{"cgroup/sock_create", "CGROUP_SOCK"}, {"cgroup/sock_release", "CGROUP_SOCK"}, {"cgroup/sock", "CGROUP_SOCK"},
	{"cgroup/post_bind4", "CGROUP_SOCK"}, {"cgroup/post_bind6", "CGROUP_SOCK"}, {"cgroup/bind4", "CGROUP_SOCK_ADDR"},
	{"cgroup/bind6", "CGROUP_SOCK_ADDR"}, {"cgroup/connect4", "CGROUP_SOCK_ADDR"}, {"cgroup/connect6", "CGROUP_SOCK_ADDR"},
	{"cgroup/connect_unix", "CGROUP_SOCK_ADDR"}, {"cgroup/sendmsg4", "CGROUP_SOCK_ADDR"},
	{"cgroup/sendmsg6", "CGROUP_SOCK_ADDR"}, {"cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR"},
	{"cgroup/recvmsg4", "CGROUP_SOCK_ADDR"}, {"cgroup/recvmsg6", "CGROUP_SOCK_ADDR"},
	{"cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR"}, {"cgroup/getpeername4", "CGROUP_SOCK_ADDR"},
	{"cgroup/getpeername6", "CGROUP_SOCK_ADDR"}, {"cgroup/getpeername_unix", "CGROUP_SOCK_ADDR"},
	{"cgroup/getsockname4", "CGROUP_SOCK_ADDR"}, {"cgroup/getsockname6", "CGROUP_SOCK_ADDR"},
	{"cgroup/getsockname_unix", "CGROUP_SOCK_ADDR"}, {"cgroup/sysctl", "CGROUP_SYSCTL"},
	{"cgroup/getsockopt", "CGROUP_SOCKOPT"}, {"cgroup/setsockopt", "CGROUP_SOCKOPT"}, {"cgroup/dev", "CGROUP_DEVICE"},
	{"struct_ops+", "STRUCT_OPS"}, {"struct_ops.s+", "STRUCT_OPS"}, {"sk_lookup", "SK_LOOKUP"}, {"netfilter", "NETFILTER"},
}

// matches is libbpf's sec_def_matches.
func (d secDef) matches(name string) bool {
	switch d.sec[len(d.sec)-1] {
	case '/':
		return strings.HasPrefix(name, d.sec)
	case '+':
		p := d.sec[:len(d.sec)-1]
		rest, ok := strings.CutPrefix(name, p)
		return ok && (rest == "" || rest[0] == '/')
	}
	return name == d.sec
}

// SectionProgType returns the program type libbpf gives a program in an
// ELF section of that name, "BPF_PROG_TYPE_…", or "" when no row matches
// (libbpf then refuses the program unless the application sets a type).
func SectionProgType(name string) string {
	for _, d := range secDefs {
		if d.matches(name) {
			return "BPF_PROG_TYPE_" + d.progType
		}
	}
	return ""
}

// ProgTypes reads the program types of a BPF object's programs from its
// executable sections' names, as libbpf reads them; unknown lists the
// sections no row matches.
func ProgTypes(path string) (types, unknown []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ProgTypesFromReader(f, path)
}

// ProgTypesFromReader is ProgTypes for data already open.
func ProgTypesFromReader(r io.ReaderAt, path string) (types, unknown []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			types, unknown, err = nil, nil, fmt.Errorf("%s: malformed ELF: %v", path, p)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Name == ".text" || s.Size == 0 {
			continue
		}
		if pt := SectionProgType(s.Name); pt != "" {
			types = append(types, pt)
		} else {
			unknown = append(unknown, s.Name)
		}
	}
	slices.Sort(types)
	return slices.Compact(types), unknown, nil
}
