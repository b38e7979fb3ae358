// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// FileBlob is one file of a tree and its blob.
type FileBlob struct {
	Path, Blob string
}

// FileChange is one file that differs between two trees; a missing side
// has Blob "".
type FileChange struct {
	Path          string
	OldBlob, Blob string
}

// TreeLister lists a commit's files and the changes between commits; the
// tree-wide kfunc index is built on it.
type TreeLister interface {
	// TreeFiles lists the regular files of the commit's tree whose path
	// keep accepts ("" is the empty tree).
	TreeFiles(commit string, keep func(path string) bool) ([]FileBlob, error)
	// Changes lists the regular files that differ between the trees of
	// two commits ("" is the empty tree) and that keep accepts.
	Changes(from, to string, keep func(path string) bool) ([]FileChange, error)
}

func (r *goGitRepo) commitTree(id string) (plumbing.Hash, error) {
	if id == "" {
		return plumbing.ZeroHash, nil
	}
	c, err := r.repo.CommitObject(plumbing.NewHash(id))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", id, ErrNotFound)
	}
	return c.TreeHash, nil
}

// TreeFiles walks the tree through the shared decoded-tree cache.
func (r *goGitRepo) TreeFiles(commit string, keep func(string) bool) ([]FileBlob, error) {
	h, err := r.commitTree(commit)
	if err != nil || h.IsZero() {
		return nil, err
	}
	var out []FileBlob
	var walk func(prefix string, h plumbing.Hash) error
	walk = func(prefix string, h plumbing.Hash) error {
		t, err := r.tree(h)
		if err != nil {
			return err
		}
		for _, e := range t.Entries {
			p := prefix + e.Name
			switch {
			case e.Mode == filemode.Dir:
				if err := walk(p+"/", e.Hash); err != nil {
					return err
				}
			case e.Mode.IsFile() && keep(p):
				out = append(out, FileBlob{Path: p, Blob: e.Hash.String()})
			}
		}
		return nil
	}
	return out, walk("", h)
}

// Changes diffs two commits' trees, descending only into subtrees that
// differ.
func (r *goGitRepo) Changes(from, to string, keep func(string) bool) ([]FileChange, error) {
	a, err := r.commitTree(from)
	if err != nil {
		return nil, err
	}
	b, err := r.commitTree(to)
	if err != nil {
		return nil, err
	}
	var chs []fileChange
	if err := r.diffTree("", a, b, &chs); err != nil {
		return nil, err
	}
	var out []FileChange
	for _, ch := range chs {
		if !keep(ch.path) {
			continue
		}
		fc := FileChange{Path: ch.path}
		if !ch.from.Hash.IsZero() && ch.from.Mode.IsFile() {
			fc.OldBlob = ch.from.Hash.String()
		}
		if !ch.to.Hash.IsZero() && ch.to.Mode.IsFile() {
			fc.Blob = ch.to.Hash.String()
		}
		if fc.OldBlob != "" || fc.Blob != "" {
			out = append(out, fc)
		}
	}
	return out, nil
}

// TreeFiles runs git ls-tree.
func (r *cliRepo) TreeFiles(commit string, keep func(string) bool) ([]FileBlob, error) {
	if commit == "" {
		return nil, nil
	}
	out, err := r.git(nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return nil, err
	}
	var files []FileBlob
	for _, rec := range bytes.Split(out, []byte{0}) {
		meta, path, ok := strings.Cut(string(rec), "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || !keep(path) {
			continue
		}
		files = append(files, FileBlob{Path: path, Blob: f[2]})
	}
	return files, nil
}

// Changes runs git diff-tree.
func (r *cliRepo) Changes(from, to string, keep func(string) bool) ([]FileChange, error) {
	args := []string{"diff-tree", "-r", "-z", "--no-renames", "--no-commit-id"}
	if from == "" {
		args = append(args, "--root", to)
	} else {
		args = append(args, from, to)
	}
	out, err := r.git(nil, args...)
	if err != nil {
		return nil, err
	}
	recs := bytes.Split(out, []byte{0})
	var chs []FileChange
	for i := 0; i+1 < len(recs); i += 2 {
		f := strings.Fields(string(recs[i]))
		path := string(recs[i+1])
		if len(f) != 5 || !keep(path) {
			continue
		}
		fc := FileChange{Path: path}
		zero := strings.Repeat("0", len(f[2]))
		if f[2] != zero && strings.HasPrefix(f[0], ":100") {
			fc.OldBlob = f[2]
		}
		if f[3] != zero && strings.HasPrefix(f[1], "100") {
			fc.Blob = f[3]
		}
		if fc.OldBlob != "" || fc.Blob != "" {
			chs = append(chs, fc)
		}
	}
	return chs, nil
}
