// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// gitPatch returns the patch git writes for changing path from old to
// new, as format-patch would show it (full index lines).
func gitPatch(t *testing.T, path, old, new string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.autocrlf=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(s string) {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "-q")
	write(old)
	run("add", ".")
	run("commit", "-q", "-m", "base")
	write(new)
	return "Subject: [PATCH] test\n\nA change.\n---\n" + run("diff", "--full-index")
}

// blobBaseline serves one file's content for any blob id.
type blobBaseline struct{ path, content string }

func (b blobBaseline) PreImage(path, blob string) ([]byte, error) {
	if path == b.path {
		return []byte(b.content), nil
	}
	return nil, os.ErrNotExist
}
func (blobBaseline) Stable(string) (string, bool) { return "", false }
func (blobBaseline) Describe() string             { return "test" }

func realFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tree", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q found %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, new, 1)
}

// TestAvailability runs availability scenarios on the real Linux 6.12
// kernel/bpf/cpumask.c, with the whole pre-image and with hunks only.
func TestAvailability(t *testing.T) {
	const path = "kernel/bpf/cpumask.c"
	orig := realFile(t, path)
	const first = "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)\n"
	tests := []struct {
		name string
		edit func(string) string
		// want is the availability of bpf_cpumask_first, as
		// "what progtype" strings, with the whole file and with hunks.
		full, hunks []string
		// kinds are all change kinds of bpf_cpumask_first (whole file).
		kinds []model.ChangeKind
	}{
		{
			name: "registration removed",
			edit: func(s string) string {
				return replaceOnce(t, s, "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &cpumask_kfunc_set);\n", "")
			},
			full:  []string{"lost BPF_PROG_TYPE_TRACING"},
			kinds: []model.ChangeKind{model.KindAvailability},
		},
		{
			name: "registration gained",
			edit: func(s string) string {
				return replaceOnce(t, s, "\treturn  ret ?: register_btf_id_dtor_kfuncs(",
					"\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM, &cpumask_kfunc_set);\n\treturn  ret ?: register_btf_id_dtor_kfuncs(")
			},
			full:  []string{"gained BPF_PROG_TYPE_LSM"},
			kinds: []model.ChangeKind{model.KindAvailability},
		},
		{
			name: "filter added",
			edit: func(s string) string {
				return replaceOnce(t, s, "\t.set   = &cpumask_kfunc_btf_ids,\n", "\t.set   = &cpumask_kfunc_btf_ids,\n\t.filter = cpumask_kfunc_filter,\n")
			},
			full:  []string{"filtered BPF_PROG_TYPE_STRUCT_OPS", "filtered BPF_PROG_TYPE_SYSCALL", "filtered BPF_PROG_TYPE_TRACING"},
			kinds: []model.ChangeKind{model.KindAvailability},
		},
		{
			name: "entry under a new #if",
			edit: func(s string) string {
				return replaceOnce(t, s, first, "#ifdef CONFIG_BPF_CPUMASK_FIRST\n"+first+"#endif\n")
			},
			full:  []string{"conditional BPF_PROG_TYPE_STRUCT_OPS", "conditional BPF_PROG_TYPE_SYSCALL", "conditional BPF_PROG_TYPE_TRACING"},
			hunks: []string{"conditional "},
			kinds: []model.ChangeKind{model.KindAvailability},
		},
		{
			name: "registration moved under #if",
			edit: func(s string) string {
				return replaceOnce(t, s, "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &cpumask_kfunc_set);\n",
					"#ifdef CONFIG_BPF_SYSCALL_CPUMASK\n\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &cpumask_kfunc_set);\n#endif\n")
			},
			full:  []string{"conditional BPF_PROG_TYPE_SYSCALL"},
			kinds: []model.ChangeKind{model.KindAvailability},
		},
		{
			name: "moved to another set registered the same way",
			edit: func(s string) string {
				s = replaceOnce(t, s, first, "")
				s = replaceOnce(t, s, "BTF_ID_LIST(cpumask_dtor_ids)\n", "BTF_KFUNCS_START(cpumask_more_ids)\n"+first+
					"BTF_KFUNCS_END(cpumask_more_ids)\n\nstatic const struct btf_kfunc_id_set cpumask_more_set = {\n\t.owner = THIS_MODULE,\n\t.set   = &cpumask_more_ids,\n};\n\nBTF_ID_LIST(cpumask_dtor_ids)\n")
				return replaceOnce(t, s, "\treturn  ret ?: register_btf_id_dtor_kfuncs(",
					"\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &cpumask_more_set);\n"+
						"\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &cpumask_more_set);\n"+
						"\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &cpumask_more_set);\n"+
						"\treturn  ret ?: register_btf_id_dtor_kfuncs(")
			},
			full:  nil,
			kinds: []model.ChangeKind{model.KindMoved},
		},
	}
	cfg := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := gitPatch(t, path, orig, tt.edit(orig))
			for _, mode := range []string{"full", "hunks"} {
				opt := Options{Policy: cfg}
				want := tt.hunks
				if mode == "full" {
					opt.Baseline = blobBaseline{path, orig}
					want = tt.full
				}
				res := Patch(parse(t, text), opt)
				if mode == "full" && len(res.FullFiles) != 1 {
					t.Fatalf("full pre-image not used: %v", res.Errors)
				}
				var got []string
				var kinds []model.ChangeKind
				for _, c := range res.Changes {
					if c.Kfunc != "bpf_cpumask_first" {
						continue
					}
					kinds = append(kinds, c.Kind)
					for _, a := range c.Access {
						got = append(got, a.What+" "+a.ProgType)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: access %q, want %q", mode, got, want)
				}
				if mode == "full" && !slices.Equal(kinds, tt.kinds) {
					t.Errorf("%s: kinds %v, want %v", mode, kinds, tt.kinds)
				}
			}
		})
	}
}
