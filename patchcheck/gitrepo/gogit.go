// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"container/heap"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
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
	layout *Layout
	cache  cache.Object // shared with reopened workers
	repo   *git.Repository
	st     *filesystem.Storage
	sel    Selector
	memo   *memo // shared with reopened workers
}

// memo holds what a walk learns once and reuses: decoded trees (see tree)
// and the selector's answer per blob (one commit's new blob is a later
// commit's old blob). Both are read-only once made, so workers share them.
type memo struct {
	mu       sync.Mutex
	trees    map[plumbing.Hash]*object.Tree
	verdicts map[plumbing.Hash]bool
}

func newMemo() *memo {
	return &memo{trees: map[plumbing.Hash]*object.Tree{}, verdicts: map[plumbing.Hash]bool{}}
}

// maxBlobSize bounds the files read whole; the largest C file in the
// kernel is a few MiB.
const maxBlobSize = 256 << 20

// maxCachedTrees bounds the decoded-tree cache.
const maxCachedTrees = 1 << 16

// openGoGit opens storage the fast way (ENGINEERING.md §2.3): a large
// object cache, which is also go-git's delta-base cache, and kept pack
// descriptors instead of reopening packs for every object.
func openGoGit(l *Layout) (*goGitRepo, error) {
	return openGoGitWithCache(l, cache.NewObjectLRU(384*cache.MiByte))
}

// openGoGitWithCache opens storage around an object cache, which
// go-git's LRU makes safe to share between storages.
func openGoGitWithCache(l *Layout, objects cache.Object) (*goGitRepo, error) {
	var fs billy.Filesystem = osfs.New(l.CommonDir)
	if l.GitDir != l.CommonDir {
		fs = dotgit.NewRepositoryFilesystem(osfs.New(l.GitDir), fs)
	}
	fs = withAlternates(fs, l.CommonDir)
	st := filesystem.NewStorageWithOptions(fs, objects,
		filesystem.Options{KeepDescriptors: true, LargeObjectThreshold: 32 << 20, AlternatesFS: alternatesRoot()})
	repo, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open %s: %w", l.GitDir, err)
	}
	return &goGitRepo{layout: l, cache: objects, repo: repo, st: st, memo: newMemo()}, nil
}

func (r *goGitRepo) Close() error { return r.st.Close() }

// reopen opens the same repository again, with its own storage and
// caches, for a worker goroutine: go-git's storage is not documented as
// safe for concurrent use.
func (r *goGitRepo) reopen() (Repository, error) {
	o, err := openGoGitWithCache(r.layout, r.cache)
	if err != nil {
		return nil, err
	}
	o.sel = r.sel
	o.memo = r.memo
	return o, nil
}

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

// validAbbrev reports whether id can name an object: 4 to 64 lower-case
// hex digits. git refuses shorter abbreviations; a one-digit prefix would
// match a sixteenth of a repository's objects, each then read.
func validAbbrev(id string) bool { return len(id) >= 4 && len(id) <= 64 && isHex(id) }

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
	if !validAbbrev(id) {
		return nil, fmt.Errorf("blob %q: %w (an object id of 4 to 64 hex digits)", id, ErrNotFound)
	}
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
	var changes []fileChange
	var from plumbing.Hash
	if parentTree != nil {
		from = parentTree.Hash
	}
	if err := r.diffTree("", from, tree.Hash, &changes); err != nil {
		return nil, fmt.Errorf("commit %s: diff: %w", id, err)
	}
	var keep object.Changes
	for _, ch := range changes {
		if r.sel.Content != nil {
			keepIt, err := r.selected(ch)
			if err != nil {
				return nil, err
			}
			if !keepIt {
				continue
			}
		}
		oc := &object.Change{}
		if !ch.from.Hash.IsZero() {
			oc.From = object.ChangeEntry{Name: ch.path, Tree: parentTree, TreeEntry: ch.from}
		}
		if !ch.to.Hash.IsZero() {
			oc.To = object.ChangeEntry{Name: ch.path, Tree: tree, TreeEntry: ch.to}
		}
		keep = append(keep, oc)
	}
	var b bytes.Buffer
	writeMailHeader(&b, id, c.Author.Name, c.Author.Email, c.Author.When.Format("Mon, 2 Jan 2006 15:04:05 -0700"), c.Message)
	if len(keep) > 0 {
		patch, err := keep.Patch()
		if err != nil {
			return nil, fmt.Errorf("commit %s: patch: %w", id, err)
		}
		for _, fp := range patch.FilePatches() {
			writeUnified(&b, fp)
		}
	}
	b.WriteString("-- \nkfunccheck\n")
	return b.Bytes(), nil
}

func (r *goGitRepo) blobOf(path string, e object.TreeEntry) ([]byte, error) {
	if e.Hash.IsZero() || !e.Mode.IsFile() {
		return nil, nil
	}
	b, err := r.repo.BlobObject(e.Hash)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("blob %s of %s: %w", e.Hash, path, ErrNotFound)
		}
		return nil, err
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	if b.Size > maxBlobSize {
		return nil, fmt.Errorf("blob %s of %s: %d bytes, more than kfunccheck reads (%d)", e.Hash, path, b.Size, maxBlobSize)
	}
	// Sized once: io.ReadAll would regrow and copy kernel-sized files
	// several times over.
	data := make([]byte, b.Size)
	if _, err := io.ReadFull(rd, data); err != nil {
		return nil, fmt.Errorf("blob %s of %s: %w", e.Hash, path, err)
	}
	return data, nil
}

// selected asks the selector about each side of a change on its own (new
// side first: a hit there settles it), remembering the answer per blob.
func (r *goGitRepo) selected(ch fileChange) (bool, error) {
	for _, e := range []object.TreeEntry{ch.to, ch.from} {
		if e.Hash.IsZero() {
			continue
		}
		r.memo.mu.Lock()
		v, ok := r.memo.verdicts[e.Hash]
		r.memo.mu.Unlock()
		if !ok {
			data, err := r.blobOf(ch.path, e)
			if err != nil {
				return false, err
			}
			v = r.sel.Content(ch.path, data, nil)
			r.memo.mu.Lock()
			if len(r.memo.verdicts) >= maxCachedTrees {
				clear(r.memo.verdicts)
			}
			r.memo.verdicts[e.Hash] = v
			r.memo.mu.Unlock()
		}
		if v {
			return true, nil
		}
	}
	return false, nil
}

// fileChange is one changed file between two trees.
type fileChange struct {
	path     string
	from, to object.TreeEntry // zero Hash for the missing side
}

// tree returns a decoded tree. go-git decodes a tree again on every access
// in its own tree diff (ENGINEERING.md §2.1); a commit's unchanged subtrees
// were decoded for its parent, so caching them leaves only the trees along
// the commit's own changes to decode.
func (r *goGitRepo) tree(h plumbing.Hash) (*object.Tree, error) {
	r.memo.mu.Lock()
	t, ok := r.memo.trees[h]
	r.memo.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := r.repo.TreeObject(h)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	r.memo.mu.Lock()
	if len(r.memo.trees) >= maxCachedTrees {
		clear(r.memo.trees)
	}
	r.memo.trees[h] = t
	r.memo.mu.Unlock()
	return t, nil
}

// diffTree appends the files that differ between the trees a and b (a zero
// hash is an empty tree), descending only into subtrees that differ and
// asking the selector's path test before anything else is read.
func (r *goGitRepo) diffTree(prefix string, a, b plumbing.Hash, out *[]fileChange) error {
	var ea, eb []object.TreeEntry
	if !a.IsZero() {
		t, err := r.tree(a)
		if err != nil {
			return err
		}
		ea = t.Entries
	}
	if !b.IsZero() {
		t, err := r.tree(b)
		if err != nil {
			return err
		}
		eb = t.Entries
	}
	byName := make(map[string]object.TreeEntry, len(ea))
	for _, e := range ea {
		byName[e.Name] = e
	}
	visit := func(name string, from, to object.TreeEntry) error {
		if from.Hash == to.Hash && from.Mode == to.Mode {
			return nil
		}
		path := prefix + name
		fromDir, toDir := from.Mode == filemode.Dir, to.Mode == filemode.Dir
		if fromDir || toDir {
			var fa, tb plumbing.Hash
			if fromDir {
				fa = from.Hash
			}
			if toDir {
				tb = to.Hash
			}
			if err := r.diffTree(path+"/", fa, tb, out); err != nil {
				return err
			}
			// A file replaced by a directory, or the reverse.
			if fromDir {
				from = object.TreeEntry{}
			}
			if toDir {
				to = object.TreeEntry{}
			}
			if from.Hash.IsZero() && to.Hash.IsZero() {
				return nil
			}
		}
		if from.Mode == filemode.Submodule || to.Mode == filemode.Submodule {
			return nil
		}
		if r.sel.Path != nil && !r.sel.Path(path) {
			return nil
		}
		*out = append(*out, fileChange{path: path, from: from, to: to})
		return nil
	}
	for _, e := range eb {
		from := byName[e.Name]
		delete(byName, e.Name)
		if err := visit(e.Name, from, e); err != nil {
			return err
		}
	}
	for _, e := range ea {
		if from, ok := byName[e.Name]; ok {
			if err := visit(e.Name, from, object.TreeEntry{}); err != nil {
				return err
			}
		}
	}
	return nil
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
