// SPDX-License-Identifier: GPL-2.0-only

// Package nipa_test runs the kfunc_stability NIPA test the way NIPA's
// tester runs its per-patch tests, against a kernel-like tree.
package nipa_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

var kfunccheck string // the binary under test, built once

func TestMain(m *testing.M) {
	for _, tool := range []string{"bash", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Printf("skipping the NIPA tests: the %s command is not installed (.ci/run installs git)\n", tool)
			testbin.Main(m)
			return
		}
	}
	var err error
	if kfunccheck, err = testbin.Build(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testbin.Main(m)
}

// nipaTest is a per-patch test as NIPA loads it from its directory: the
// directory's name is the test's name, and info.json says what to run.
type nipaTest struct {
	name string
	info struct {
		Run      []string `json:"run"`
		Disabled bool     `json:"disabled"`
		PyMod    string   `json:"pymod"`
		Pull     bool     `json:"pull-requests"`
	}
}

func loadTest(t *testing.T, dir string) *nipaTest {
	t.Helper()
	dir, _ = filepath.Abs(dir)
	nt := &nipaTest{name: filepath.Base(dir)}
	data, err := os.ReadFile(filepath.Join(dir, "info.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &nt.info); err != nil {
		t.Fatalf("info.json: %v", err)
	}
	if len(nt.info.Run) == 0 || nt.info.PyMod != "" || nt.info.Disabled {
		t.Fatalf("info.json: want an enabled \"run\" test, got %+v", nt.info)
	}
	// A relative program is relative to the test's directory.
	if !filepath.IsAbs(nt.info.Run[0]) {
		nt.info.Run[0] = filepath.Join(dir, nt.info.Run[0])
	}
	return nt
}

// result is what NIPA records of one run of a test on one patch.
type result struct {
	retcode           int
	stdout, stderr    string
	desc              string
	resultsDir, state string
}

// state is NIPA's reading of a test's exit code.
func state(retcode int) string {
	switch retcode {
	case 0:
		return "success"
	case 250:
		return "warning"
	default:
		return "fail"
	}
}

// exec runs the test on the tree's HEAD as NIPA's core/test.py
// (Test._exec_run, with core/cmd.py's cmd_run) does: the "run" command
// with the tree as the working directory, NIPA's environment plus
// DESC_FD (the write end of a pipe passed to the child, which the test
// writes its one-line description to), RESULTS_DIR (the test's directory
// in the patch's results, created beforehand), BRANCH_BASE (the tree's
// base branch) and FIRST_IN_SERIES ("1" or "0"); stdout and stderr are
// captured apart, and the description is read once the test has ended.
func (nt *nipaTest) exec(t *testing.T, tree, branch string, first bool, patchDir string, env []string) result {
	t.Helper()
	resultsDir := filepath.Join(patchDir, nt.name)
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	firstInSeries := "0"
	if first {
		firstInSeries = "1"
	}
	cmd := exec.Command(nt.info.Run[0], nt.info.Run[1:]...)
	cmd.Dir = tree
	cmd.ExtraFiles = []*os.File{wr} // fd 3 in the child
	cmd.Env = append(append(os.Environ(), env...),
		"DESC_FD=3", "RESULTS_DIR="+resultsDir, "BRANCH_BASE="+branch, "FIRST_IN_SERIES="+firstInSeries)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	wr.Close()
	r := result{stdout: stdout.String(), stderr: stderr.String(), resultsDir: resultsDir}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.retcode = ee.ExitCode()
	default:
		t.Fatalf("running %v: %v", nt.info.Run, err)
	}
	desc, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	r.desc = string(desc)
	r.state = state(r.retcode)
	return r
}

// tree is a kernel-like git tree as NIPA keeps one: a work tree whose
// checked-out branch is reset to the base branch before a series' patches
// are applied one by one with "git am -s" (core/tree.py, Tree.reset and
// Tree.apply).
type tree struct {
	t    *testing.T
	dir  string
	base string
	env  []string
}

const baseBranch = "net-next/main"

func newTree(t *testing.T) *tree {
	if kfunccheck == "" {
		t.Skip("bash or git is not installed")
	}
	tr := &tree{t: t, dir: filepath.Join(t.TempDir(), "linux"), base: baseBranch,
		env: []string{"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Jane", "GIT_AUTHOR_EMAIL=jane@example.org",
			"GIT_COMMITTER_NAME=NIPA", "GIT_COMMITTER_EMAIL=nipa@example.org"}}
	if err := os.CopyFS(tr.dir, os.DirFS(filepath.Join("..", "..", "testdata", "tree"))); err != nil {
		t.Fatal(err)
	}
	tr.git("init", "-q", "-b", "main")
	tr.git("add", "-A")
	tr.git("commit", "-q", "-m", "baseline")
	tr.git("update-ref", "refs/remotes/"+baseBranch, "HEAD")
	return tr
}

func (tr *tree) git(args ...string) string {
	tr.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = tr.dir
	cmd.Env = append(os.Environ(), tr.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tr.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// testSeries runs the test on each patch of a series as NIPA's
// core/tester.py (Tester._test_series_patches) does for a per-patch test:
// the tree is reset to its base, then each patch is applied on top of the
// ones before it and the test run with it at HEAD. Patches are paths
// relative to the repository's root.
func (tr *tree) testSeries(nt *nipaTest, env []string, patches ...string) []result {
	tr.t.Helper()
	tr.git("reset", "-q", "--hard", tr.base)
	results := filepath.Join(filepath.Dir(tr.dir), "results")
	var out []result
	for i, p := range patches {
		abs, _ := filepath.Abs(filepath.Join("..", "..", p))
		tr.git("am", "-q", "-s", "--", abs)
		out = append(out, nt.exec(tr.t, tr.dir, tr.base, i == 0, filepath.Join(results, "series", fmt.Sprint(i+1)), append(tr.env, env...)))
	}
	return out
}

func check(t *testing.T, what string, r result, state string, desc []string, stdout []string) {
	t.Helper()
	if r.state != state {
		t.Errorf("%s: %s (exit %d), want %s\ndesc: %sstdout:\n%s\nstderr:\n%s", what, r.state, r.retcode, state, r.desc, r.stdout, r.stderr)
	}
	if strings.Count(r.desc, "\n") != 1 {
		t.Errorf("%s: the description is not one line: %q", what, r.desc)
	}
	for _, d := range desc {
		if !strings.Contains(r.desc, d) {
			t.Errorf("%s: the description %q does not say %q", what, r.desc, d)
		}
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("%s: the output does not hold %q:\n%s", what, s, r.stdout)
		}
	}
	t.Logf("%s: exit %d (%s)\ndesc: %sstdout:\n%s", what, r.retcode, r.state, r.desc, r.stdout)
}

func TestKfuncStability(t *testing.T) {
	nt := loadTest(t, "kfunc_stability")
	tr := newTree(t)
	bin := []string{"KFUNCCHECK=" + kfunccheck}

	r := tr.testSeries(nt, bin, "rules/testdata/clean/promote-good.patch")[0]
	check(t, "clean promotion", r, "success", []string{"0 errors, 0 warnings, 0 checks\n"},
		[]string{"total: 0 errors, 0 warnings, 8 lines checked", "has no obvious style problems"})
	if data, err := os.ReadFile(filepath.Join(r.resultsDir, "kfunccheck.txt")); err != nil || !strings.Contains(string(data), "total: 0 errors") {
		t.Errorf("kfunccheck.txt in RESULTS_DIR: %v\n%s", err, data)
	}

	r = tr.testSeries(nt, bin, "rules/testdata/DEPRECATION_DOCS/deprecate-no-docs.patch")[0]
	check(t, "warning only", r, "warning", []string{"0 errors, 1 warnings, 0 checks (DEPRECATION_DOCS)"},
		[]string{"WARNING:DEPRECATION_DOCS:", "total: 0 errors, 1 warnings"})

	r = tr.testSeries(nt, bin, "rules/testdata/STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")[0]
	check(t, "promotion without rationale", r, "fail", []string{"1 errors, 0 warnings, 0 checks (STABLE_PROMOTION_RATIONALE)"},
		[]string{"ERROR:STABLE_PROMOTION_RATIONALE:", "Subject: [PATCH] bpf: Mark bpf_cgroup_acquire() stable", "total: 1 errors, 0 warnings"})
	if r.stderr != "" {
		t.Errorf("stderr on a plain failure (NIPA's summary would show it instead of the findings): %q", r.stderr)
	}
}

// A series: each patch is judged with the earlier ones applied below it,
// and only its own findings count.
func TestKfuncStabilitySeries(t *testing.T) {
	nt := loadTest(t, "kfunc_stability")
	tr := newTree(t)
	bin := []string{"KFUNCCHECK=" + kfunccheck}

	// Deprecated in 1/2 and removed in 2/2: only the series shows that
	// the removal comes without a deprecation period.
	rs := tr.testSeries(nt, bin,
		"testdata/examples/series-deprecate-then-remove/0001-bpf-Deprecate-bpf_task_release.patch",
		"testdata/examples/series-deprecate-then-remove/0002-bpf-Remove-bpf_task_release.patch")
	check(t, "1/2 deprecation", rs[0], "success", []string{"0 errors, 0 warnings, 0 checks\n"}, nil)
	check(t, "2/2 removal", rs[1], "fail",
		[]string{"1 errors, 0 warnings, 0 checks (STABLE_REMOVAL); in the context of 1 earlier patch(es) of the series"},
		[]string{"ERROR:STABLE_REMOVAL:", "in the same series", "Remove bpf_task_release"})
	if strings.Contains(rs[1].stdout, "Deprecate bpf_task_release") {
		t.Errorf("2/2's output reports 1/2:\n%s", rs[1].stdout)
	}
	if data, _ := os.ReadFile(filepath.Join(rs[1].resultsDir, "kfunccheck.txt")); !strings.Contains(string(data), "Deprecate bpf_task_release") {
		t.Errorf("kfunccheck.txt does not hold the whole range:\n%s", data)
	}

	// A clean patch after a bad one is not blamed for it.
	rs = tr.testSeries(nt, bin,
		"rules/testdata/STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch",
		"rules/testdata/clean/deprecate-good.patch")
	check(t, "1/2 bad", rs[0], "fail", []string{"(STABLE_PROMOTION_RATIONALE)"}, nil)
	check(t, "2/2 clean after a bad one", rs[1], "success", []string{"0 errors, 0 warnings, 0 checks; in the context of 1 earlier"}, nil)
}

// A series that brings its own policy cannot relax the check: 1/2 adds a
// .kfunccheck.toml that ignores STABLE_REMOVAL, 2/2 removes a stable
// kfunc, and the removal is still an error.
func TestKfuncStabilityPolicyFromThePatches(t *testing.T) {
	nt := loadTest(t, "kfunc_stability")
	tr := newTree(t)
	rs := tr.testSeries(nt, []string{"KFUNCCHECK=" + kfunccheck},
		"rules/testdata/POLICY_FILE_CHANGED/policy-added.patch",
		"rules/testdata/STABLE_REMOVAL/remove-stable.patch")
	check(t, "1/2 policy file", rs[0], "warning", []string{"(POLICY_FILE_CHANGED)"}, nil)
	check(t, "2/2 removal", rs[1], "fail", []string{"(STABLE_REMOVAL)"}, []string{"ERROR:STABLE_REMOVAL:"})
	if !strings.Contains(rs[1].stderr, "ignore not applied") {
		t.Errorf("2/2: stderr does not say the series' ignore list was left out: %q", rs[1].stderr)
	}
}

// Arguments in info.json's "run" go to kfunccheck check.
func TestKfuncStabilityArguments(t *testing.T) {
	nt := loadTest(t, "kfunc_stability")
	tr := newTree(t)
	nt.info.Run = append(nt.info.Run, "--ignore", "DEPRECATION_DOCS")
	r := tr.testSeries(nt, []string{"KFUNCCHECK=" + kfunccheck}, "rules/testdata/DEPRECATION_DOCS/deprecate-no-docs.patch")[0]
	check(t, "--ignore DEPRECATION_DOCS", r, "success", []string{"0 errors, 0 warnings, 0 checks\n"}, nil)
}

// kfunccheck is found on PATH when KFUNCCHECK is not set; when it is
// found nowhere the test fails and says why, rather than passing.
func TestKfuncStabilityBinary(t *testing.T) {
	nt := loadTest(t, "kfunc_stability")
	tr := newTree(t)
	// PATH without any directory holding a kfunccheck.
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, "kfunccheck")); err != nil {
			dirs = append(dirs, d)
		}
	}
	path := strings.Join(dirs, string(os.PathListSeparator))

	r := tr.testSeries(nt, []string{"KFUNCCHECK=", "PATH=" + filepath.Dir(kfunccheck) + string(os.PathListSeparator) + path},
		"rules/testdata/STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")[0]
	check(t, "kfunccheck on PATH", r, "fail", []string{"(STABLE_PROMOTION_RATIONALE)"}, nil)

	for _, env := range [][]string{{"KFUNCCHECK=", "PATH=" + path}, {"KFUNCCHECK=" + filepath.Join(t.TempDir(), "kfunccheck")}} {
		r := tr.testSeries(nt, env, "rules/testdata/clean/promote-good.patch")[0]
		check(t, fmt.Sprintf("missing kfunccheck (%v)", env), r, "fail", []string{"kfunccheck not found", "nothing was checked"}, nil)
		if !strings.Contains(r.stderr, "kfunccheck not found") {
			t.Errorf("missing kfunccheck: stderr does not say so: %q", r.stderr)
		}
	}

	// kfunccheck refusing its arguments (exit 2) fails the test.
	nt.info.Run = append(nt.info.Run, "--format", "nosuch")
	r = tr.testSeries(nt, []string{"KFUNCCHECK=" + kfunccheck}, "rules/testdata/clean/promote-good.patch")[0]
	check(t, "kfunccheck error", r, "fail", []string{"kfunccheck failed (exit 2)"}, nil)
}
