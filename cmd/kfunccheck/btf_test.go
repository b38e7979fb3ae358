// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const bt = "../../patchcheck/btfinfo/testdata/"

func TestBTFCommands(t *testing.T) {
	stable := filepath.Join(t.TempDir(), "stable.txt")
	if err := os.WriteFile(stable, []byte("bpf_task_acquire\nbpf_dynptr_slice\nbpf_old_thing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"list raw", []string{"btf", "list", bt + "old.btf"}, 0, []string{"u32 bpf_len(u32 n)\n", "__bpf_fastcall void *bpf_cast_to_kern_ctx(void *obj)\n"}},
		{"list elf flags", []string{"btf", "list", bt + "new-be.elf"}, 0, []string{"struct task_struct *bpf_task_acquire(struct task_struct *p)  /* KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_SLEEPABLE */"}},
		{"list flags by set", []string{"btf", "list", bt + "new-le.elf"}, 0, []string{
			"__bpf_fastcall void *bpf_cast_to_kern_ctx(void *obj)  /* common_btf_ids: 0; tracing_btf_ids: KF_RCU */\n",
			"/* unresolved, not callable: common_btf_ids: bpf_compiled_out */\n"}},
		{"list missing", []string{"btf", "list", bt + "nope.btf"}, 2, []string{"no such file"}},
		{"list not btf", []string{"btf", "list", bt + "prog.bpf.c"}, 2, []string{"prog.bpf.c"}},
		{"diff", []string{"btf", "diff", bt + "old-le.elf", bt + "new-le.elf"}, 0, []string{"removed    bpf_old_thing", "flags      bpf_task_acquire: +[KF_SLEEPABLE] -[] (in set generic_btf_ids)\n",
			"moved      bpf_cast_to_kern_ctx: joined tracing_btf_ids\n", "ready for submission"}},
		{"diff stable", []string{"btf", "diff", "--stable-list", stable, bt + "old-le.elf", bt + "new-le.elf"}, 1, []string{"ERROR:STABLE_REMOVAL: bpf_old_thing", "ERROR:STABLE_SIGNATURE: bpf_dynptr_slice", "ERROR:STABLE_FLAGS_BREAKING: bpf_task_acquire"}},
		{"diff sarif", []string{"btf", "diff", "--format", "sarif", "--stable-list", stable, bt + "old.btf", bt + "new.btf"}, 1, []string{`"ruleId":"STABLE_SIGNATURE"`}},
		{"uses", []string{"btf", "uses", bt + "prog.bpf.o"}, 0, []string{"int bpf_old_thing(struct task_struct *) /* __weak */"}},
		// libbpf takes any integer for any integer: u32 where the
		// kernel now takes u64 still resolves, with a note.
		{"compat", []string{"btf", "compat", "--kernel", bt + "new-le.elf", bt + "prog.bpf.o"}, 1, []string{
			"compatible   void *bpf_dynptr_slice", "parameter 2: u32 in the program, u64 in the kernel (libbpf takes any integer for any integer)",
			"missing      int bpf_gone_for_good", "6 kfuncs, 1 keep it from loading on new-le: does not load"}},
		{"compat old kernel", []string{"btf", "compat", "--kernel", bt + "old.btf", bt + "prog.bpf.o"}, 1, []string{"1 keep it from loading"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			for _, w := range tt.out {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, stderr)
				}
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s%s", code, tt.code, out, stderr)
			}
		})
	}
	out, _, _ := runCLI(t, "", "btf", "list", "--format", "json", bt+"new-le.elf")
	var doc struct {
		Kfuncs []struct {
			Name, Prototype string
			Tags, Flags     []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Kfuncs) != 7 {
		t.Fatalf("json: %v %s", err, out)
	}
}

// gunzip writes a gzipped fixture, decompressed, into dir.
func gunzip(t *testing.T, dir, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".gz"))
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBTFRealKernels runs btf list and diff on Debian's 6.1 and 6.12
// kernels (patchcheck/btfinfo holds their flags against an independent
// reader; this checks what the commands print of them).
func TestBTFRealKernels(t *testing.T) {
	dir := t.TempDir()
	v61 := gunzip(t, dir, bt+"real/vmlinux-6.1.0-57-amd64.elf.gz")
	v612 := gunzip(t, dir, bt+"real/vmlinux-6.12.117+deb12-amd64.elf.gz")
	ct612 := gunzip(t, dir, bt+"real/nf_conntrack-6.12.117+deb12-amd64.ko.gz")
	tests := []struct {
		name  string
		args  []string
		lines int // of the output, -1 to not count
		out   []string
		// kinds counts the changes of each kind btf diff prints.
		kinds map[string]int
	}{
		{"list 6.1", []string{"btf", "list", v61}, 42, []string{
			"struct bpf_key *bpf_lookup_user_key(u32 serial, u64 flags)  /* KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE */\n",
			"void crash_kexec(struct pt_regs *regs)  /* KF_DESTRUCTIVE */\n"}, nil},
		{"list 6.12", []string{"btf", "list", v612}, 132, []string{
			"struct task_struct *bpf_task_acquire(struct task_struct *p)  /* KF_ACQUIRE | KF_RCU | KF_RET_NULL */\n",
			"void bpf_rcu_read_lock(void)\n"}, nil},
		{"list module", []string{"btf", "list", "--base", v612, ct612}, 10, []string{
			"struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple, u32 tuple__sz, struct bpf_ct_opts *opts, u32 opts__sz)  /* KF_ACQUIRE | KF_RET_NULL */\n",
			"void bpf_ct_release(struct nf_conn *nfct)  /* KF_RELEASE */\n"}, nil},
		{"diff 6.1 6.12", []string{"btf", "diff", v61, v612}, -1, []string{
			"moved      crash_kexec: from set tracing_btf_ids to set generic_btf_ids\n",
			"signature  bpf_verify_pkcs7_signature\n",
		}, map[string]int{"added": 112, "removed": 22, "signature": 1, "flags": 0, "moved": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if n := strings.Count(out, "\n"); tt.lines >= 0 && n != tt.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tt.lines, out)
			}
			got := map[string]int{}
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) > 1 && !strings.HasPrefix(l, " ") {
					got[f[0]]++
				}
			}
			for kind, n := range tt.kinds {
				if got[kind] != n {
					t.Errorf("%d %s, want %d", got[kind], kind, n)
				}
			}
		})
	}
}

// TestCheckWithBTF: --btf makes a built kernel's kfuncs known, and
// --stable-list-from makes a program's kfuncs stable.
func TestCheckWithBTF(t *testing.T) {
	sig := "../../rules/testdata/STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	out, _, code := runCLI(t, "", "check", "--show-types", "--stable-list-from", bt+"prog.bpf.o", sig)
	if code != 1 || !strings.Contains(out, "ERROR:STABLE_SIGNATURE: bpf_dynptr_slice") || !strings.Contains(out, "kfuncs used by") {
		t.Errorf("--stable-list-from: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "", "check", "--strict", "--show-types", "--btf", bt+"old-le.elf", sig)
	if code != 1 || !strings.Contains(out, "a kfunc in "+bt+"old-le.elf") {
		t.Errorf("--btf: exit %d\n%s", code, out)
	}
}

// TestCompatMatrix: btf compat over several kernels prints one column per
// kernel and whether the program loads on each.
func TestCompatMatrix(t *testing.T) {
	out, stderr, code := runCLI(t, "", "btf", "compat", "--kernel", bt+"old-le.elf", "--kernel", bt+"new-le.elf", bt+"prog.bpf.o")
	if code != 1 {
		t.Errorf("exit %d, want 1 (the program does not load everywhere)\n%s%s", code, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], "old-le") || !strings.Contains(lines[0], "new-le") ||
		!strings.HasPrefix(lines[len(lines)-1], "loads") {
		t.Fatalf("matrix:\n%s", out)
	}
	single, _, _ := runCLI(t, "", "btf", "compat", "--format", "json", "--kernel", bt+"new-le.elf", bt+"prog.bpf.o")
	matrix, _, _ := runCLI(t, "", "btf", "compat", "--format", "json", "--kernel", bt+"old-le.elf", "--kernel", bt+"new-le.elf", bt+"prog.bpf.o")
	type doc struct {
		Kernels  []struct{ Label string }
		Programs []struct {
			Program  string
			Releases []json.RawMessage
		}
	}
	var one, many doc
	if err := json.Unmarshal([]byte(single), &one); err != nil || len(one.Programs) != 1 || len(one.Programs[0].Releases) != 1 {
		t.Fatalf("%v\n%s", err, single)
	}
	if err := json.Unmarshal([]byte(matrix), &many); err != nil || len(many.Kernels) != 2 || len(many.Programs[0].Releases) != 2 {
		t.Fatalf("%v\n%s", err, matrix)
	}
	// The matrix's column for a kernel says what the single check says.
	if string(many.Programs[0].Releases[1]) != string(one.Programs[0].Releases[0]) {
		t.Errorf("column %s\nsingle check %s", many.Programs[0].Releases[1], one.Programs[0].Releases[0])
	}
}
