// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallNoSymlinkFollowed: a symlink planted where an installer
// would write its temporary file is neither followed nor reused, and no
// temporary file is left behind.
func TestInstallNoSymlinkFollowed(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	hooksDir := filepath.Join(repo, ".git", "hooks")
	os.MkdirAll(hooksDir, 0o755)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pre-push.kfunccheck-tmp", ".pre-push.kfunccheck-tmp"} {
		if err := os.Symlink(victim, filepath.Join(hooksDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	target, err := Install(InstallOptions{Repo: repo, Binary: "/usr/bin/kfunccheck"})
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "precious\n" {
		t.Fatalf("the installer wrote through a planted symlink: %q", data)
	}
	fi, err := os.Lstat(target)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o100 == 0 {
		t.Fatalf("hook %s: %v %v", target, fi, err)
	}
	if data, _ := os.ReadFile(target); !strings.Contains(string(data), Marker) {
		t.Fatalf("hook content:\n%s", data)
	}
	ents, _ := os.ReadDir(hooksDir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "kfunccheck-") && e.Type()&os.ModeSymlink == 0 {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
