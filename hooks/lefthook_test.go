// SPDX-License-Identifier: GPL-2.0-only

package hooks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docExample returns a configuration of docs/examples, as docs/hooks.md
// shows it (internal/docstest holds the page's block to the file): the
// tests run the hook runners configured exactly as the documentation
// tells users to configure them.
func docExample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// withBinaryOnPath puts the kfunccheck under test first in PATH, so that
// a configuration naming "kfunccheck" runs it.
func (w *world) withBinaryOnPath() {
	w.env = append(w.env, "PATH="+filepath.Dir(kfunccheck)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestLefthook runs the real lefthook (2.x; .ci/run installs it from npm)
// with the configuration docs/hooks.md gives: a breaking push is refused and a good
// one goes through. Without use_stdin, lefthook gives the command an
// empty pipe instead of git's ref updates: the hook says so and checks
// what pushing HEAD would send, so the breaking push is still refused.
func TestLefthook(t *testing.T) {
	lh, err := exec.LookPath("lefthook")
	if err != nil {
		t.Skip("lefthook is not installed (.ci/run installs lefthook 2.2.1 from npm)")
	}
	v, err := exec.Command(lh, "version").Output()
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(v)), "2.") {
		t.Skipf("lefthook version %q: the test is written for lefthook 2.x", strings.TrimSpace(string(v)))
	}
	config := docExample(t, "lefthook.yml")
	if !strings.Contains(config, "use_stdin: true") {
		t.Fatalf("the documented lefthook configuration does not pass git's stdin:\n%s", config)
	}
	for _, tc := range []struct {
		name, config string
	}{
		{"documented", config},
		{"without use_stdin", strings.ReplaceAll(config, "      use_stdin: true\n", "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "sha1")
			w.withBinaryOnPath()
			if out, err := w.run(w.work, nil, kfunccheck, "hook", "uninstall"); err != nil {
				t.Fatal(out)
			}
			if err := os.WriteFile(filepath.Join(w.work, "lefthook.yml"), []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			w.git("add", "lefthook.yml")
			w.git("commit", "-q", "-m", "lefthook configuration")
			w.git("push", "-q", "--no-verify", "origin", "main")
			if out, err := w.run(w.work, nil, lh, "install"); err != nil {
				t.Fatalf("lefthook install: %v\n%s", err, out)
			}
			w.am("bad", "main", "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
			// No terminal on stdin, as in a script or an IDE.
			out, ok := w.push(nil, "origin", "bad")
			if ok || !strings.Contains(out, "STABLE_PROMOTION_RATIONALE") || w.remoteHas("refs/heads/bad") {
				t.Fatalf("bad promotion pushed through lefthook (ok=%v):\n%s", ok, out)
			}
			guessed := strings.Contains(out, "no ref updates on standard input")
			if guessed != (tc.name != "documented") {
				t.Fatalf("empty-stdin notice shown=%v:\n%s", guessed, out)
			}
			w.am("good", "main", "clean/promote-good.patch")
			out, ok = w.push(nil, "origin", "good")
			if !ok || !w.remoteHas("refs/heads/good") {
				t.Fatalf("good promotion refused through lefthook:\n%s", out)
			}
			if tc.name != "documented" && !strings.Contains(out, "checked 1 commit(s), those of good (not on origin yet) not on any refs/remotes/origin/*: no finding") {
				t.Fatalf("a push checked in HEAD's stead does not say what it checked:\n%s", out)
			}
			t.Logf("good push:\n%s", out)
		})
	}
}
