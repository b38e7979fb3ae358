// SPDX-License-Identifier: GPL-2.0-only

package checkrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// git runs the git command in dir with no user or system configuration.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Jane", "GIT_AUTHOR_EMAIL=jane@example.org", "GIT_COMMITTER_NAME=Jane", "GIT_COMMITTER_EMAIL=jane@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// kernelRepo makes a repository of the test kernel tree, then a commit
// that touches a kfunc file and a file kfunccheck does not judge. It
// returns the work tree and that commit.
func kernelRepo(t *testing.T, format string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	dir := filepath.Join(t.TempDir(), "linux")
	git(t, filepath.Dir(dir), "init", "-q", "--object-format="+format, "-b", "main", dir)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "tree"))); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "baseline")
	helpers := filepath.Join(dir, "kernel", "bpf", "helpers.c")
	data, err := os.ReadFile(helpers)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(helpers, append(data, "/* tidy */\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "NOTES.txt"), []byte("not judged\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "bpf: tidy helpers")
	return dir, git(t, dir, "rev-parse", "HEAD")
}

// isolateCache points the kindex cache into the test's directory.
func isolateCache(t *testing.T) string {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("GIT_DIR", "")
	os.Unsetenv("GIT_DIR")
	return cache
}

func TestAttachWorkTree(t *testing.T) {
	isolateCache(t)
	dir, head := kernelRepo(t, "sha1")
	opt, _, err := patchcheck.LoadOptions(patchcheck.PolicyFrom{Trees: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	// A directory below the top finds the repository, as git does.
	s, err := Attach(filepath.Join(dir, "kernel"), opt, func(m string) { warned = append(warned, m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	given := opt
	opt = s.Options(opt)
	if given.Baseline == nil || given.Trees != nil || given.History != nil {
		t.Errorf("Options changed the options it was given: %+v", given)
	}
	if s.Name != dir || s.Head != head {
		t.Errorf("name %q head %q, want %q %q", s.Name, s.Head, dir, head)
	}
	multi, ok := opt.Baseline.(baseline.Multi)
	if !ok || len(multi) == 0 {
		t.Fatalf("baseline %#v is not the repository first", opt.Baseline)
	}
	if b, ok := multi[0].(gitrepo.Baseline); !ok || b.Name != dir {
		t.Errorf("first baseline %#v, want the repository named %q", multi[0], dir)
	}
	if opt.Trees == nil || opt.History == nil {
		t.Fatalf("trees %v, history %v: want both set", opt.Trees != nil, opt.History != nil)
	}
	// A patch from a file gets the tree at HEAD, which holds the kfuncs
	// of helpers.c.
	tv, err := opt.Trees.TreeFor(&model.Patch{Source: "x.patch"})
	if err != nil || tv == nil {
		t.Fatalf("tree at HEAD: %v, %v", tv, err)
	}
	// The selector is set: the file kfunccheck does not judge is not
	// rendered.
	series := s.Series([]string{head})
	if len(series.Patches) != 1 || series.Source != dir {
		t.Fatalf("series %+v", series)
	}
	var paths []string
	for _, fd := range series.Patches[0].Files {
		paths = append(paths, fd.Path())
	}
	if strings.Join(paths, " ") != "kernel/bpf/helpers.c" {
		t.Errorf("rendered %v, want only kernel/bpf/helpers.c", paths)
	}
	// The commit is judged against its parent, and without a finding.
	for _, res := range patchcheck.CheckSeries(series, opt) {
		if len(res.Errors) > 0 || len(res.Findings) > 0 {
			t.Errorf("%s: errors %v, findings %v", UnitName(res), res.Errors, res.Findings)
		}
	}
	if len(warned) > 0 {
		t.Errorf("warned %q", warned)
	}

	cache := kindex.CachePath(s.Layout.GitDir)
	if _, err := os.Stat(cache); err == nil {
		t.Fatalf("%s written before Close", cache)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cache)
	if err != nil {
		t.Fatalf("the index cache was not saved: %v", err)
	}
	blob := git(t, dir, "rev-parse", "HEAD:kernel/bpf/helpers.c")
	if !strings.Contains(string(data), blob+" 1\n") {
		t.Errorf("the cache does not hold helpers.c (%s) as a kfunc file:\n%s", blob, data)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestOptionsTwice: a second set of options (a bot list with its own
// policy) gets the same repository first in its baseline and the tree at
// HEAD, and a history of its own, while the first set keeps its own.
func TestOptionsTwice(t *testing.T) {
	isolateCache(t)
	dir, _ := kernelRepo(t, "sha1")
	s, err := Attach(dir, patchcheck.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := s.Options(patchcheck.Options{})
	own := policy.Default()
	own.List = "linux-input@vger.kernel.org"
	second := s.Options(patchcheck.Options{Policy: own, Baseline: baseline.NewStableList("input", []string{"bpf_task_acquire"})})
	multi, ok := second.Baseline.(baseline.Multi)
	if !ok || len(multi) != 2 {
		t.Fatalf("baseline %#v: want the repository, then the list's own", second.Baseline)
	}
	if b, ok := multi[0].(gitrepo.Baseline); !ok || b.Name != dir {
		t.Errorf("first baseline %#v, want the repository", multi[0])
	}
	if second.Trees == nil || second.History == nil {
		t.Fatalf("trees %v, history %v: want both", second.Trees != nil, second.History != nil)
	}
	if second.Policy != own || first.Policy == own || first.History == second.History {
		t.Errorf("policies or histories mixed: first %p second %p own %p", first.Policy, second.Policy, own)
	}
	if tv, err := second.Trees.TreeFor(&model.Patch{Source: "x.patch"}); err != nil || tv == nil {
		t.Errorf("tree at HEAD for the second options: %v, %v", tv, err)
	}
}

func TestAttachBare(t *testing.T) {
	isolateCache(t)
	dir, head := kernelRepo(t, "sha1")
	bare := filepath.Join(t.TempDir(), "linux.git")
	git(t, dir, "clone", "-q", "--bare", dir, bare)
	s, err := Attach(bare, patchcheck.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opt := s.Options(patchcheck.Options{}) // no policy: Options supplies the default
	if s.Name != bare || s.Layout.WorkTree != "" || s.Head != head {
		t.Errorf("name %q work tree %q head %q, want %q \"\" %q", s.Name, s.Layout.WorkTree, s.Head, bare, head)
	}
	multi := opt.Baseline.(baseline.Multi)
	if len(multi) != 1 || multi[0].(gitrepo.Baseline).Name != bare {
		t.Errorf("baseline %#v, want the bare repository alone", multi)
	}
	if opt.Trees == nil || opt.Policy == nil {
		t.Errorf("trees set %v, policy set %v", opt.Trees != nil, opt.Policy != nil)
	}
}

// TestAttachSHA256 attaches a repository read through the git command
// rather than go-git: it is set up the same way.
func TestAttachSHA256(t *testing.T) {
	isolateCache(t)
	dir, head := kernelRepo(t, "sha256")
	opt, _, err := patchcheck.LoadOptions(patchcheck.PolicyFrom{Trees: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Attach(dir, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opt = s.Options(opt)
	if s.Name != dir || s.Head != head || len(head) != 64 {
		t.Errorf("name %q head %q, want %q %q", s.Name, s.Head, dir, head)
	}
	if b, ok := opt.Baseline.(baseline.Multi)[0].(gitrepo.Baseline); !ok || b.Name != dir {
		t.Errorf("baseline %#v", opt.Baseline)
	}
	if opt.Trees == nil || opt.History == nil {
		t.Fatalf("trees %v history %v: want both", opt.Trees != nil, opt.History != nil)
	}
	if tv, err := opt.Trees.TreeFor(&model.Patch{Source: "x.patch"}); err != nil || tv == nil {
		t.Fatalf("tree at HEAD: %v, %v", tv, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kindex.CachePath(s.Layout.GitDir)); err != nil {
		t.Errorf("the index cache was not saved: %v", err)
	}
}

func TestAttachNotARepository(t *testing.T) {
	isolateCache(t)
	if s, err := Attach(t.TempDir(), patchcheck.Options{}, nil); err == nil {
		s.Close()
		t.Fatal("attached a directory outside any repository")
	}
}

// TestAttachUnbornHead attaches a repository without a commit: there is
// no head, and a patch from a file gets no tree rather than an error.
func TestAttachUnbornHead(t *testing.T) {
	isolateCache(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	dir := filepath.Join(t.TempDir(), "empty")
	git(t, filepath.Dir(dir), "init", "-q", "-b", "main", dir)
	var opt patchcheck.Options
	s, err := Attach(dir, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opt = s.Options(opt)
	if s.Head != "" || s.Name != dir {
		t.Errorf("head %q name %q, want \"\" %q", s.Head, s.Name, dir)
	}
	if opt.Trees == nil {
		t.Fatal("no tree source")
	}
	if tv, err := opt.Trees.TreeFor(&model.Patch{Source: "x.patch"}); err != nil || tv != nil {
		t.Errorf("tree at an unborn HEAD: %v, %v; want none", tv, err)
	}
}
