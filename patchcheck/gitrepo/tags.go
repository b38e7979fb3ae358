// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// TagNames lists the short names of the tags of the repository whose refs
// are in commonDir (a bare repository, a work tree's .git, or a linked
// worktree's common git dir).
func TagNames(commonDir string) ([]string, error) {
	st := filesystem.NewStorage(osfs.New(commonDir), cache.NewObjectLRUDefault())
	r, err := git.Open(st, nil)
	if err != nil {
		return nil, err
	}
	iter, err := r.Tags()
	if err != nil {
		return nil, err
	}
	var out []string
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		out = append(out, ref.Name().Short())
		return nil
	})
	return out, err
}
