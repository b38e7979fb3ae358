// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed; .ci/run installs it")
	}
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return gitAt(t, dir, "2026-03-02T10:00:00+00:00", args...)
}

// gitAt runs git in dir, isolated from the user's configuration, with
// author and committer dates set to date.
func gitAt(t *testing.T, dir, date string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Jane Developer", "-c", "user.email=jane@example.org",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// fixtureRepo builds a repository from the baseline tree and applies every
// rule fixture with git am, each on its own branch off main. It returns
// the repository and the branch of each case.
func fixtureRepo(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/tree")); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "baseline")
	cases := map[string]string{}
	entries, _ := filepath.Glob("../../rules/testdata/*/*")
	for i, c := range entries {
		var patches []string
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			all, _ := filepath.Glob(filepath.Join(c, "0*.patch"))
			for _, p := range all {
				if !strings.Contains(p, "cover-letter") {
					patches = append(patches, p)
				}
			}
		} else {
			patches = []string{c}
		}
		abs := make([]string, len(patches))
		for k, p := range patches {
			abs[k], _ = filepath.Abs(p)
		}
		branch := fmt.Sprintf("case%02d", i)
		gitIn(t, dir, "checkout", "-q", "-b", branch, "main")
		gitIn(t, dir, append([]string{"am", "-q"}, abs...)...)
		cases[branch] = filepath.Base(filepath.Dir(c)) + "/" + filepath.Base(c)
	}
	gitIn(t, dir, "checkout", "-q", "main")
	return dir, cases
}

// fixtureWants returns what a fixture expects with the whole tree in view,
// as sorted "RULE kfunc severity" strings: its kfunccheck-want lines, or
// its kfunccheck-want-repo lines where a patch has them ("none" for none),
// and its stable list.
func fixtureWants(t *testing.T, path string) (wants, stable []string) {
	t.Helper()
	err := input.Read(path, input.Options{}, func(s *model.Series) {
		for _, p := range s.Patches {
			var plain, repo []string
			hasRepo := false
			for _, l := range p.Notes {
				f := strings.Fields(l.Text)
				if len(f) == 0 {
					continue
				}
				switch f[0] {
				case "kfunccheck-want:":
					plain = append(plain, wantKey(f[1:]))
				case "kfunccheck-want-repo:":
					hasRepo = true
					if len(f) > 1 && f[1] != "none" {
						repo = append(repo, wantKey(f[1:]))
					}
				case "kfunccheck-stable-list:":
					stable = append(stable, f[1:]...)
				}
			}
			if hasRepo {
				plain = repo
			}
			wants = append(wants, plain...)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(wants)
	return wants, stable
}

// wantKey normalises "RULE kfunc [severity]" (kfunc "-" for none).
func wantKey(f []string) string {
	rule, kfunc, sev := f[0], "", ""
	if len(f) > 1 && f[1] != "-" {
		kfunc = f[1]
	}
	if len(f) > 2 {
		sev = f[2]
	} else if r := rules.ByID(rule); r != nil {
		sev = r.Severity.String()
	}
	return rule + " " + kfunc + " " + sev
}

// ruleKfuncs reduces findings lines to sorted "RULE kfunc severity".
func ruleKfuncs(fs []string) []string {
	var out []string
	for _, f := range fs {
		w := strings.SplitN(f, " ", 4)
		out = append(out, w[1]+" "+w[2]+" "+w[0])
	}
	slices.Sort(out)
	return out
}

type jsonFinding struct {
	Rule, Severity, Kfunc, File, Message string
	Line                                 int
}

func findings(t *testing.T, args ...string) []string {
	t.Helper()
	out, stderr, code := runCLI(t, "", append([]string{"check", "--format", "json", "--strict"}, args...)...)
	if code == 2 {
		t.Fatalf("%v: exit 2: %s", args, stderr)
	}
	var doc struct {
		Patches []struct {
			Findings []jsonFinding `json:"findings"`
		} `json:"patches"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	var fs []string
	for _, p := range doc.Patches {
		for _, f := range p.Findings {
			fs = append(fs, fmt.Sprintf("%s %s %s %s:%d: %s", f.Severity, f.Rule, f.Kfunc, f.File, f.Line, f.Message))
		}
	}
	return fs
}

// TestGitRangeMatchesFormatPatch checks every fixture both ways, as a -g
// range of commits and as the same commits exported by git format-patch
// (with --repo for the pre-images): the findings must be identical, and
// they are pinned in a golden file.
func TestGitRangeMatchesFormatPatch(t *testing.T) {
	needGit(t)
	repo, cases := fixtureRepo(t)
	branches := make([]string, 0, len(cases))
	for b := range cases {
		branches = append(branches, b)
	}
	slices.Sort(branches)
	var golden strings.Builder
	for _, b := range branches {
		wants, stable := fixtureWants(t, filepath.Join("../../rules/testdata", cases[b]))
		var extra []string
		if len(stable) > 0 {
			list := filepath.Join(t.TempDir(), "stable.txt")
			if err := os.WriteFile(list, []byte(strings.Join(stable, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			extra = []string{"--stable-list", list}
		}
		viaGit := findings(t, append(extra, "--repo", repo, "-g", "main.."+b)...)
		out := t.TempDir()
		gitIn(t, repo, "format-patch", "-q", "-o", out, "main.."+b)
		viaFiles := findings(t, append(extra, "--repo", repo, out)...)
		if got := ruleKfuncs(viaGit); !slices.Equal(got, wants) {
			t.Errorf("%s: with the repository: findings %q, the fixture wants %q", cases[b], got, wants)
		}
		if !slices.Equal(viaGit, viaFiles) {
			t.Errorf("%s: -g and format-patch differ:\n-g:\n  %s\nfiles:\n  %s", cases[b], strings.Join(viaGit, "\n  "), strings.Join(viaFiles, "\n  "))
		}
		fmt.Fprintf(&golden, "== %s\n", cases[b])
		for _, f := range viaGit {
			fmt.Fprintf(&golden, "%s\n", f)
		}
	}
	path := filepath.Join("testdata", "golden", "git-fixtures.txt")
	if *update {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if golden.String() != string(want) {
		t.Errorf("findings differ from %s:\n%s", path, golden.String())
	}
}

func TestRevisionForms(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q")
	for i := 1; i <= 4; i++ {
		gitIn(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("main %d", i))
	}
	gitIn(t, dir, "checkout", "-q", "-b", "topic", "HEAD~2")
	gitIn(t, dir, "commit", "-q", "--allow-empty", "-m", "topic 1")
	gitIn(t, dir, "checkout", "-q", "main")
	gitIn(t, dir, "merge", "-q", "--no-ff", "-m", "merge topic", "topic")
	count := func(args ...string) (int, string) {
		out, stderr, _ := runCLI(t, "", append([]string{"check", "--format", "json", "--repo", dir}, args...)...)
		var doc struct{ Summary struct{ Patches int } }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return doc.Summary.Patches, stderr
	}
	for _, tt := range []struct {
		args []string
		want int
		note string
	}{
		{[]string{"-g", "HEAD"}, 0, "skipped 1 merge"},
		{[]string{"-g", "HEAD^"}, 1, ""},
		{[]string{"-g", "HEAD~2"}, 1, ""},
		{[]string{"-g", "main-3"}, 2, "skipped 1 merge"},
		{[]string{"-g", "main-3", "--show-merges"}, 3, ""},
		{[]string{"-g", "HEAD~3..HEAD"}, 3, "skipped 1 merge"},
		{[]string{"-g", "topic...main~1"}, 3, ""},
		{[]string{"-g", "topic..main"}, 2, "skipped 1 merge"},
	} {
		got, stderr := count(tt.args...)
		if got != tt.want || tt.note != "" && !strings.Contains(stderr, tt.note) {
			t.Errorf("%v: %d patches (want %d), stderr %q", tt.args, got, tt.want, stderr)
		}
	}
	if _, stderr, code := runCLI(t, "", "check", "--repo", dir, "-g", "nosuch..main"); code != 2 || !strings.Contains(stderr, "nosuch") {
		t.Errorf("bad revision: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "check", "--repo", t.TempDir(), "-g", "HEAD"); code != 2 || !strings.Contains(stderr, "not in a git repository") {
		t.Errorf("not a repository: exit %d %s", code, stderr)
	}
}
