// SPDX-License-Identifier: GPL-2.0-only

// Package gitrepo is kfunccheck's only door to git repositories: it opens a
// work tree or bare repository with go-git, tuned for kernel-sized
// histories, walks revision ranges, renders commits as the patches git
// format-patch would send, and serves pre-images as a baseline. Rules never
// see it; they read the patches it produces.
//
// go-git v5 handles SHA-256 object ids only in a binary built with its
// sha256 tag, which then cannot read SHA-1 repositories. SHA-256
// repositories are therefore read through the git command, behind the same
// Repository interface.
package gitrepo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is wrapped when a revision or object does not exist.
var ErrNotFound = errors.New("not found")

// Commit is what kfunccheck needs of a commit.
type Commit struct {
	ID      string
	Parents []string
	Subject string
	Time    int64 // committer time, Unix seconds
}

// Repository is a git repository kfunccheck reads.
type Repository interface {
	// Resolve turns a revision (name, id, abbreviated id, REV^, REV~n)
	// into a commit id.
	Resolve(rev string) (string, error)
	// Commit returns a commit.
	Commit(id string) (*Commit, error)
	// HasCommit reports whether the commit exists locally.
	HasCommit(id string) bool
	// RevList lists the commits reachable from include but not from
	// exclude, newest first, at most limit (0: no limit); truncated is
	// true when the limit cut the list.
	RevList(include, exclude []string, limit int) (ids []string, truncated bool, err error)
	// MergeBases returns the merge bases of a and b.
	MergeBases(a, b string) ([]string, error)
	// FormatPatch renders a commit against its first parent as a
	// format-patch mail, limited to the files kfunccheck judges.
	FormatPatch(id string) ([]byte, error)
	// Blob returns the content of the blob with the (possibly
	// abbreviated) id.
	Blob(id string) ([]byte, error)
	// RefsWithPrefix lists the commit ids of refs under prefix
	// ("refs/remotes/origin/").
	RefsWithPrefix(prefix string) ([]string, error)
	// ZeroID is the all-zero id of this repository's hash format.
	ZeroID() string
	// SetSelector chooses the files FormatPatch renders.
	SetSelector(Selector)
	// Close releases the repository.
	Close() error
}

// Layout is where a repository's parts are on disk.
type Layout struct {
	WorkTree  string // "" for a bare repository
	GitDir    string // the repository's own git dir (a linked worktree's for worktrees)
	CommonDir string // the git dir holding objects, refs and config
	SHA256    bool
}

// Locate finds the repository containing dir: a work tree (with a .git
// directory or a .git file of a linked worktree) or a bare repository.
// $GIT_DIR wins when it is set, as it does for git.
func Locate(dir string) (*Layout, error) {
	if env := os.Getenv("GIT_DIR"); env != "" {
		return layoutOf(env, os.Getenv("GIT_WORK_TREE"))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		dotgit := filepath.Join(d, ".git")
		if st, err := os.Stat(dotgit); err == nil {
			if st.IsDir() {
				return layoutOf(dotgit, d)
			}
			data, err := os.ReadFile(dotgit)
			if err != nil {
				return nil, err
			}
			target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
			if !ok {
				return nil, fmt.Errorf("%s: not a gitdir file", dotgit)
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(d, target)
			}
			return layoutOf(target, d)
		}
		if isGitDir(d) {
			return layoutOf(d, "")
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("%s: not in a git repository: %w", dir, ErrNotFound)
		}
	}
}

func isGitDir(d string) bool {
	for _, p := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(d, p)); err != nil {
			return false
		}
	}
	return true
}

func layoutOf(gitDir, workTree string) (*Layout, error) {
	gitDir, err := filepath.Abs(gitDir)
	if err != nil {
		return nil, err
	}
	l := &Layout{WorkTree: workTree, GitDir: gitDir, CommonDir: gitDir}
	if data, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		l.CommonDir = filepath.Clean(c)
	}
	if _, err := os.Stat(filepath.Join(l.CommonDir, "objects")); err != nil {
		return nil, fmt.Errorf("%s: not a git directory: %w", gitDir, ErrNotFound)
	}
	l.SHA256 = configValue(filepath.Join(l.CommonDir, "config"), "extensions", "objectformat") == "sha256"
	return l, nil
}

// configValue reads one key of a git config file, enough for the few
// settings kfunccheck needs before it can open the repository.
func configValue(path, section, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	cur := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[") {
			cur = strings.ToLower(strings.Trim(strings.Fields(strings.Trim(l, "[]"))[0], "\""))
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if ok && cur == section && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.Trim(strings.TrimSpace(v), "\"")
		}
	}
	return ""
}

// Open opens the repository containing dir.
func Open(dir string) (Repository, *Layout, error) {
	l, err := Locate(dir)
	if err != nil {
		return nil, nil, err
	}
	if l.SHA256 {
		r, err := openCLI(l)
		return r, l, err
	}
	r, err := openGoGit(l)
	return r, l, err
}

// HooksDir returns the directory git runs hooks from: core.hooksPath
// (relative to the work tree top, as git resolves it) or the common git
// dir's hooks.
func (l *Layout) HooksDir() string {
	p := configValue(filepath.Join(l.CommonDir, "config"), "core", "hookspath")
	if wt := configValue(filepath.Join(l.GitDir, "config.worktree"), "core", "hookspath"); wt != "" {
		p = wt
	}
	if p == "" {
		return filepath.Join(l.CommonDir, "hooks")
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) {
		base := l.WorkTree
		if base == "" {
			base = l.GitDir
		}
		p = filepath.Join(base, p)
	}
	return p
}

// SkipMerges drops the merge commits of ids unless keepMerges is set, and
// says how many it dropped: merges are checked only on request, against
// their first parent.
func SkipMerges(r Repository, ids []string, keepMerges bool) ([]string, int, error) {
	var keep []string
	merges := 0
	for _, id := range ids {
		c, err := r.Commit(id)
		if err != nil {
			return nil, 0, err
		}
		if len(c.Parents) > 1 && !keepMerges {
			merges++
			continue
		}
		keep = append(keep, id)
	}
	return keep, merges, nil
}
