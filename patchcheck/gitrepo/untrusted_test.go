// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIRunsNoRepositoryProgram: a repository's own configuration names
// programs git would run (a gpg to verify signatures shown by
// log.showSignature, a pager, an fsmonitor, hooks); reading the
// repository through the git command runs none of them.
func TestCLIRunsNoRepositoryProgram(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "k.c"), []byte("int x;\n"), 0o644)
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "one")
	// A signed commit on top: a gpgsig header, as git commit -S writes.
	tree := strings.TrimSpace(gitOut(t, dir, "rev-parse", "HEAD^{tree}"))
	parent := strings.TrimSpace(gitOut(t, dir, "rev-parse", "HEAD"))
	obj := "tree " + tree + "\nparent " + parent +
		"\nauthor T <t@e> 1700000000 +0000\ncommitter T <t@e> 1700000000 +0000\n" +
		"gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(obj)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.TrimSpace(string(out))
	gitOut(t, dir, "update-ref", "refs/heads/main", signed)

	marker := filepath.Join(t.TempDir(), "ran")
	prog := filepath.Join(t.TempDir(), "evil")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho \"$0 $*\" >> "+marker+"\ncat >/dev/null\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"log.showSignature", "true"}, {"gpg.program", prog}, {"core.pager", prog},
		{"core.fsmonitor", prog}, {"core.hooksPath", filepath.Dir(prog)}, {"diff.external", prog}} {
		gitOut(t, dir, "config", kv[0], kv[1])
	}
	l, err := Locate(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &cliRepo{l: l}
	if _, err := r.Resolve("main"); err != nil {
		t.Fatal(err)
	}
	if c, err := r.Commit(signed); err != nil || c.Subject != "signed" {
		t.Fatalf("Commit: %+v %v", c, err)
	}
	if _, _, err := r.RevList([]string{signed}, nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.FormatPatch(signed); err != nil {
		t.Fatal(err)
	}
	// The runner itself: a plain "git log", which verifies signatures
	// under log.showSignature, runs no gpg either.
	if _, err := r.git(nil, "log", "-1", signed); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(marker); err == nil {
		t.Fatalf("a program of the repository's configuration ran:\n%s", data)
	}
}

// TestCLICleanEnvironment: git runs with an environment of its own (none
// of the caller's GIT_* variables, HOME or configuration), as seen by a
// git wrapper that records what it was given.
func TestCLICleanEnvironment(t *testing.T) {
	needGit(t)
	real, _ := exec.LookPath("git")
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "record")
	wrapper := "#!/bin/sh\n{ echo \"ARGS $*\"; env; } >> " + record + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "k.c"), []byte("int x;\n"), 0o644)
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "one")
	l, err := Locate(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GIT_EXTERNAL_DIFF", "/bin/false")
	t.Setenv("GIT_CONFIG_PARAMETERS", "'log.showsignature'='true'")
	t.Setenv("HOME", t.TempDir())
	r := &cliRepo{l: l}
	if _, err := r.FormatPatch("HEAD"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, want := range []string{"-c log.showSignature=false", "-c core.fsmonitor=false", "-c core.hooksPath=/dev/null",
		"-c gpg.program=false", "--no-pager", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME=/dev/null"} {
		if !strings.Contains(got, want) {
			t.Errorf("git was not given %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"GIT_EXTERNAL_DIFF", "GIT_CONFIG_PARAMETERS"} {
		if strings.Contains(got, bad) {
			t.Errorf("the caller's %s reached git", bad)
		}
	}
}

// TestQuotePath quotes names as git does (core.quotePath).
func TestQuotePath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"kernel/bpf/helpers.c", "a/kernel/bpf/helpers.c"},
		{"new\nline.c", `"a/new\nline.c"`},
		{"esc\x1b[2J.c", `"a/esc\033[2J.c"`},
		{`quote"back\slash`, `"a/quote\"back\\slash"`},
		{"tab\there", `"a/tab\there"`},
		{"caf\xc3\xa9", `"a/caf\303\251"`},
	} {
		if got := QuotePath("a/", tt.in); got != tt.want {
			t.Errorf("QuotePath(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestFormatPatchQuotesPaths: a file name that git quotes is rendered
// quoted exactly as git format-patch writes it; one holding a newline or
// an escape (which go-git refuses to read) is an error, never raw text in
// a patch.
func TestFormatPatchQuotesPaths(t *testing.T) {
	needGit(t)
	for _, tt := range []struct {
		name  string
		error bool
	}{
		{name: `quote"back\slash.c`},
		{name: "caf\xc3\xa9.c"},
		{name: "evil\n+++ b.c\x1b[2J.c", error: true},
	} {
		dir := t.TempDir()
		gitOut(t, dir, "init", "-q", "-b", "main")
		os.WriteFile(filepath.Join(dir, "k.c"), []byte("int x;\n"), 0o644)
		gitOut(t, dir, "add", "-A")
		gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "one")
		if err := os.WriteFile(filepath.Join(dir, tt.name), []byte("int y;\n"), 0o644); err != nil {
			t.Skipf("the file system refuses the name: %v", err)
		}
		gitOut(t, dir, "add", "-A")
		gitOut(t, dir, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "two")
		repo, _, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		head, _ := repo.Resolve("HEAD")
		got, err := repo.FormatPatch(head)
		repo.Close()
		if tt.error {
			if err == nil || strings.Contains(string(got), "\x1b") {
				t.Errorf("%q: rendered %q, %v", tt.name, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.name, err)
		}
		want := gitOut(t, dir, "format-patch", "--stdout", "-1", "--full-index", "HEAD")
		n := 0
		for _, l := range strings.Split(want, "\n") {
			if strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "+++ ") || strings.HasPrefix(l, "--- ") {
				n++
				if !strings.Contains(string(got), l+"\n") {
					t.Errorf("git writes %q; kfunccheck's patch:\n%s", l, got)
				}
			}
		}
		if n != 3 {
			t.Errorf("%q: git's patch has %d header lines", tt.name, n)
		}
	}
}
