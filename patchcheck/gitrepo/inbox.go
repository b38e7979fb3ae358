// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrCursorLost is returned when a cursor commit is no longer in an
// epoch's history (public-inbox rewrote it to purge mail); callers resync
// by date and deduplicate by Message-ID.
var ErrCursorLost = errors.New("cursor commit no longer in the epoch's history")

// Inbox is a public-inbox v2 archive: epoch repositories git/0.git,
// git/1.git, ..., each commit adding one message as the blob "m" (or
// deleting one, "d"). Epochs are read directly, not through all.git,
// whose alternates make every lookup slow.
type Inbox struct {
	Dir string
}

// InboxMessage is one commit of an epoch.
type InboxMessage struct {
	Epoch   int
	Commit  string
	Time    time.Time
	Deleted bool
	Data    []byte // the raw message ("m"); nil for deletions
}

// Epochs lists the epoch numbers present now, in order; new epochs appear
// as the archive grows.
func (in *Inbox) Epochs() ([]int, error) {
	ents, err := os.ReadDir(filepath.Join(in.Dir, "git"))
	if err != nil {
		return nil, fmt.Errorf("inbox %s: %w", in.Dir, err)
	}
	var out []int
	for _, e := range ents {
		n, ok := strings.CutSuffix(e.Name(), ".git")
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(n); err == nil && i >= 0 {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (in *Inbox) epochDir(epoch int) string {
	return filepath.Join(in.Dir, "git", strconv.Itoa(epoch)+".git")
}

// Epoch opens one epoch repository.
func (in *Inbox) Epoch(epoch int) (*Epoch, error) {
	l, err := layoutOf(in.epochDir(epoch), "")
	if err != nil {
		return nil, err
	}
	r, err := openGoGit(l)
	if err != nil {
		return nil, err
	}
	return &Epoch{n: epoch, r: r}, nil
}

// Epoch is one open epoch repository.
type Epoch struct {
	n int
	r *goGitRepo
}

// Close releases the epoch.
func (e *Epoch) Close() error { return e.r.Close() }

// Tip returns the epoch's newest commit and its time ("" for an empty
// epoch).
func (e *Epoch) Tip() (string, time.Time, error) {
	h, err := e.head()
	if err != nil || h.IsZero() {
		return "", time.Time{}, err
	}
	c, err := e.r.repo.CommitObject(h)
	if err != nil {
		return "", time.Time{}, err
	}
	return h.String(), c.Committer.When, nil
}

// CommitTime returns the committer date of a commit of the epoch, named
// by its id or an unambiguous abbreviation; ErrNotFound when the epoch
// has no such commit.
func (e *Epoch) CommitTime(id string) (time.Time, error) {
	full, err := e.r.Resolve(id)
	if err != nil {
		return time.Time{}, err
	}
	c, err := e.r.repo.CommitObject(plumbing.NewHash(full))
	if err != nil {
		return time.Time{}, fmt.Errorf("commit %s: %w", id, ErrNotFound)
	}
	return c.Committer.When, nil
}

// head is the commit of the epoch's branch: HEAD, or the only branch.
func (e *Epoch) head() (plumbing.Hash, error) {
	if ref, err := e.r.repo.Head(); err == nil {
		return ref.Hash(), nil
	}
	refs, err := e.r.repo.References()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var h plumbing.Hash
	refs.ForEach(func(r *plumbing.Reference) error {
		if r.Name().IsBranch() && h.IsZero() {
			h = r.Hash()
		}
		return nil
	})
	return h, nil
}

// Walk calls fn for each commit after cursor ("" for the epoch's start),
// oldest first, up to the tip. With since set, commits older than since
// are skipped (a replay, or a resync after rewritten history). It returns
// ErrCursorLost when cursor is not in the history; fn errors stop the walk.
func (e *Epoch) Walk(cursor string, since time.Time, fn func(InboxMessage) error) error {
	h, err := e.head()
	if err != nil {
		return err
	}
	var ids []plumbing.Hash
	found := cursor == ""
	for !h.IsZero() {
		if h.String() == cursor {
			found = true
			break
		}
		c, err := e.r.repo.CommitObject(h)
		if err != nil {
			return fmt.Errorf("epoch %d: commit %s: %w", e.n, h, err)
		}
		if !since.IsZero() && c.Committer.When.Before(since) {
			break
		}
		ids = append(ids, h)
		if c.NumParents() == 0 {
			break
		}
		h = c.ParentHashes[0]
	}
	if !found && since.IsZero() {
		return fmt.Errorf("epoch %d: cursor %s: %w", e.n, cursor, ErrCursorLost)
	}
	for i := len(ids) - 1; i >= 0; i-- {
		m, err := e.message(ids[i])
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (e *Epoch) message(h plumbing.Hash) (InboxMessage, error) {
	c, err := e.r.repo.CommitObject(h)
	if err != nil {
		return InboxMessage{}, err
	}
	m := InboxMessage{Epoch: e.n, Commit: h.String(), Time: c.Committer.When}
	t, err := c.Tree()
	if err != nil {
		return m, fmt.Errorf("epoch %d: commit %s: %w", e.n, h, err)
	}
	for _, ent := range t.Entries {
		switch ent.Name {
		case "d":
			m.Deleted = true
		case "m":
			b, err := e.r.repo.BlobObject(ent.Hash)
			if err != nil {
				return m, fmt.Errorf("epoch %d: commit %s: %w", e.n, h, err)
			}
			rd, err := b.Reader()
			if err != nil {
				return m, err
			}
			m.Data, err = io.ReadAll(io.LimitReader(rd, 64<<20))
			rd.Close()
			if err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// Fetch updates the epoch from its configured remote (go-git fetch). It is
// the only network access, and only when the user asks for it.
func (e *Epoch) Fetch() error {
	err := e.r.repo.Fetch(&git.FetchOptions{Tags: git.NoTags})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}
