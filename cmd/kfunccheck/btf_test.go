// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
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
		{"list missing", []string{"btf", "list", bt + "nope.btf"}, 2, []string{"no such file"}},
		{"list not btf", []string{"btf", "list", bt + "prog.bpf.c"}, 2, []string{"prog.bpf.c"}},
		{"diff", []string{"btf", "diff", bt + "old-le.elf", bt + "new-le.elf"}, 0, []string{"removed    bpf_old_thing", "flags      bpf_task_acquire: +[KF_SLEEPABLE] -[]", "ready for submission"}},
		{"diff stable", []string{"btf", "diff", "--stable-list", stable, bt + "old-le.elf", bt + "new-le.elf"}, 1, []string{"ERROR:STABLE_REMOVAL: bpf_old_thing", "ERROR:STABLE_SIGNATURE: bpf_dynptr_slice", "ERROR:STABLE_FLAGS_BREAKING: bpf_task_acquire"}},
		{"diff sarif", []string{"btf", "diff", "--format", "sarif", "--stable-list", stable, bt + "old.btf", bt + "new.btf"}, 1, []string{`"ruleId":"STABLE_SIGNATURE"`}},
		{"uses", []string{"btf", "uses", bt + "prog.bpf.o"}, 0, []string{"int bpf_old_thing(struct task_struct *) /* __weak */"}},
		{"compat", []string{"btf", "compat", "--kernel", bt + "new-le.elf", bt + "prog.bpf.o"}, 1, []string{"incompatible void *bpf_dynptr_slice", "missing      int bpf_gone_for_good", "2 missing or incompatible"}},
		{"compat old kernel", []string{"btf", "compat", "--kernel", bt + "old.btf", bt + "prog.bpf.o"}, 1, []string{"1 missing or incompatible"}},
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

// TestCheckWithBTF: --btf makes a built kernel's kfuncs known, and
// --stable-list-from makes a program's kfuncs stable.
func TestCheckWithBTF(t *testing.T) {
	sig := "../../rules/testdata/STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	out, _, code := runCLI(t, "", "check", "--show-types", "--stable-list-from", bt+"prog.bpf.o", sig)
	if code != 1 || !strings.Contains(out, "ERROR:STABLE_SIGNATURE: bpf_dynptr_slice") || !strings.Contains(out, "kfuncs used by") {
		t.Errorf("--stable-list-from: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "", "check", "--strict", "--show-types", "--btf", bt+"old-le.elf", sig)
	if code != 0 || !strings.Contains(out, "a kfunc in "+bt+"old-le.elf") {
		t.Errorf("--btf: exit %d\n%s", code, out)
	}
}
