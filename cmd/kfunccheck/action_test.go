// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

type actionStep struct {
	ID    string
	Name  string
	If    string
	Uses  string
	Run   string
	Shell string
	With  map[string]string
	Env   map[string]string
}

func readAction(t *testing.T) (string, []actionStep, map[string]struct{ Default string }) {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]struct{ Default string }
		Runs   struct {
			Using string
			Steps []actionStep
		}
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", action.Runs.Using)
	}
	return string(data), action.Runs.Steps, action.Inputs
}

// TestGitHubAction reads action.yml as GitHub would and checks what it
// runs: a composite action that builds this module's binary once per
// version (restored from the cache afterwards), checks the range with
// flags check accepts, writes SARIF and uploads that file; every action
// it uses is pinned by commit id, with the version it is named beside.
func TestGitHubAction(t *testing.T) {
	text, steps, inputs := readAction(t)
	var build, check, upload, cached, setupGo bool
	sarifOut, binStep := "", ""
	flagRE := regexp.MustCompile(`(?:^|\s)(--?[a-z][a-z-]*)`)
	for _, s := range steps {
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %q: a composite run step needs a shell", s.Run)
		}
		if s.Uses != "" {
			// A tag can be moved; a commit id cannot.
			if !regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`).MatchString(s.Uses) {
				t.Errorf("%s is not pinned by commit id", s.Uses)
			} else if !regexp.MustCompile(regexp.QuoteMeta(s.Uses) + ` # v\d+\.\d+\.\d+\n`).MatchString(text) {
				t.Errorf("%s does not say which version it is (# vX.Y.Z)", s.Uses)
			}
		}
		switch {
		case strings.HasPrefix(s.Uses, "actions/cache@") && strings.Contains(s.With["key"], "steps.version.outputs.key"):
			cached, binStep = true, s.ID
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			setupGo = true
			if !strings.Contains(s.If, "steps."+binStep+".outputs.cache-hit != 'true'") {
				t.Errorf("Go is set up even when the built binary is restored: if %q", s.If)
			}
		case strings.Contains(s.Run, "go build") && strings.Contains(s.Run, "./cmd/kfunccheck"):
			build = true
			if !strings.Contains(s.If, "steps."+binStep+".outputs.cache-hit != 'true'") {
				t.Errorf("kfunccheck is built even when the binary is restored: if %q", s.If)
			}
		case strings.Contains(s.Run, `"$KFUNCCHECK" check`):
			check = true
			sarifOut = s.ID
			for _, line := range strings.Split(s.Run, "\n") {
				if !strings.Contains(line, `"$KFUNCCHECK" check`) && !strings.Contains(line, "args=") {
					continue
				}
				for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
					name := strings.TrimLeft(m[1], "-")
					fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
					addCheckFlags(fs, &checkFlags{})
					if fs.Lookup(name) == nil && fs.ShorthandLookup(name) == nil {
						t.Errorf("the action passes %s, which check does not know", m[1])
					}
				}
			}
			if !strings.Contains(s.Run, "--format sarif") || !strings.Contains(s.Run, `-g "$range"`) {
				t.Errorf("the check step does not write SARIF for the range:\n%s", s.Run)
			}
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = true
			if !strings.Contains(s.With["sarif_file"], "steps."+sarifOut+".outputs.sarif") {
				t.Errorf("upload-sarif uploads %q, not the check step's file", s.With["sarif_file"])
			}
		}
	}
	if !build || !check || !upload || !cached || !setupGo {
		t.Errorf("build %v, check %v, upload %v, binary cached %v, setup-go %v", build, check, upload, cached, setupGo)
	}
	for _, in := range []string{"base", "head", "stable-list", "upload-sarif"} {
		if _, ok := inputs[in]; !ok {
			t.Errorf("input %s missing", in)
		}
	}
}

// TestGitHubActionRange runs the action's check step, as the runner does
// (bash, its environment, GITHUB_OUTPUT), in a clone whose origin has
// main: a pull request's range, a new branch pushed ("before" all
// zeros), a force push whose "before" the clone lacks, and the default
// branch itself pushed new.
func TestGitHubActionRange(t *testing.T) {
	needGit(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	_, steps, _ := readAction(t)
	script := ""
	for _, s := range steps {
		if s.ID == "check" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("no check step")
	}
	repo, cases := fixtureRepo(t)
	branch := fixtureBranch(t, cases, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	gitIn(t, repo, "update-ref", "refs/remotes/origin/main", "main")
	head := strings.TrimSpace(gitIn(t, repo, "rev-parse", branch))
	main := strings.TrimSpace(gitIn(t, repo, "rev-parse", "main"))
	bin := testbin.Path(t)
	// A pull request that brings a policy ignoring STABLE_REMOVAL and
	// then removes a stable kfunc, checked out as the runner checks it
	// out.
	policyBranch := fixtureBranch(t, cases, "POLICY_FILE_CHANGED/policy-added.patch")
	removal := strings.TrimSpace(gitIn(t, repo, "rev-parse", fixtureBranch(t, cases, "STABLE_REMOVAL/remove-stable.patch")))
	gitIn(t, repo, "checkout", "-q", "-b", "relaxing-pr", policyBranch)
	gitIn(t, repo, "cherry-pick", "--allow-empty", removal)
	relaxing := strings.TrimSpace(gitIn(t, repo, "rev-parse", "HEAD"))
	run := func(base, head string) (string, string) {
		t.Helper()
		tmp := t.TempDir()
		outputs := filepath.Join(tmp, "outputs")
		cmd := exec.Command("bash", "-e", "-c", script)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "BASE="+base, "HEAD="+head, "STABLE_LIST=", "DEFAULT_BRANCH=main",
			"KFUNCCHECK="+bin, "RUNNER_TEMP="+tmp, "GITHUB_OUTPUT="+outputs, "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("check step: %v\n%s", err, out)
		}
		o, _ := os.ReadFile(outputs)
		return string(out), string(o)
	}
	zero := strings.Repeat("0", 40)
	for _, tc := range []struct {
		name, base, head, say, rc string
	}{
		{"pull request", main, head, "", "rc=1"},
		{"new branch", zero, head, "checking the commits not on main", "rc=1"},
		{"force push, before unknown", strings.Repeat("ab", 20), head, "checking the commits not on main", "rc=1"},
		// main's one commit adds the whole tree, stable entries included.
		{"default branch new", zero, main, "checking " + main + " itself", "rc=1"},
		{"a pull request that relaxes the policy", main, relaxing, "change .kfunccheck.toml", "rc=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, outputs := run(tc.base, tc.head)
			if !strings.Contains(outputs, tc.rc+"\n") || !strings.Contains(out, tc.say) {
				t.Fatalf("outputs:\n%s\nlog:\n%s", outputs, out)
			}
			if tc.rc == "rc=1" && !strings.Contains(out, "::error file=kernel/") {
				t.Errorf("no annotation on a kernel file:\n%s", out)
			}
			if tc.head == relaxing && !strings.Contains(out, "STABLE_REMOVAL") {
				t.Errorf("the pull request's own policy let the removal pass:\n%s", out)
			}
		})
	}
}
