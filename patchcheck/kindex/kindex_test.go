// SPDX-License-Identifier: GPL-2.0-only

package kindex

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// files a random history draws from: kfunc files, plain files, a header
// with an X-macro list and its user, and files outside the kernel proper.
var contents = []string{
	"BTF_KFUNCS_START(a)\nBTF_ID_FLAGS(func, bpf_a, KF_RCU)\nBTF_KFUNCS_END(a)\n",
	"BTF_KFUNCS_START(a)\nBTF_ID_FLAGS(func, bpf_a)\nBTF_ID_FLAGS(func, bpf_b)\nBTF_KFUNCS_END(a)\n",
	"__bpf_kfunc int bpf_c(int x)\n{\n\treturn x;\n}\n",
	"int plain(void)\n{\n\treturn 0;\n}\n",
	"#include <net/list.h>\nBTF_KFUNCS_START(m)\n#define M(n) BTF_ID_FLAGS(func, n)\nLIST_xxx\n#undef M\nBTF_KFUNCS_END(m)\n",
}

var paths = []string{"kernel/bpf/a.c", "kernel/bpf/b.c", "net/core/c.c", "include/net/list.h", "tools/testing/t.c", "drivers/x.h"}

// TestDeriveMatchesWalk builds a random history and checks that the tree
// derived from an earlier commit equals the tree walked from scratch, for
// every commit, in both directions of the history.
func TestDeriveMatchesWalk(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	rnd := rand.New(rand.NewSource(1))
	var commits []string
	for i := 0; i < 30; i++ {
		for n := 0; n < 1+rnd.Intn(3); n++ {
			p := filepath.Join(dir, paths[rnd.Intn(len(paths))])
			if rnd.Intn(5) == 0 {
				os.Remove(p)
				continue
			}
			body := contents[rnd.Intn(len(contents))]
			if strings.HasSuffix(p, "list.h") {
				body = fmt.Sprintf("#define LIST_xxx \\\n\tM(bpf_l%d) \\\n\tM(bpf_m%d)\n", i, i)
			}
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(body), 0o644)
		}
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprint(i))
		commits = append(commits, git(t, dir, "rev-parse", "HEAD"))
	}
	repo, _, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	src := repo.(Source)
	describe := func(tr *Tree) string {
		var b strings.Builder
		for _, p := range tr.Files() {
			fmt.Fprintf(&b, "%s %s\n", p, tr.files[p])
		}
		tr.Scans(nil, func(path string, r *cscan.Result) {
			for _, u := range r.MacroUses {
				body, _ := tr.List(r, u.Name)
				fmt.Fprintf(&b, "%s uses %s: %q\n", path, u.Name, body)
			}
		})
		return b.String()
	}
	walked := map[string]string{}
	for _, c := range commits {
		tr, err := newIdx(src).At(c)
		if err != nil {
			t.Fatal(err)
		}
		walked[c] = describe(tr)
		if strings.Contains(walked[c], "tools/") {
			t.Errorf("%s: a file outside the kernel proper is indexed:\n%s", c, walked[c])
		}
	}
	for _, order := range [][]string{commits, reversed(commits)} {
		idx := newIdx(src)
		for _, c := range order {
			tr, err := idx.At(c)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(tr); got != walked[c] {
				t.Errorf("%s: derived\n%s\nwalked\n%s", c, got, walked[c])
			}
		}
		if idx.Reads > 3*len(commits)+len(paths) {
			t.Errorf("%d blobs read for %d commits: not incremental", idx.Reads, len(commits))
		}
	}
}

func newIdx(src Source) *Index {
	x := New(src)
	x.NotKernel = policy.Default().NotKernel
	return x
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestCache: verdicts survive a save and load, and a damaged cache file
// is ignored.
func TestCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache")
	x := New(nil)
	x.blob["1111111111111111111111111111111111111111"] = &blobInfo{kfunc: true}
	x.blob["2222222222222222222222222222222222222222"] = &blobInfo{}
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	y := New(nil)
	y.Load(path)
	if len(y.blob) != 2 || !y.blob["1111111111111111111111111111111111111111"].kfunc || y.blob["2222222222222222222222222222222222222222"].kfunc {
		t.Errorf("loaded %v", y.blob)
	}
	os.WriteFile(path, []byte(cacheVersion+"\nnot a line\n"), 0o600)
	z := New(nil)
	z.Load(path)
	if len(z.blob) != 0 {
		t.Errorf("a damaged cache was used: %v", z.blob)
	}
}
