// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrCursorLost is returned when a cursor commit is no longer in an
// epoch's history (public-inbox rewrote it to purge mail); callers resync
// by date and deduplicate by Message-ID.
var ErrCursorLost = errors.New("cursor commit no longer in the epoch's history")

// FetchTimeout bounds one epoch's fetch.
var FetchTimeout = 10 * time.Minute

// ErrBrokenHistory is returned by Walk, after the messages it could read,
// when a commit of the epoch's history is missing or corrupt: the
// messages above it were handed over, those below it cannot be reached.
var ErrBrokenHistory = errors.New("epoch history broken")

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
	// Blob is the id of the message's blob ("m" or "d").
	Blob string
	// Err is set when the message cannot be read (its blob is missing
	// from a partial mirror, or corrupt): the walk goes on past it, so
	// that one lost message never stops the reader.
	Err error
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

// inboxCache bounds the object cache of the epochs: each message is read
// once, so a large cache only holds mail that will not be read again, and
// would make memory grow with the archive.
const inboxCache = 16 * cache.MiByte

// inboxObjects is the one object cache of every epoch opened, of every
// inbox: a bot following several lists reads them at once, and a cache
// each would make its memory grow with the number of lists. Objects are
// named by their hash, so epochs can share them; the LRU locks itself.
var inboxObjects = cache.NewObjectLRU(inboxCache)

// Epoch opens one epoch repository.
func (in *Inbox) Epoch(epoch int) (*Epoch, error) {
	l, err := layoutOf(in.epochDir(epoch), "")
	if err != nil {
		return nil, err
	}
	r, err := openGoGitWithCache(l, inboxObjects)
	if err != nil {
		return nil, err
	}
	openEpochs.Add(1)
	e := &Epoch{n: epoch, l: l, r: r}
	e.cond = sync.NewCond(&e.mu)
	return e, nil
}

// openEpochs counts the epoch repositories open (not paused) now.
var openEpochs atomic.Int64

// OpenEpochs returns how many epoch repositories are open now, paused
// ones not counted: what a reader of several archives keeps in memory.
func OpenEpochs() int { return int(openEpochs.Load()) }

// closeRepo closes the open repository; e.mu is held.
func (e *Epoch) closeRepo() error {
	if e.r == nil {
		return nil
	}
	err := e.r.Close()
	e.r = nil
	openEpochs.Add(-1)
	return err
}

// Epoch is one open epoch repository.
type Epoch struct {
	n int
	l *Layout
	// r is the open repository; nil while paused (see Pause), when it
	// is reopened on the next read after Resume.
	mu     sync.Mutex
	cond   *sync.Cond
	r      *goGitRepo
	paused bool
	closed bool
}

// Close releases the epoch.
func (e *Epoch) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paused, e.closed = false, true
	e.cond.Broadcast()
	return e.closeRepo()
}

// Pause closes the repository and frees its pack indexes (some megabytes
// an epoch) until Resume, a walk in progress waiting at its next read: a
// bot reading several archives in turn keeps only the one being read
// open. A Walk keeps its place; the shared object cache stays.
func (e *Epoch) Pause() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paused = true
	e.closeRepo()
}

// Resume lets the reads of a paused epoch go on, reopening it.
func (e *Epoch) Resume() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paused = false
	e.cond.Broadcast()
}

// use runs fn with the open repository, waiting while the epoch is
// paused and reopening it after a pause.
func (e *Epoch) use(fn func(r *goGitRepo) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.paused {
		e.cond.Wait()
	}
	if e.closed {
		return fmt.Errorf("epoch %d: closed", e.n)
	}
	if e.r == nil {
		r, err := openGoGitWithCache(e.l, inboxObjects)
		if err != nil {
			return err
		}
		e.r = r
		openEpochs.Add(1)
	}
	return fn(e.r)
}

// Tip returns the epoch's newest commit and its time ("" for an empty
// epoch).
func (e *Epoch) Tip() (string, time.Time, error) {
	h, err := e.head()
	if err != nil || h.IsZero() {
		return "", time.Time{}, err
	}
	var c *object.Commit
	err = e.use(func(r *goGitRepo) (err error) {
		c, err = r.repo.CommitObject(h)
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return h.String(), c.Committer.When, nil
}

// CommitTime returns the committer date of a commit of the epoch, named
// by its id or an unambiguous abbreviation; ErrNotFound when the epoch
// has no such commit.
func (e *Epoch) CommitTime(id string) (time.Time, error) {
	var when time.Time
	err := e.use(func(r *goGitRepo) error {
		full, err := r.Resolve(id)
		if err != nil {
			return err
		}
		c, err := r.repo.CommitObject(plumbing.NewHash(full))
		if err != nil {
			return fmt.Errorf("commit %s: %w", id, ErrNotFound)
		}
		when = c.Committer.When
		return nil
	})
	return when, err
}

// head is the commit of the epoch's branch: HEAD, or the only branch.
func (e *Epoch) head() (h plumbing.Hash, err error) {
	err = e.use(func(r *goGitRepo) error {
		h, err = r.head()
		return err
	})
	return h, err
}

func (r *goGitRepo) head() (plumbing.Hash, error) {
	if ref, err := r.repo.Head(); err == nil {
		return ref.Hash(), nil
	}
	refs, err := r.repo.References()
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
// A commit that cannot be read ends the walk back in time: the messages
// after it are handed over, then ErrBrokenHistory is returned.
func (e *Epoch) Walk(cursor string, since time.Time, fn func(InboxMessage) error) error {
	h, err := e.head()
	if err != nil {
		return err
	}
	// Only what the second, oldest-first loop needs is kept: a commit's
	// id, tree and time (56 bytes a message), not the decoded commits.
	type step struct {
		id, tree plumbing.Hash
		when     time.Time
	}
	var steps []step
	var broken error
	found := cursor == ""
	for !h.IsZero() {
		if h.String() == cursor {
			found = true
			break
		}
		var c *object.Commit
		err := e.use(func(r *goGitRepo) (err error) {
			c, err = r.repo.CommitObject(h)
			return err
		})
		if err != nil {
			// The newer messages are still read; the walk cannot go
			// further back.
			broken = fmt.Errorf("epoch %d: commit %s: %v: %w", e.n, h, err, ErrBrokenHistory)
			found = true
			break
		}
		if !since.IsZero() && c.Committer.When.Before(since) {
			break
		}
		steps = append(steps, step{h, c.TreeHash, c.Committer.When})
		if c.NumParents() == 0 {
			break
		}
		h = c.ParentHashes[0]
	}
	if !found && since.IsZero() {
		return fmt.Errorf("epoch %d: cursor %s: %w", e.n, cursor, ErrCursorLost)
	}
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		var m InboxMessage
		if err := e.use(func(r *goGitRepo) error {
			m = e.message(r, st.id, st.tree, st.when)
			return nil
		}); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return broken
}

// message reads one commit's message. A tree or blob that cannot be read
// is reported in the message's Err, naming the epoch, commit and blob.
func (e *Epoch) message(r *goGitRepo, h, tree plumbing.Hash, when time.Time) InboxMessage {
	m := InboxMessage{Epoch: e.n, Commit: h.String(), Time: when}
	t, err := r.repo.TreeObject(tree)
	if err != nil {
		m.Err = fmt.Errorf("epoch %d: commit %s: tree %s: %w", e.n, h, tree, err)
		return m
	}
	for _, ent := range t.Entries {
		switch ent.Name {
		case "d":
			m.Deleted = true
			m.Blob = ent.Hash.String()
		case "m":
			m.Blob = ent.Hash.String()
			data, err := blob(r, ent.Hash)
			if err != nil {
				m.Err = fmt.Errorf("epoch %d: commit %s: blob %s: %w", e.n, h, ent.Hash, err)
				return m
			}
			m.Data = data
		}
	}
	if m.Blob == "" {
		m.Err = fmt.Errorf("epoch %d: commit %s: no message in tree %s", e.n, h, tree)
	}
	return m
}

// maxInboxMessage bounds one message read from an archive.
const maxInboxMessage = 64 << 20

func blob(r *goGitRepo, h plumbing.Hash) ([]byte, error) {
	b, err := r.repo.BlobObject(h)
	if err != nil {
		return nil, err
	}
	if b.Size > maxInboxMessage {
		return nil, fmt.Errorf("%d bytes, more than the %d a message may have", b.Size, maxInboxMessage)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	data := make([]byte, 0, b.Size)
	buf := bytes.NewBuffer(data)
	if _, err := io.Copy(buf, io.LimitReader(rd, maxInboxMessage)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Fetch updates the epoch from its configured remote (go-git fetch). It is
// the only network access, and only when the user asks for it.
// A fetch is bounded by FetchTimeout: a remote that stops answering must
// not hold the bot.
func (e *Epoch) Fetch() error {
	ctx, cancel := context.WithTimeout(context.Background(), FetchTimeout)
	defer cancel()
	err := e.use(func(r *goGitRepo) error {
		return r.repo.FetchContext(ctx, &git.FetchOptions{Tags: git.NoTags})
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}
