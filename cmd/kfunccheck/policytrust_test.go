// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inTree runs the test in a fresh directory holding the policy text as
// the tree's .kfunccheck.toml, and returns the directory.
func inTree(t *testing.T, policyText string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".kfunccheck.toml"), []byte(policyText), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// TestTreePolicyCannotReadOutside: a tree's policy file that names a file
// outside the tree is refused, and the error quotes nothing it read.
func TestTreePolicyCannotReadOutside(t *testing.T) {
	patch, _ := filepath.Abs(ex + "0002-bpf-Remove-bpf_rdonly_cast.patch")
	t.Setenv("KFUNCCHECK_TEST_SECRET", "hunter2-token")
	for _, text := range []string{`stable_lists = ["/proc/self/environ"]`, `stable_lists = ["../../../../../../proc/self/environ"]`} {
		inTree(t, text)
		out, stderr, code := runCLI(t, "", "check", patch)
		if code != 2 || !strings.Contains(stderr, "stable_lists") || !strings.Contains(stderr, "its directory") {
			t.Errorf("%s: exit %d\n%s%s", text, code, out, stderr)
		}
		if strings.Contains(out+stderr, "hunter2") {
			t.Errorf("%s: the environment reached the output:\n%s%s", text, out, stderr)
		}
	}
}

// TestTreePolicyOnlyTightens: with the operator's policy (--config), the
// tree's ignore list does not let a removal pass, and the run says so;
// --tree-policy=use makes the tree's the policy, and without --config the
// tree's is the policy (the user's own tree).
func TestTreePolicyOnlyTightens(t *testing.T) {
	patch, _ := filepath.Abs(ex + "0002-bpf-Remove-bpf_rdonly_cast.patch")
	dir := inTree(t, "ignore = [\"STABLE_REMOVAL\"]\nmin_deprecation_releases = 12\n")
	op := filepath.Join(dir, "..", filepath.Base(dir)+"-operator.toml")
	if err := os.WriteFile(op, []byte("fail_on = \"error\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(op)
	out, stderr, code := runCLI(t, "", "check", "--show-types", "--config", op, patch)
	if code != 1 || !strings.Contains(out, "STABLE_REMOVAL") || !strings.Contains(stderr, "ignore not applied") {
		t.Errorf("--config: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = runCLI(t, "", "check", "--show-types", "--config", op, "--tree-policy", "ignore", patch)
	if code != 1 || strings.Contains(stderr, "not applied") {
		t.Errorf("--tree-policy ignore: exit %d\n%s%s", code, out, stderr)
	}
	for _, args := range [][]string{{"--config", op, "--tree-policy=use"}, {}} {
		out, stderr, code = runCLI(t, "", append(append([]string{"check", "--show-types"}, args...), patch)...)
		if code != 0 || strings.Contains(out, "STABLE_REMOVAL") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	if _, stderr, code := runCLI(t, "", "check", "--tree-policy", "maybe", patch); code != 2 || !strings.Contains(stderr, "--tree-policy") {
		t.Errorf("a bad --tree-policy: exit %d\n%s", code, stderr)
	}
}
