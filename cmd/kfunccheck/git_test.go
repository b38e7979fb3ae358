// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules/rulestest"
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

// fixtureBranch returns the branch of fixtureRepo that holds the fixture
// patch name.
func fixtureBranch(t *testing.T, cases map[string]string, name string) string {
	t.Helper()
	for b, c := range cases {
		if c == name {
			return b
		}
	}
	t.Fatalf("fixture %s not found", name)
	return ""
}

// fixtureRepo builds a repository from the baseline tree and applies every
// rule fixture with git am, each on its own branch off main. It returns
// the repository and the branch of each case.
func fixtureRepo(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := baselineRepo(t)
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

// fixtureWants returns what a fixture expects with the whole tree in
// view (rulestest's want and want-repo lines, without the quotes, which
// JSON findings do not carry) and its stable list.
func fixtureWants(t *testing.T, path string) (wants []rulestest.Want, stable []string) {
	t.Helper()
	err := input.Read(path, input.Options{}, func(s *model.Series) {
		for _, p := range s.Patches {
			e, err := rulestest.Expectations(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range e.Repo {
				w.Quote = ""
				wants = append(wants, w)
			}
			stable = append(stable, e.Stable...)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return wants, stable
}

// jsonFindings turns the lines findings() prints back into findings.
func jsonFindings(lines []string) []model.Finding {
	var out []model.Finding
	for _, l := range lines {
		w := strings.SplitN(l, " ", 4)
		sev, _ := model.ParseSeverity(w[0])
		msg := ""
		if _, m, ok := strings.Cut(w[3], ": "); ok {
			msg = m
		}
		out = append(out, model.Finding{Severity: sev, Rule: w[1], Kfunc: w[2], Message: msg})
	}
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
		for _, problem := range rulestest.Compare(jsonFindings(viaGit), wants) {
			t.Errorf("%s: with the repository: %s", cases[b], problem)
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

// TestSARIFForCommits: with -g a commit-message finding points at the
// commit (a logical location), every URI is relative to the repository,
// and an unreadable input is a tool execution notification.
func TestSARIFForCommits(t *testing.T) {
	needGit(t)
	repo, cases := fixtureRepo(t)
	branch := fixtureBranch(t, cases, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	commit := strings.TrimSpace(gitIn(t, repo, "rev-parse", branch))
	out, _, code := runCLI(t, "", "check", "--format", "sarif", "--repo", repo, "-g", "main.."+branch, filepath.Join(repo, "no-such.patch"))
	if code != 2 {
		t.Errorf("exit %d, want 2 (an unreadable input)", code)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					} `json:"physicalLocation"`
					LogicalLocations []struct{ Name string } `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Message struct{ Text string } `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "STABLE_PROMOTION_RATIONALE" ||
		len(run.Results[0].Locations) != 1 || run.Results[0].Locations[0].PhysicalLocation == nil ||
		len(run.Results[0].Locations[0].LogicalLocations) != 1 || run.Results[0].Locations[0].LogicalLocations[0].Name != commit {
		t.Fatalf("results: %+v (commit %s)", run.Results, commit)
	}
	// The finding is about the commit message, and code scanning shows
	// it on a file of the repository: the kfunc's BTF_ID_FLAGS line,
	// relative to the repository, as the commit has it.
	pl := run.Results[0].Locations[0].PhysicalLocation
	src := strings.Split(gitIn(t, repo, "show", commit+":"+pl.ArtifactLocation.URI), "\n")
	if n := pl.Region.StartLine; n < 1 || n > len(src) || !strings.Contains(src[n-1], "BTF_ID_FLAGS(func, bpf_cgroup_acquire") {
		t.Errorf("the commit-message finding is placed at %s:%d, not on the kfunc's BTF_ID_FLAGS line", pl.ArtifactLocation.URI, pl.Region.StartLine)
	}
	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful ||
		len(run.Invocations[0].ToolExecutionNotifications) != 1 ||
		!strings.Contains(run.Invocations[0].ToolExecutionNotifications[0].Message.Text, "no-such.patch") {
		t.Errorf("invocations: %+v", run.Invocations)
	}
	if strings.Contains(out, `"uri":"/`) {
		t.Errorf("an absolute URI:\n%s", out)
	}
}

// TestHistoryRulesInCheck: with release tags in the repository, check -g
// judges what only history tells: a deprecated stable kfunc removed too
// soon after its deprecation, and a removed kfunc's name taken again.
func TestHistoryRulesInCheck(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q")
	file := filepath.Join(dir, "kernel", "bpf", "k.c")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	src := func(defs, entries string) string {
		return defs + "\nBTF_KFUNCS_START(k_ids)\n" + entries + "BTF_KFUNCS_END(k_ids)\n\n" +
			"static const struct btf_kfunc_id_set k_set = {\n\t.owner = THIS_MODULE,\n\t.set   = &k_ids,\n};\n\n" +
			"static int __init k_init(void)\n{\n\treturn register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &k_set);\n}\n"
	}
	const defA = "__bpf_kfunc int bpf_a(int x)\n{\n\treturn x;\n}\n"
	const defGone = "__bpf_kfunc int bpf_gone(int x)\n{\n\treturn -x;\n}\n"
	commit := func(content, msg, tag string) {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		gitIn(t, dir, "add", "-A")
		gitIn(t, dir, "commit", "-q", "-m", msg)
		if tag != "" {
			gitIn(t, dir, "tag", tag)
		}
	}
	commit(src(defA+defGone, "BTF_ID_FLAGS(func, bpf_a, KF_STABLE)\nBTF_ID_FLAGS(func, bpf_gone)\n"), "k: first", "v1.0")
	commit(src(defA, "BTF_ID_FLAGS(func, bpf_a, KF_STABLE | KF_DEPRECATED)\n"), "k: deprecate bpf_a, drop bpf_gone", "v1.1")
	commit(src("__bpf_kfunc long bpf_gone(long x)\n{\n\treturn x;\n}\n", "BTF_ID_FLAGS(func, bpf_gone)\n"),
		"k: remove bpf_a\n\nbpf_a() was deprecated since v1.1 because bpf_b() replaced it.\n", "")
	out, _, code := runCLI(t, "", "check", "--show-types", "--repo", dir, "-g", "v1.1..HEAD")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"HISTORY_DEPRECATION_PERIOD: bpf_a", "HISTORY_NAME_REUSED: bpf_gone"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s:\n%s", want, out)
		}
	}
	// On a stable series (policy stable_series), any contract change.
	if err := os.WriteFile(filepath.Join(dir, ".kfunccheck.toml"), []byte("stable_series = [\"linux-1.1.y\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "checkout", "-q", "-b", "linux-1.1.y", "v1.1")
	commit(src(defA, "BTF_ID_FLAGS(func, bpf_a, KF_STABLE | KF_DEPRECATED | KF_RCU)\n"), "k: backport RCU for bpf_a", "")
	out, _, _ = runCLI(t, "", "check", "--show-types", "--repo", dir, "-g", "v1.1..linux-1.1.y")
	if !strings.Contains(out, "HISTORY_STABLE_SERIES") {
		t.Errorf("no HISTORY_STABLE_SERIES on the stable branch:\n%s", out)
	}
	gitIn(t, dir, "checkout", "-q", "-")
	// Without release tags there is no history, and no such finding.
	gitIn(t, dir, "tag", "-d", "v1.0", "v1.1")
	out, _, _ = runCLI(t, "", "check", "--show-types", "--repo", dir, "-g", "HEAD~1..HEAD")
	if strings.Contains(out, "HISTORY_") {
		t.Errorf("history findings without releases:\n%s", out)
	}
}

// TestGitHubAnnotationsForCommits: a finding about a commit message is
// annotated on the kfunc's BTF_ID_FLAGS line, relative to the checkout,
// never on a line of the rendered patch under the runner's directory.
func TestGitHubAnnotationsForCommits(t *testing.T) {
	needGit(t)
	repo, cases := fixtureRepo(t)
	branch := fixtureBranch(t, cases, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	out, _, code := runCLI(t, "", "check", "--format", "github", "--repo", repo, "-g", "main.."+branch)
	m := regexp.MustCompile(`(?m)^::error file=([^,]+),line=(\d+),title=STABLE_PROMOTION_RATIONALE::`).FindStringSubmatch(out)
	if code != 1 || m == nil {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	src := strings.Split(gitIn(t, repo, "show", branch+":"+m[1]), "\n")
	n, _ := strconv.Atoi(m[2])
	if strings.HasPrefix(m[1], "/") || n < 1 || n > len(src) || !strings.Contains(src[n-1], "BTF_ID_FLAGS(func, bpf_cgroup_acquire") {
		t.Errorf("annotation at %s:%s, not on the kfunc's BTF_ID_FLAGS line:\n%s", m[1], m[2], out)
	}
}
