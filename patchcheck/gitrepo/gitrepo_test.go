// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed; .ci/run installs it")
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// randomRepo builds, with go-git, a history of n commits with merges and
// committer dates that go backwards now and then (clock skew), and
// returns the repository and its commits in creation order.
func randomRepo(t testing.TB, dir string, n int, seed int64) (*git.Repository, []plumbing.Hash) {
	t.Helper()
	rnd := rand.New(rand.NewSource(seed))
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	var commits []plumbing.Hash
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("f%d.txt", rnd.Intn(5))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
		when := base.Add(time.Duration(i) * time.Hour)
		if rnd.Intn(8) == 0 {
			when = when.Add(-time.Duration(rnd.Intn(30)) * time.Hour) // skew
		}
		sig := &object.Signature{Name: "T", Email: "t@example.org", When: when}
		opts := &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}
		if len(commits) > 0 {
			opts.Parents = []plumbing.Hash{commits[len(commits)-1-rnd.Intn(min(len(commits), 6))]}
			if len(commits) > 3 && rnd.Intn(4) == 0 {
				opts.Parents = append(opts.Parents, commits[rnd.Intn(len(commits))])
			}
		}
		h, err := wt.Commit(fmt.Sprintf("commit %d", i), opts)
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, h)
	}
	return r, commits
}

// TestRevListMatchesGit compares the walk with git rev-list A --not B...
// on random histories with merges and clock skew.
func TestRevListMatchesGit(t *testing.T) {
	needGit(t)
	for seed := int64(1); seed <= 4; seed++ {
		dir := t.TempDir()
		_, commits := randomRepo(t, dir, 120, seed)
		repo, _, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewSource(seed * 7))
		for k := 0; k < 25; k++ {
			inc := []string{commits[rnd.Intn(len(commits))].String()}
			var exc []string
			for j := 0; j < rnd.Intn(3); j++ {
				exc = append(exc, commits[rnd.Intn(len(commits))].String())
			}
			got, _, err := repo.RevList(inc, exc, 0)
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"rev-list"}, inc...)
			if len(exc) > 0 {
				args = append(append(args, "--not"), exc...)
			}
			want := strings.Fields(gitOut(t, dir, args...))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d: rev-list %v --not %v: got %d commits, git gives %d", seed, inc, exc, len(got), len(want))
			}
		}
		repo.Close()
	}
}

func TestResolveAndBlobs(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	_, commits := randomRepo(t, dir, 10, 9)
	gitOut(t, dir, "tag", "v1", commits[3].String())
	gitOut(t, dir, "branch", "topic", commits[5].String())
	repo, layout, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	if layout.WorkTree == "" || layout.SHA256 {
		t.Errorf("layout %+v", layout)
	}
	for _, rev := range []string{"HEAD", "HEAD~2", "HEAD^", "v1", "topic", commits[4].String()[:9], "HEAD~1^"} {
		want := strings.TrimSpace(gitOut(t, dir, "rev-parse", rev+"^{commit}"))
		got, err := repo.Resolve(rev)
		if err != nil || got != want {
			t.Errorf("Resolve(%s) = %s, %v; want %s", rev, got, err, want)
		}
	}
	if _, err := repo.Resolve("no-such-branch"); err == nil {
		t.Error("Resolve of a missing name succeeded")
	}
	blob := strings.Fields(gitOut(t, dir, "ls-tree", "HEAD", "f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"))[2]
	want := gitOut(t, dir, "cat-file", "blob", blob)
	for _, id := range []string{blob, blob[:7], blob[:12]} {
		if got, err := repo.Blob(id); err != nil || string(got) != want {
			t.Errorf("Blob(%s) = %q, %v", id, got, err)
		}
	}
	if _, err := repo.Blob("0123456"); err == nil {
		t.Error("Blob of a missing id succeeded")
	}
	// Abbreviations shorter than git's minimum of 4 digits, and what is
	// not an id, are refused, even when they would be unique.
	for _, id := range []string{"", blob[:1], blob[:2], blob[:3], "HEAD:f0.txt", strings.ToUpper(blob)} {
		if _, err := repo.Blob(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Blob(%q): %v, want ErrNotFound", id, err)
		}
	}
}

func TestLocateWorktreeAndBare(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	main := filepath.Join(dir, "main")
	os.Mkdir(main, 0o755)
	gitOut(t, main, "init", "-q", "-b", "main")
	gitOut(t, main, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "one")
	gitOut(t, main, "worktree", "add", "-q", filepath.Join(dir, "wt"))
	gitOut(t, dir, "clone", "-q", "--bare", main, filepath.Join(dir, "bare.git"))
	gitOut(t, main, "config", "core.hooksPath", ".githooks")

	l, err := Locate(filepath.Join(dir, "wt"))
	if err != nil {
		t.Fatal(err)
	}
	if l.CommonDir != filepath.Join(main, ".git") || !strings.Contains(l.GitDir, "worktrees") {
		t.Errorf("worktree layout %+v", l)
	}
	if got := l.HooksDir(); got != filepath.Join(dir, "wt", ".githooks") {
		t.Errorf("worktree hooks dir %s", got)
	}
	repo, _, err := Open(filepath.Join(dir, "wt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Resolve("HEAD"); err != nil {
		t.Errorf("worktree HEAD: %v", err)
	}
	repo.Close()
	b, err := Locate(filepath.Join(dir, "bare.git"))
	if err != nil || b.WorkTree != "" || b.HooksDir() != filepath.Join(dir, "bare.git", "hooks") {
		t.Errorf("bare layout %+v %v", b, err)
	}
}

func TestFormatPatchSelects(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	write := func(name, content string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("k.c", "BTF_KFUNCS_START(s)\nBTF_ID_FLAGS(func, a)\nBTF_KFUNCS_END(s)\n")
	write("other.c", "int x;\n")
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "one")
	write("k.c", "BTF_KFUNCS_START(s)\nBTF_ID_FLAGS(func, a, KF_STABLE)\nBTF_KFUNCS_END(s)\n")
	write("other.c", "int y;\n")
	write("README", "docs\n")
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "bpf: two\n\nBody line.\n\nSigned-off-by: T <t@e>")
	repo, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	repo.SetSelector(Selector{
		Path:    func(p string) bool { return strings.HasSuffix(p, ".c") },
		Content: func(p string, b, a []byte) bool { return strings.Contains(string(b)+string(a), "BTF_") },
	})
	head, _ := repo.Resolve("HEAD")
	s := Series(repo, []string{head}, dir)
	p := s.Patches[0]
	if len(p.Errors) > 0 || p.Mail || p.FromRepo != dir || p.Commit != head {
		t.Fatalf("patch %+v", p)
	}
	if p.Subject.Title != "bpf: two" || !strings.Contains(p.MessageText(), "Body line.") || len(p.Trailers) != 1 {
		t.Errorf("message %q / %q", p.Subject.Title, p.MessageText())
	}
	if len(p.Files) != 1 || p.Files[0].Path() != "k.c" || len(p.Files[0].OldBlob) != 40 {
		t.Errorf("files %+v", p.Files)
	}
	if data, err := (Baseline{Repo: repo, Name: dir}).PreImage("k.c", p.Files[0].OldBlob); err != nil || !strings.Contains(string(data), "BTF_ID_FLAGS(func, a)\n") {
		t.Errorf("pre-image %q %v", data, err)
	}
}

// FuzzResolve feeds revision expressions (what -g, --repo and the hook
// take from users) to Resolve and Blob: an answer is a commit or blob id
// of the repository, anything else an error, never a panic.
func FuzzResolve(f *testing.F) {
	dir := f.TempDir()
	r, commits := randomRepo(f, dir, 12, 3)
	if _, err := r.CreateTag("v1", commits[3], nil); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"HEAD", "HEAD~2", "HEAD^2", "v1^{commit}", "HEAD@{1}", "master~1^", commits[4].String()[:7],
		"HEAD:f0.txt", ":/commit 3", "v1..HEAD", "HEAD~99999999999999999999"} {
		f.Add(s)
	}
	repo, _, err := Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { repo.Close() })
	f.Fuzz(func(t *testing.T, rev string) {
		if id, err := repo.Resolve(rev); err == nil && !slices.Contains(commits, plumbing.NewHash(id)) {
			t.Fatalf("Resolve(%q) = %s, not a commit of the repository", rev, id)
		}
		if data, err := repo.Blob(rev); err == nil && data == nil {
			t.Fatalf("Blob(%q): no error and no content", rev)
		}
	})
}
