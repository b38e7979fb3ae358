// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/diff"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// Selector chooses the files of a commit that are rendered: Path is asked
// first, before any blob is read; Content then sees both blobs.
type Selector struct {
	Path    func(path string) bool
	Content func(path string, before, after []byte) bool
}

type goGitRepo struct {
	repo *git.Repository
	st   *filesystem.Storage
	sel  Selector
}

// openGoGit opens storage the fast way (ENGINEERING.md §2.3): a large
// object cache, which is also go-git's delta-base cache, and kept pack
// descriptors instead of reopening packs for every object.
func openGoGit(l *Layout) (*goGitRepo, error) {
	var fs billy.Filesystem = osfs.New(l.CommonDir)
	if l.GitDir != l.CommonDir {
		fs = dotgit.NewRepositoryFilesystem(osfs.New(l.GitDir), fs)
	}
	st := filesystem.NewStorageWithOptions(fs, cache.NewObjectLRU(256*cache.MiByte),
		filesystem.Options{KeepDescriptors: true, LargeObjectThreshold: 32 << 20})
	repo, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open %s: %w", l.GitDir, err)
	}
	return &goGitRepo{repo: repo, st: st}, nil
}

func (r *goGitRepo) Close() error { return r.st.Close() }

func (r *goGitRepo) ZeroID() string { return plumbing.ZeroHash.String() }

// SetSelector sets which files FormatPatch renders.
func (r *goGitRepo) SetSelector(s Selector) { r.sel = s }

func (r *goGitRepo) Resolve(rev string) (string, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err == nil {
		if _, cerr := r.repo.CommitObject(*h); cerr == nil {
			return h.String(), nil
		}
	}
	// An abbreviated id.
	if isHex(rev) && len(rev) >= 4 {
		var found []string
		for _, c := range r.withPrefix(rev) {
			if _, cerr := r.repo.CommitObject(c); cerr == nil {
				found = append(found, c.String())
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return "", fmt.Errorf("revision %q is ambiguous (%d commits)", rev, len(found))
		}
	}
	return "", fmt.Errorf("revision %q: %w", rev, ErrNotFound)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// withPrefix returns the object ids starting with the hex prefix.
func (r *goGitRepo) withPrefix(prefix string) []plumbing.Hash {
	if len(prefix) == 40 {
		return []plumbing.Hash{plumbing.NewHash(prefix)}
	}
	even := prefix[:len(prefix)&^1]
	b, err := hex.DecodeString(even)
	if err != nil {
		return nil
	}
	hs, err := r.st.HashesWithPrefix(b)
	if err != nil {
		return nil
	}
	var out []plumbing.Hash
	for _, h := range hs {
		if strings.HasPrefix(h.String(), prefix) {
			out = append(out, h)
		}
	}
	return out
}

func (r *goGitRepo) Commit(id string) (*Commit, error) {
	c, err := r.repo.CommitObject(plumbing.NewHash(id))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, ErrNotFound)
	}
	out := &Commit{ID: id, Time: c.Committer.When.Unix()}
	out.Subject, _, _ = strings.Cut(c.Message, "\n")
	for _, p := range c.ParentHashes {
		out.Parents = append(out.Parents, p.String())
	}
	return out, nil
}

func (r *goGitRepo) HasCommit(id string) bool {
	if len(id) != 40 || !isHex(id) {
		return false
	}
	_, err := r.repo.CommitObject(plumbing.NewHash(id))
	return err == nil
}

func (r *goGitRepo) MergeBases(a, b string) ([]string, error) {
	ca, err := r.repo.CommitObject(plumbing.NewHash(a))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", a, ErrNotFound)
	}
	cb, err := r.repo.CommitObject(plumbing.NewHash(b))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", b, ErrNotFound)
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range bases {
		out = append(out, c.Hash.String())
	}
	return out, nil
}

func (r *goGitRepo) RefsWithPrefix(prefix string) ([]string, error) {
	iter, err := r.repo.References()
	if err != nil {
		return nil, err
	}
	var out []string
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if !strings.HasPrefix(ref.Name().String(), prefix) || ref.Type() != plumbing.HashReference {
			return nil
		}
		h := ref.Hash()
		if t, terr := r.repo.TagObject(h); terr == nil {
			if c, cerr := t.Commit(); cerr == nil {
				h = c.Hash
			}
		}
		if _, cerr := r.repo.CommitObject(h); cerr == nil {
			out = append(out, h.String())
		}
		return nil
	})
	return out, err
}

func (r *goGitRepo) Blob(id string) ([]byte, error) {
	hs := r.withPrefix(id)
	var blobs []*object.Blob
	for _, h := range hs {
		if b, err := r.repo.BlobObject(h); err == nil {
			blobs = append(blobs, b)
		}
	}
	switch len(blobs) {
	case 0:
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	case 1:
	default:
		return nil, fmt.Errorf("blob %s is ambiguous (%d blobs)", id, len(blobs))
	}
	rd, err := blobs[0].Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// walkNode is one commit met by RevList.
type walkNode struct {
	id      plumbing.Hash
	time    int64
	parents []plumbing.Hash
	flags   uint8
}

const (
	flagSeen uint8 = 1 << iota
	flagUninteresting
)

type commitQueue []*walkNode

func (q commitQueue) Len() int           { return len(q) }
func (q commitQueue) Less(i, j int) bool { return q[i].time > q[j].time }
func (q commitQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)        { *q = append(*q, x.(*walkNode)) }
func (q *commitQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}

// revWalker is git's limit_list: a walk by committer date that carries
// an "uninteresting" mark from the excluded tips down to their ancestors,
// and stops once everything still queued is uninteresting (after a slop
// of a few commits, against clock skew).
type revWalker struct {
	r     *goGitRepo
	nodes map[plumbing.Hash]*walkNode
	queue commitQueue
}

const walkSlop = 5

func (w *revWalker) node(h plumbing.Hash) (*walkNode, error) {
	if n, ok := w.nodes[h]; ok {
		return n, nil
	}
	c, err := w.r.repo.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, ErrNotFound)
	}
	n := &walkNode{id: h, time: c.Committer.When.Unix(), parents: c.ParentHashes}
	w.nodes[h] = n
	return n, nil
}

func (w *revWalker) push(h plumbing.Hash, uninteresting bool) error {
	n, err := w.node(h)
	if err != nil {
		return err
	}
	if uninteresting && n.flags&flagUninteresting == 0 {
		w.markUninteresting(n)
	}
	if n.flags&flagSeen == 0 {
		n.flags |= flagSeen
		heap.Push(&w.queue, n)
	}
	return nil
}

// markUninteresting marks n and every ancestor already met.
func (w *revWalker) markUninteresting(n *walkNode) {
	stack := []*walkNode{n}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.flags&flagUninteresting != 0 {
			continue
		}
		x.flags |= flagUninteresting
		for _, p := range x.parents {
			if pn, ok := w.nodes[p]; ok && pn.flags&flagUninteresting == 0 {
				stack = append(stack, pn)
			}
		}
	}
}

func (w *revWalker) everybodyUninteresting() bool {
	for _, n := range w.queue {
		if n.flags&flagUninteresting == 0 {
			return false
		}
	}
	return true
}

func (r *goGitRepo) RevList(include, exclude []string, limit int) ([]string, bool, error) {
	w := &revWalker{r: r, nodes: map[plumbing.Hash]*walkNode{}}
	for _, id := range exclude {
		if err := w.push(plumbing.NewHash(id), true); err != nil {
			return nil, false, err
		}
	}
	for _, id := range include {
		if err := w.push(plumbing.NewHash(id), false); err != nil {
			return nil, false, err
		}
	}
	var out []*walkNode
	slop := walkSlop
	for w.queue.Len() > 0 {
		n := heap.Pop(&w.queue).(*walkNode)
		unint := n.flags&flagUninteresting != 0
		for _, p := range n.parents {
			if err := w.push(p, unint); err != nil {
				return nil, false, err
			}
		}
		if unint {
			if w.everybodyUninteresting() {
				if slop--; slop <= 0 {
					break
				}
			} else {
				slop = walkSlop
			}
			continue
		}
		out = append(out, n)
	}
	var ids []string
	for _, n := range out {
		if n.flags&flagUninteresting == 0 {
			ids = append(ids, n.id.String())
		}
	}
	if limit > 0 && len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

// FormatPatch renders the commit as git format-patch does, with full blob
// ids on the index lines, and only the files the selector keeps.
func (r *goGitRepo) FormatPatch(id string) ([]byte, error) {
	c, err := r.repo.CommitObject(plumbing.NewHash(id))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, ErrNotFound)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: tree: %w", id, err)
	}
	var parentTree *object.Tree
	if c.NumParents() > 0 {
		p, err := c.Parent(0)
		if err != nil {
			return nil, fmt.Errorf("commit %s: parent: %w", id, err)
		}
		if parentTree, err = p.Tree(); err != nil {
			return nil, fmt.Errorf("commit %s: parent tree: %w", id, err)
		}
	}
	// No rename detection: a rename is a removal and an addition, which is
	// also how kfunccheck judges renamed kfuncs.
	changes, err := object.DiffTreeWithOptions(context.Background(), parentTree, tree, nil)
	if err != nil {
		return nil, fmt.Errorf("commit %s: diff: %w", id, err)
	}
	var keep object.Changes
	for _, ch := range changes {
		path := ch.To.Name
		if path == "" {
			path = ch.From.Name
		}
		if r.sel.Path != nil && !r.sel.Path(path) {
			continue
		}
		if r.sel.Content != nil {
			before, err := r.blobOf(ch.From)
			if err != nil {
				return nil, err
			}
			after, err := r.blobOf(ch.To)
			if err != nil {
				return nil, err
			}
			if !r.sel.Content(path, before, after) {
				continue
			}
		}
		keep = append(keep, ch)
	}
	var b bytes.Buffer
	writeMailHeader(&b, id, c.Author.Name, c.Author.Email, c.Author.When.Format("Mon, 2 Jan 2006 15:04:05 -0700"), c.Message)
	if len(keep) > 0 {
		patch, err := keep.Patch()
		if err != nil {
			return nil, fmt.Errorf("commit %s: patch: %w", id, err)
		}
		if err := diff.NewUnifiedEncoder(&b, diff.DefaultContextLines).Encode(patch); err != nil {
			return nil, fmt.Errorf("commit %s: patch: %w", id, err)
		}
	}
	b.WriteString("-- \nkfunccheck\n")
	return b.Bytes(), nil
}

func (r *goGitRepo) blobOf(e object.ChangeEntry) ([]byte, error) {
	if e.Name == "" || e.TreeEntry.Hash.IsZero() || !e.TreeEntry.Mode.IsFile() {
		return nil, nil
	}
	b, err := r.repo.BlobObject(e.TreeEntry.Hash)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("blob %s of %s: %w", e.TreeEntry.Hash, e.Name, ErrNotFound)
		}
		return nil, err
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

var _ storer.EncodedObjectStorer = (*filesystem.Storage)(nil)

// writeMailHeader writes the mail header and commit message the way git
// format-patch lays them out: the first paragraph is the subject.
func writeMailHeader(b *bytes.Buffer, id, name, email, date, message string) {
	msg := strings.TrimRight(message, "\n")
	subject, body, _ := strings.Cut(msg, "\n\n")
	subject = strings.Join(strings.Fields(subject), " ")
	fmt.Fprintf(b, "From %s Mon Sep 17 00:00:00 2001\nFrom: %s <%s>\nDate: %s\nSubject: [PATCH] %s\n\n", id, name, email, date, subject)
	if body = strings.Trim(body, "\n"); body != "" {
		b.WriteString(body)
		b.WriteByte('\n')
	}
	b.WriteString("---\n")
}
