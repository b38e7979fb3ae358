// SPDX-License-Identifier: GPL-2.0-only

package hooks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPreCommitFramework runs the real pre-commit (Debian packages it;
// .ci/run installs it) with kfunccheck as a local hook in its push and
// manual stages: a bad push is refused through pre-commit's own pre-push
// hook, and the manual stage says what it checked, not that a push was
// refused.
func TestPreCommitFramework(t *testing.T) {
	pc, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (.ci/run installs Debian's)")
	}
	w := newWorld(t, "sha1")
	w.env = append(w.env, "PRE_COMMIT_HOME="+filepath.Join(t.TempDir(), "pre-commit-home"))
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err != nil {
		t.Fatal(out)
	}
	// The configuration docs/hooks.md gives, as it is: "push" is the
	// stage's name before pre-commit 3.2.0 and an alias after.
	config := docExample(t, "pre-commit-config.yaml")
	if !strings.Contains(config, "entry: kfunccheck hook pre-commit") {
		t.Fatalf("the documented pre-commit configuration changed:\n%s", config)
	}
	w.withBinaryOnPath()
	if err := os.WriteFile(filepath.Join(w.work, ".pre-commit-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	w.git("add", ".pre-commit-config.yaml")
	w.git("commit", "-q", "-m", "pre-commit configuration")
	w.git("push", "-q", "origin", "main")
	if out, err := w.run(w.work, nil, pc, "install", "--hook-type", "pre-push"); err != nil {
		t.Fatalf("pre-commit install: %v\n%s", err, out)
	}

	w.am("bad", "main", "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	out, ok := w.push(nil, "origin", "bad")
	if ok || !strings.Contains(out, "ERROR:STABLE_PROMOTION_RATIONALE") || w.remoteHas("refs/heads/bad") {
		t.Fatalf("bad promotion pushed through pre-commit (ok=%v):\n%s", ok, out)
	}
	manual := func() (string, bool) {
		out, err := w.run(w.work, nil, pc, "run", "--hook-stage", "manual", "kfunccheck")
		return out, err == nil
	}
	out, ok = manual()
	if ok || !strings.Contains(out, "checked 1 commit(s) of HEAD not on origin's remote-tracking refs: 1 error(s)") ||
		strings.Contains(out, "push refused") || strings.Contains(out, "--no-verify") {
		t.Fatalf("manual stage on the bad branch (ok=%v):\n%s", ok, out)
	}
	t.Logf("manual stage on the bad branch:\n%s", out)

	w.am("good", "main", "clean/promote-good.patch")
	if out, ok := w.push(nil, "origin", "good"); !ok || !w.remoteHas("refs/heads/good") {
		t.Fatalf("good promotion refused through pre-commit:\n%s", out)
	}
	// Everything on good is on origin now: nothing left to check.
	if out, ok := manual(); !ok || !strings.Contains(out, "checked 0 commit(s) of HEAD not on origin's remote-tracking refs: no finding") {
		t.Fatalf("manual stage on a pushed branch (ok=%v):\n%s", ok, out)
	}
}

// TestPreCommitManifest validates the shipped manifest with the installed
// pre-commit: one older than the manifest's minimum_pre_commit_version
// (Debian 12 has 3.0.4) must reject it, a newer one must accept it.
func TestPreCommitManifest(t *testing.T) {
	pc, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (.ci/run installs Debian's)")
	}
	manifest, err := filepath.Abs(filepath.Join("..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	minimum := regexp.MustCompile(`minimum_pre_commit_version: "((\d+)\.(\d+)\.(\d+))"`).FindStringSubmatch(string(data))
	if minimum == nil {
		t.Fatal("the manifest declares no minimum_pre_commit_version")
	}
	v, err := exec.Command(pc, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	have := regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(string(v))
	if have == nil {
		t.Fatalf("pre-commit --version: %q", v)
	}
	older := false
	for i := 1; i <= 3; i++ {
		a, _ := strconv.Atoi(have[i])
		b, _ := strconv.Atoi(minimum[i+1])
		if a != b {
			older = a < b
			break
		}
	}
	cmd := exec.Command(pc, "validate-manifest", manifest)
	cmd.Env = append(os.Environ(), "PRE_COMMIT_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	switch {
	case older && err == nil:
		t.Errorf("pre-commit %s accepts a manifest that needs %s:\n%s", have[0], minimum[1], out)
	case !older && err != nil:
		t.Errorf("pre-commit %s rejects the manifest: %v\n%s", have[0], err, out)
	}
	t.Logf("pre-commit %s on a manifest needing %s: %s", have[0], minimum[1], strings.TrimSpace(string(out)))
}
