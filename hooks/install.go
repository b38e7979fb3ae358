// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
)

// Marker identifies a hook script kfunccheck wrote.
const Marker = "# kfunccheck pre-push hook"

// chainedName is where a foreign hook goes when kfunccheck chains to it.
const chainedName = "pre-push.kfunccheck-chained"

// backupName is where --force puts a foreign hook it replaces.
const backupName = "pre-push.kfunccheck-backup"

// ErrForeignHook is returned when a pre-push hook kfunccheck did not write
// is in the way.
var ErrForeignHook = errors.New("a pre-push hook that kfunccheck did not write is installed")

// InstallOptions control Install.
type InstallOptions struct {
	Repo string // a directory inside the repository
	// Force replaces a foreign hook (it is kept as pre-push.kfunccheck-backup).
	Force bool
	// Chain keeps a foreign hook and runs it before kfunccheck.
	Chain bool
	// Binary is the kfunccheck the hook runs, an absolute path.
	Binary string
}

// Script returns the hook script that runs binary.
func Script(binary string) string {
	q := "'" + strings.ReplaceAll(binary, "'", `'\''`) + "'"
	return `#!/bin/sh
` + Marker + `: written by "kfunccheck hook install",
# removed by "kfunccheck hook uninstall". It reads the commits being pushed
# locally and never touches the network.
kfunccheck=` + q + `
if [ ! -x "$kfunccheck" ]; then
	echo "kfunccheck pre-push hook: $kfunccheck is missing." >&2
	echo "Install kfunccheck again and rerun 'kfunccheck hook install', or remove this hook;" >&2
	echo "to push without the check: git push --no-verify" >&2
	exit 1
fi
chained="$(dirname "$0")/` + chainedName + `"
if [ -x "$chained" ]; then
	input=$(cat)
	printf '%s\n' "$input" | "$chained" "$@" || exit $?
	printf '%s\n' "$input" | "$kfunccheck" hook pre-push "$@"
	exit $?
fi
exec "$kfunccheck" hook pre-push "$@"
`
}

// isOurs says whether path exists (a dangling symlink does) and whether
// it is kfunccheck's own hook: a regular file with the marker. A symlink
// is never ours, wherever it points, so it is kept as a backup when
// replaced.
func isOurs(path string) (exists, ours bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if !fi.Mode().IsRegular() {
		return true, false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return true, false, err
	}
	return true, bytes.Contains(data, []byte(Marker)), nil
}

// lexists reports whether path exists, a dangling symlink included.
func lexists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// backUp moves the hook at target to the first free backup name:
// pre-push.kfunccheck-backup, then .1, .2, ...; an earlier backup is
// never overwritten. A hard link claims the name atomically (link fails
// when the name exists, and links a symlink itself, not what it points
// to); the hook is then replaced by the caller.
func backUp(dir, target string) (string, error) {
	for i := 0; i < 1000; i++ {
		name := filepath.Join(dir, backupName)
		if i > 0 {
			name += fmt.Sprintf(".%d", i)
		}
		err := os.Link(target, name)
		switch {
		case err == nil:
			return name, nil
		case errors.Is(err, os.ErrExist) || lexists(name):
			continue
		}
		// A file system without hard links: rename to a name that is
		// free now.
		if rerr := os.Rename(target, name); rerr != nil {
			return "", rerr
		}
		return name, nil
	}
	return "", fmt.Errorf("%s: 1000 backups already; remove some", filepath.Join(dir, backupName))
}

// Installed says where Install put the hook and what it did with a
// foreign one.
type Installed struct {
	Path string
	// Backup is where --force kept the foreign hook, Chained where
	// --chain moved it; "" when there was none.
	Backup, Chained string
}

// Install writes the pre-push hook into the hooks directory git really
// uses (core.hooksPath, the common git dir of a worktree, $GIT_DIR).
func Install(opt InstallOptions) (Installed, error) {
	var res Installed
	if !filepath.IsAbs(opt.Binary) {
		return Installed{}, fmt.Errorf("hook install: the kfunccheck binary %q must be an absolute path", opt.Binary)
	}
	l, err := gitrepo.Locate(opt.Repo)
	if err != nil {
		return Installed{}, fmt.Errorf("hook install: %w", err)
	}
	dir := l.HooksDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Installed{}, fmt.Errorf("hook install: %w", err)
	}
	target := filepath.Join(dir, "pre-push")
	exists, ours, err := isOurs(target)
	if err != nil {
		return Installed{}, fmt.Errorf("hook install: %w", err)
	}
	if exists && !ours {
		switch {
		case opt.Chain:
			chained := filepath.Join(dir, chainedName)
			if lexists(chained) {
				return Installed{}, fmt.Errorf("hook install: %s already exists", chained)
			}
			if err := os.Rename(target, chained); err != nil {
				return Installed{}, fmt.Errorf("hook install: %w", err)
			}
			res.Chained = chained
		case opt.Force:
			backup, err := backUp(dir, target)
			if err != nil {
				return Installed{}, fmt.Errorf("hook install: keeping the foreign hook: %w", err)
			}
			res.Backup = backup
		default:
			return Installed{}, fmt.Errorf("hook install: %s: %w; run it before kfunccheck with --chain, or replace it with --force (kept as a backup)", target, ErrForeignHook)
		}
	}
	// The script is written to a file created exclusively under a random
	// name (O_EXCL: a symlink or file planted at a predictable name is
	// never followed nor reused), then renamed over the hook.
	f, err := os.CreateTemp(dir, ".pre-push.kfunccheck-*")
	if err != nil {
		return Installed{}, fmt.Errorf("hook install: %w", err)
	}
	tmp := f.Name()
	_, werr := f.WriteString(Script(opt.Binary))
	if werr == nil {
		werr = f.Chmod(0o755)
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, target)
	}
	if werr != nil {
		os.Remove(tmp)
		return Installed{}, fmt.Errorf("hook install: %w", werr)
	}
	res.Path = target
	return res, nil
}

// Uninstall removes kfunccheck's pre-push hook, and only it; a chained
// foreign hook is put back in its place.
func Uninstall(repo string) (string, error) {
	l, err := gitrepo.Locate(repo)
	if err != nil {
		return "", fmt.Errorf("hook uninstall: %w", err)
	}
	dir := l.HooksDir()
	target := filepath.Join(dir, "pre-push")
	exists, ours, err := isOurs(target)
	switch {
	case err != nil:
		return "", fmt.Errorf("hook uninstall: %w", err)
	case !exists:
		return "", fmt.Errorf("hook uninstall: no pre-push hook in %s", dir)
	case !ours:
		return "", fmt.Errorf("hook uninstall: %s: %w; left alone", target, ErrForeignHook)
	}
	if err := os.Remove(target); err != nil {
		return "", fmt.Errorf("hook uninstall: %w", err)
	}
	chained := filepath.Join(dir, chainedName)
	if lexists(chained) {
		if err := os.Rename(chained, target); err != nil {
			return "", fmt.Errorf("hook uninstall: %w", err)
		}
	}
	return target, nil
}
