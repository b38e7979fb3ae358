// SPDX-License-Identifier: GPL-2.0-only

package b4ctx

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Jane Developer", "-c", "user.email=jane@example.org",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// repo returns a repository with one commit on main and the branch
// "series" checked out at it.
func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir := t.TempDir()
	gitT(t, dir, "init", "-q")
	gitT(t, dir, "commit", "-q", "--allow-empty", "-m", "base")
	gitT(t, dir, "checkout", "-q", "-b", "series")
	return dir
}

// patches commits n file changes and returns their ids.
func patches(t *testing.T, dir string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		f := filepath.Join(dir, "f"+string(rune('a'+i)))
		if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		gitT(t, dir, "add", "-A")
		gitT(t, dir, "commit", "-q", "-m", "patch "+string(rune('a'+i)))
		ids = append(ids, gitT(t, dir, "rev-parse", "HEAD"))
	}
	return ids
}

// coverMessage is a prep cover commit message as b4 writes it (ez.py,
// store_cover and make_magic_json).
const coverMessage = "cover\n\n" + PrepMarker + "\n# This section is used internally by b4 prep for tracking purposes.\n" +
	`{"series": {"revision": 1, "change-id": "20260302-x-0123", "base-branch": "main", "prefixes": []}}`

func TestPrepStrategies(t *testing.T) {
	t.Run("tip-commit", func(t *testing.T) {
		dir := repo(t)
		base := gitT(t, dir, "rev-parse", "main")
		want := patches(t, dir, 2)
		gitT(t, dir, "commit", "-q", "--allow-empty", "-m", coverMessage)
		gitT(t, dir, "config", "branch.series.b4-prep-cover-strategy", "tip-commit")
		s, err := Prep(dir)
		if err != nil || s == nil {
			t.Fatalf("Prep: %v, %v", s, err)
		}
		if !slices.Equal(s.Commits, want) || s.Base != base || s.ChangeID != "20260302-x-0123" {
			t.Fatalf("got %+v, want commits %v on %s", s, want, base)
		}
	})
	t.Run("branch-description", func(t *testing.T) {
		dir := repo(t)
		base := gitT(t, dir, "rev-parse", "main")
		want := patches(t, dir, 3)
		gitT(t, dir, "config", "b4.prep-cover-strategy", "branch-description")
		gitT(t, dir, "config", "branch.series.b4-tracking", `{"series": {"change-id": "20260302-y-0123", "base-branch": "main"}}`)
		s, err := Prep(dir)
		if err != nil || s == nil {
			t.Fatalf("Prep: %v, %v", s, err)
		}
		if !slices.Equal(s.Commits, want) || s.Base != base {
			t.Fatalf("got %+v, want commits %v on %s", s, want, base)
		}
	})
	t.Run("not a prep branch", func(t *testing.T) {
		dir := repo(t)
		patches(t, dir, 1)
		if s, err := Prep(dir); s != nil || err != nil {
			t.Fatalf("Prep of a plain branch: %+v, %v", s, err)
		}
		// Nor a directory outside any repository.
		if s, err := Find(t.TempDir(), func(string) string { return "" }); s != nil || err != nil {
			t.Fatalf("Find outside a repository: %+v, %v", s, err)
		}
	})
	t.Run("someone else's cover", func(t *testing.T) {
		// b4 only takes the user's own cover commit (ez.py,
		// find_cover_commit): one merged from elsewhere is history.
		dir := repo(t)
		gitT(t, dir, "commit", "-q", "--allow-empty", "-m", coverMessage)
		patches(t, dir, 1)
		gitT(t, dir, "config", "user.email", "maintainer@example.org")
		if s, err := Prep(dir); s != nil || err != nil {
			t.Fatalf("Prep with another committer's cover: %+v, %v", s, err)
		}
	})
}

func TestReviewTrackingFile(t *testing.T) {
	dir := repo(t)
	want := patches(t, dir, 2)
	gitT(t, dir, "checkout", "-q", "-b", ReviewBranchPrefix+"20260302-z-0123")
	tracking := `{"series": {"change-id": "20260302-z-0123", "first-patch-commit": "` + want[0] + `", "base-commit": "` + gitT(t, dir, "rev-parse", "main") + `"}}`
	gitT(t, dir, "commit", "-q", "--allow-empty", "-m", "cover\n\n"+ReviewMarker+"\n# comment\n"+tracking)
	f := filepath.Join(t.TempDir(), "tracking.json")
	if err := os.WriteFile(f, []byte(tracking), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Find(dir, func(k string) string { return map[string]string{TrackingEnv: f}[k] })
	if err != nil || s == nil || s.Kind != "review" || !slices.Equal(s.Commits, want) {
		t.Fatalf("Find with a tracking file: %+v, %v; want commits %v", s, err, want)
	}
	// A tracking file whose branch is gone is an error, not a pass.
	gitT(t, dir, "checkout", "-q", "main")
	gitT(t, dir, "branch", "-q", "-D", ReviewBranchPrefix+"20260302-z-0123")
	if _, err := Review(dir, f); err == nil {
		t.Fatal("Review without its branch: no error")
	}
}
