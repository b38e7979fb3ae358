// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// initRepo makes an empty repository with its hooks directory.
func initRepo(t *testing.T) (repo, hooksDir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	repo = t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	hooksDir = filepath.Join(repo, ".git", "hooks")
	os.MkdirAll(hooksDir, 0o755)
	return repo, hooksDir
}

// TestInstallNoSymlinkFollowed: a symlink planted where an installer
// would write its temporary file is neither followed nor reused, and no
// temporary file is left behind.
func TestInstallNoSymlinkFollowed(t *testing.T) {
	repo, hooksDir := initRepo(t)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pre-push.kfunccheck-tmp", ".pre-push.kfunccheck-tmp"} {
		if err := os.Symlink(victim, filepath.Join(hooksDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Install(InstallOptions{Repo: repo, Binary: "/usr/bin/kfunccheck"})
	if err != nil {
		t.Fatal(err)
	}
	target := res.Path
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

// TestInstallKeepsEveryBackup: --force keeps each foreign hook it
// replaces under a name of its own, a dangling symlink included (as the
// link it is), and never overwrites an earlier backup.
func TestInstallKeepsEveryBackup(t *testing.T) {
	repo, hooksDir := initRepo(t)
	hook := filepath.Join(hooksDir, "pre-push")
	opt := InstallOptions{Repo: repo, Binary: "/usr/bin/kfunccheck", Force: true}

	// A dangling symlink is a foreign hook: without --force it is refused.
	if err := os.Symlink("/nonexistent/team-hook", hook); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(InstallOptions{Repo: repo, Binary: opt.Binary}); !errors.Is(err, ErrForeignHook) {
		t.Fatalf("dangling symlink replaced without --force: %v", err)
	}
	first, err := Install(opt)
	if err != nil {
		t.Fatal(err)
	}
	if dest, err := os.Readlink(first.Backup); err != nil || dest != "/nonexistent/team-hook" {
		t.Fatalf("dangling symlink not kept: backup %q -> %q, %v", first.Backup, dest, err)
	}
	var backups []string
	for i, content := range []string{"#!/bin/sh\necho one\n", "#!/bin/sh\necho two\n"} {
		os.Remove(hook)
		if err := os.WriteFile(hook, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		res, err := Install(opt)
		if err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(res.Backup); string(data) != content {
			t.Fatalf("backup %d %s holds %q", i, res.Backup, data)
		}
		backups = append(backups, res.Backup)
	}
	if dest, _ := os.Readlink(first.Backup); dest != "/nonexistent/team-hook" || backups[0] == backups[1] || backups[0] == first.Backup {
		t.Fatalf("a backup was overwritten: %s, %v", first.Backup, backups)
	}
	// Our own hook is replaced without a backup.
	res, err := Install(opt)
	if err != nil || res.Backup != "" {
		t.Fatalf("reinstall over our own hook: %+v %v", res, err)
	}
}
