// SPDX-License-Identifier: GPL-2.0-only

package hooks_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/hooks"
	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/kfunccheck/kfunccheck/patchcheck"
)

var kfunccheck string // the binary under test, built once

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("git"); err != nil {
		fmt.Println("skipping hook end-to-end tests: the git command is not installed (.ci/run installs it)")
		testbin.Main(m)
		return
	}
	var err error
	if kfunccheck, err = testbin.Build(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testbin.Main(m)
}

type world struct {
	t            *testing.T
	work, remote string
	env          []string
}

func (w *world) run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), w.env...), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (w *world) git(args ...string) string {
	w.t.Helper()
	out, err := w.run(w.work, nil, "git", args...)
	if err != nil {
		w.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return out
}

func (w *world) am(branch, from, fixture string) {
	w.t.Helper()
	p, _ := filepath.Abs(filepath.Join("..", "rules", "testdata", fixture))
	w.git("checkout", "-q", "-b", branch, from)
	w.git("am", "-q", p)
}

func (w *world) push(env []string, args ...string) (string, bool) {
	out, err := w.run(w.work, env, "git", append([]string{"push", "-q"}, args...)...)
	return out, err == nil
}

func (w *world) remoteHas(ref string) bool {
	_, err := w.run(w.remote, nil, "git", "rev-parse", "--verify", "-q", ref)
	return err == nil
}

// newWorld makes a work repository holding the baseline kernel tree, a
// bare remote it has pushed main to, and installs the hook.
func newWorld(t *testing.T, objectFormat string) *world {
	if kfunccheck == "" {
		t.Skip("the git command is not installed")
	}
	dir := t.TempDir()
	w := &world{t: t, work: filepath.Join(dir, "work"), remote: filepath.Join(dir, "remote.git"),
		env: []string{"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Jane", "GIT_AUTHOR_EMAIL=jane@example.org",
			"GIT_COMMITTER_NAME=Jane", "GIT_COMMITTER_EMAIL=jane@example.org", "KFUNCCHECK_SKIP="}}
	for _, d := range []string{w.work, w.remote} {
		if out, err := w.run(dir, nil, "git", "init", "-q", "--object-format="+objectFormat, "-b", "main", d); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
	}
	if out, err := w.run(w.remote, nil, "git", "config", "core.bare", "true"); err != nil {
		t.Fatal(out)
	}
	if err := os.CopyFS(w.work, os.DirFS(filepath.Join("..", "testdata", "tree"))); err != nil {
		t.Fatal(err)
	}
	w.git("add", "-A")
	w.git("commit", "-q", "-m", "baseline")
	w.git("remote", "add", "origin", w.remote)
	w.git("push", "-q", "origin", "main")
	out, err := w.run(w.work, nil, kfunccheck, "hook", "install")
	if err != nil || !strings.Contains(out, "pre-push hook installed") {
		t.Fatalf("hook install: %v\n%s", err, out)
	}
	return w
}

func TestPrePushSHA1(t *testing.T) { testPrePush(t, "sha1") }

func TestPrePushSHA256(t *testing.T) { testPrePush(t, "sha256") }

func testPrePush(t *testing.T, format string) {
	w := newWorld(t, format)

	// A promotion without rationale is refused, and nothing reaches the remote.
	w.am("bad", "main", "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	out, ok := w.push(nil, "origin", "bad")
	if ok || !strings.Contains(out, "ERROR:STABLE_PROMOTION_RATIONALE") || !strings.Contains(out, "git push --no-verify") || w.remoteHas("refs/heads/bad") {
		t.Fatalf("bad promotion pushed (ok=%v):\n%s", ok, out)
	}
	// The same with a proper rationale goes through.
	w.am("good", "main", "clean/promote-good.patch")
	if out, ok := w.push(nil, "origin", "good"); !ok || !w.remoteHas("refs/heads/good") {
		t.Fatalf("good promotion refused:\n%s", out)
	}
	// Two branches in one push, only the second bad: the push is refused.
	w.am("good2", "main", "clean/deprecate-good.patch")
	w.am("bad2", "main", "STABLE_FLAGS_BREAKING/flags-breaking.patch")
	out, ok = w.push(nil, "origin", "good2", "bad2")
	if ok || !strings.Contains(out, "STABLE_FLAGS_BREAKING") || w.remoteHas("refs/heads/bad2") || w.remoteHas("refs/heads/good2") {
		t.Fatalf("push of a good and a bad branch (ok=%v):\n%s", ok, out)
	}
	// KFUNCCHECK_SKIP=1 lets it through, and says so.
	out, ok = w.push([]string{"KFUNCCHECK_SKIP=1"}, "origin", "bad2")
	if !ok || !strings.Contains(out, "not checked") {
		t.Fatalf("KFUNCCHECK_SKIP=1 (ok=%v):\n%s", ok, out)
	}
	// A new branch on top of an already pushed one checks only its own
	// commits: bad2's commit is on origin and is not judged again.
	w.am("topic", "bad2", "clean/deprecate-good.patch")
	if out, ok := w.push(nil, "origin", "topic"); !ok {
		t.Fatalf("new branch on a pushed branch refused:\n%s", out)
	}
	// A branch deletion passes.
	if out, ok := w.push(nil, "origin", "--delete", "bad2"); !ok || w.remoteHas("refs/heads/bad2") {
		t.Fatalf("deletion refused:\n%s", out)
	}
}

func TestInstallChainUninstall(t *testing.T) {
	w := newWorld(t, "sha1")
	hooksDir := filepath.Join(w.work, ".git", "hooks")
	// Installing again over our own hook is fine.
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "install"); err != nil {
		t.Fatalf("reinstall: %v\n%s", err, out)
	}
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	// A foreign hook is refused, chained with --chain, and restored on uninstall.
	foreign := "#!/bin/sh\necho foreign-hook-ran >&2\ncat >/dev/null\nexit 0\n"
	if err := os.WriteFile(filepath.Join(hooksDir, "pre-push"), []byte(foreign), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "install"); err == nil || !strings.Contains(out, "--chain") {
		t.Fatalf("foreign hook replaced without --force/--chain:\n%s", out)
	}
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "install", "--chain"); err != nil {
		t.Fatalf("install --chain: %v\n%s", err, out)
	}
	w.am("bad", "main", "STABLE_REMOVAL/remove-stable.patch")
	out, ok := w.push(nil, "origin", "bad")
	if ok || !strings.Contains(out, "foreign-hook-ran") || !strings.Contains(out, "STABLE_REMOVAL") {
		t.Fatalf("chained push (ok=%v):\n%s", ok, out)
	}
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	if data, _ := os.ReadFile(filepath.Join(hooksDir, "pre-push")); string(data) != foreign {
		t.Fatalf("foreign hook not restored:\n%s", data)
	}
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err == nil || !strings.Contains(out, "did not write") {
		t.Fatalf("uninstall removed a foreign hook:\n%s", out)
	}
}

func TestHooksPathAndMissingBinary(t *testing.T) {
	w := newWorld(t, "sha1")
	if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err != nil {
		t.Fatal(out)
	}
	w.git("config", "core.hooksPath", ".githooks")
	bin := filepath.Join(t.TempDir(), "kfunccheck")
	data, err := os.ReadFile(kfunccheck)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := w.run(w.work, nil, bin, "hook", "install"); err != nil || !strings.Contains(out, filepath.Join(".githooks", "pre-push")) {
		t.Fatalf("install with core.hooksPath: %v\n%s", err, out)
	}
	os.Remove(bin)
	w.am("any", "main", "clean/reformat.patch")
	out, ok := w.push(nil, "origin", "any")
	if ok || !strings.Contains(out, "is missing") || !strings.Contains(out, "--no-verify") {
		t.Fatalf("missing binary (ok=%v):\n%s", ok, out)
	}
}

// TestPrePushFallbacks drives the protocol directly: a remote id this
// clone lacks falls back to the remote-tracking refs, and the cap on new
// commits is announced.
func TestPrePushFallbacks(t *testing.T) {
	w := newWorld(t, "sha1")
	w.am("topic", "main", "clean/reformat.patch")
	w.git("commit", "-q", "--allow-empty", "-m", "empty one")
	w.git("commit", "-q", "--allow-empty", "-m", "empty two")
	tip := strings.TrimSpace(w.git("rev-parse", "HEAD"))
	missing := strings.Repeat("1234abcd", 5)
	var stderr strings.Builder
	pp := &hooks.PrePush{Dir: w.work, Remote: "origin", URL: w.remote, Stderr: &stderr,
		Stdin: strings.NewReader("refs/heads/topic " + tip + " refs/heads/topic " + missing + "\n")}
	opt, _, err := patchcheck.LoadOptions(patchcheck.PolicyFrom{Trees: []string{w.work}})
	if err != nil {
		t.Fatal(err)
	}
	pp.Options = opt
	if code := pp.Run(); code != 0 || !strings.Contains(stderr.String(), "is not here") {
		t.Fatalf("missing remote id: exit %d\n%s", code, stderr.String())
	}
	stderr.Reset()
	pp.Stdin = strings.NewReader("refs/heads/topic " + tip + " refs/heads/topic " + strings.Repeat("0", 40) + "\n")
	pp.MaxCommits = 2
	if code := pp.Run(); code != 0 || !strings.Contains(stderr.String(), "more than 2 new commits") {
		t.Fatalf("cap: exit %d\n%s", code, stderr.String())
	}
	stderr.Reset()
	pp.Stdin = strings.NewReader("garbage\n")
	if code := pp.Run(); code != 1 || !strings.Contains(stderr.String(), "--no-verify") {
		t.Fatalf("malformed input: exit %d\n%s", code, stderr.String())
	}
	// No ref updates at all: HEAD (topic, on no remote branch) stands
	// in, and the run says what it checked.
	stderr.Reset()
	pp.Stdin, pp.MaxCommits = strings.NewReader(""), 0
	if code := pp.Run(); code != 0 || !strings.Contains(stderr.String(), "no ref updates on standard input") ||
		!strings.Contains(stderr.String(), "checked 3 commit(s), those of topic (not on origin yet)") {
		t.Fatalf("empty input: exit %d\n%s", code, stderr.String())
	}
}

// TestPrePushEmptyInput pushes with real git: a push that updates nothing
// runs the hook with no line at all (git 2.39 does), and a runner that
// drops git's input leaves it empty too. Neither passes in silence: the
// commits pushing HEAD would send are checked, and a breaking one is
// refused.
func TestPrePushEmptyInput(t *testing.T) {
	w := newWorld(t, "sha1")
	out, ok := w.push(nil, "origin", "main")
	if !ok || !strings.Contains(out, "checked 0 commit(s), those of main not on origin/main: no finding") {
		t.Fatalf("up-to-date push (ok=%v):\n%s", ok, out)
	}
	w.am("bad", "main", "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	w.git("push", "-q", "--no-verify", "origin", "bad")
	w.am("worse", "bad", "clean/deprecate-good.patch")
	// The pushed ref updates dropped, as a hook runner without stdin
	// does: only HEAD's new commit is judged, against origin/worse's
	// absence, that is every origin ref.
	out, err := w.run(w.work, nil, kfunccheck, "hook", "pre-push", "origin", w.remote)
	if err != nil || !strings.Contains(out, "checked 1 commit(s), those of worse (not on origin yet)") {
		t.Fatalf("dropped input, good commit on a pushed bad one: %v\n%s", err, out)
	}
	w.git("checkout", "-q", "--detach", "bad")
	w.git("commit", "-q", "--allow-empty", "-m", "detached")
	w.git("reset", "-q", "--hard", "HEAD~2")
	w.am("bad3", "HEAD", "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	w.git("checkout", "-q", "--detach")
	out, err = w.run(w.work, nil, kfunccheck, "hook", "pre-push", "origin", w.remote)
	if err == nil || !strings.Contains(out, "detached HEAD") || !strings.Contains(out, "push refused") {
		t.Fatalf("dropped input, detached HEAD with a bad commit: %v\n%s", err, out)
	}
}
