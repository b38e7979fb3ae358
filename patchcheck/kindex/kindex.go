// SPDX-License-Identifier: GPL-2.0-only

// Package kindex is the tree-wide kfunc index: the scans of every file of
// a tree that holds kfunc code (sets, entries, registrations, __bpf_kfunc
// definitions) and of the headers their X-macro lists come from. Scans are
// kept per blob and trees per commit, so that a range of commits rescans
// only the files it changes, and files without kfunc markers cost one
// read of their blob, once.
package kindex

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Source is what the index reads of a repository.
type Source interface {
	gitrepo.TreeLister
	Blob(id string) ([]byte, error)
}

// maxTrees bounds the trees kept: any known tree derives another cheaply.
const maxTrees = 64

// Index builds and caches the kfunc view of a repository's trees.
type Index struct {
	src   Source
	mu    sync.Mutex
	blob  map[string]*blobInfo     // by blob id
	scans map[string]*cscan.Result // by path and blob
	tree  map[string]*Tree         // by commit id
	lru   []string
	// Reads counts the blobs read, for measurements and tests.
	Reads int
	// loaded counts the verdicts read from a cache file.
	loaded int
	// NotKernel are the path prefixes left out (policy.Config.NotKernel).
	NotKernel []string
}

// blobInfo is what one blob holds for the index.
type blobInfo struct {
	kfunc bool   // holds kfunc code
	data  []byte // a kfunc file's content until it is scanned
}

// New returns an index over src.
func New(src Source) *Index {
	return &Index{src: src, blob: map[string]*blobInfo{}, scans: map[string]*cscan.Result{}, tree: map[string]*Tree{}}
}

// Tree is the kfunc view of one commit's tree.
type Tree struct {
	Commit string
	idx    *Index
	// files maps the paths of kfunc files to their blobs; headers maps the
	// headers those files include to theirs; absent holds included paths
	// the tree does not have (generated headers), looked for once.
	files, headers map[string]string
	absent         map[string]bool
}

// source keeps the C sources and headers of the kernel proper: not the
// policy's NotKernel trees (the selftests' bpf_testmod, samples).
func (x *Index) source(path string) bool {
	for _, p := range x.NotKernel {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return extract.IsSource(path)
}

// At returns the tree of commit ("" for the empty tree). When a tree is
// already known, the tree is derived from the most recent one through the
// files that differ between the two commits (a tree diff descends only
// into subtrees that differ); otherwise the whole tree is walked, once.
func (x *Index) At(commit string) (*Tree, error) {
	x.mu.Lock()
	t, ok := x.tree[commit]
	var from *Tree
	if n := len(x.lru); n > 0 {
		from = x.tree[x.lru[n-1]]
	}
	x.mu.Unlock()
	if ok {
		return t, nil
	}
	var err error
	switch {
	case commit == "":
		t = &Tree{idx: x, files: map[string]string{}, headers: map[string]string{}}
	case from != nil && from.Commit != "":
		t, err = x.derive(from, commit)
	default:
		t, err = x.walk(commit)
	}
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.tree[commit] = t
	x.lru = append(x.lru, commit)
	if len(x.lru) > maxTrees {
		delete(x.tree, x.lru[0])
		x.lru = x.lru[1:]
	}
	x.mu.Unlock()
	return t, nil
}

// walk reads a whole tree: every C file and header once per blob.
func (x *Index) walk(commit string) (*Tree, error) {
	files, err := x.src.TreeFiles(commit, x.source)
	if err != nil {
		return nil, fmt.Errorf("kfunc index of %s: %w", commit, err)
	}
	t := &Tree{Commit: commit, idx: x, files: map[string]string{}, headers: map[string]string{}}
	all := make(map[string]string, len(files))
	for _, f := range files {
		all[f.Path] = f.Blob
		info, err := x.info(f.Blob)
		if err != nil {
			return nil, fmt.Errorf("kfunc index of %s: %s: %w", commit, f.Path, err)
		}
		if info.kfunc {
			t.files[f.Path] = f.Blob
		}
	}
	t.watchHeaders(func(p string) (string, bool) { b, ok := all[p]; return b, ok })
	return t, nil
}

// derive applies to a known tree the files that differ in commit's.
func (x *Index) derive(pt *Tree, commit string) (*Tree, error) {
	chs, err := x.src.Changes(pt.Commit, commit, x.source)
	if err != nil {
		return nil, fmt.Errorf("kfunc index of %s: %w", commit, err)
	}
	t := &Tree{Commit: commit, idx: x, files: clone(pt.files), headers: clone(pt.headers), absent: pt.absent}
	changed := map[string]string{}
	for _, ch := range chs {
		changed[ch.Path] = ch.Blob
		delete(t.files, ch.Path)
		if _, ok := t.headers[ch.Path]; ok {
			if ch.Blob == "" {
				delete(t.headers, ch.Path)
			} else {
				t.headers[ch.Path] = ch.Blob
			}
		}
		if ch.Blob == "" {
			continue
		}
		info, err := x.info(ch.Blob)
		if err != nil {
			return nil, fmt.Errorf("kfunc index of %s: %s: %w", commit, ch.Path, err)
		}
		if info.kfunc {
			t.files[ch.Path] = ch.Blob
		}
	}
	t.watchHeaders(func(p string) (string, bool) { b, ok := changed[p]; return b, ok })
	// A kfunc file may now use a list from a header no change names:
	// look those few paths up in the tree itself.
	if missing := t.unwatched(); len(missing) > 0 {
		found, err := x.src.TreeFiles(commit, func(p string) bool { return missing[p] })
		if err != nil {
			return nil, fmt.Errorf("kfunc index of %s: %w", commit, err)
		}
		for _, f := range found {
			t.headers[f.Path] = f.Blob
			delete(missing, f.Path)
		}
		if len(missing) > 0 {
			t.absent = maps.Clone(t.absent)
			if t.absent == nil {
				t.absent = map[string]bool{}
			}
			for p := range missing {
				t.absent[p] = true
			}
		}
	}
	return t, nil
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// watchHeaders adds the headers that the kfunc files' X-macro lists may
// come from: those their files include.
func (t *Tree) watchHeaders(lookup func(string) (string, bool)) {
	for path, blob := range t.files {
		r := t.idx.scan(path, blob)
		if r == nil || len(r.MacroUses) == 0 {
			continue
		}
		for _, inc := range r.Includes {
			if _, ok := t.headers[inc]; ok {
				continue
			}
			if b, ok := lookup(inc); ok {
				t.headers[inc] = b
			}
		}
	}
}

// unwatched returns the headers the kfunc files' X-macro uses include
// that are not watched yet.
func (t *Tree) unwatched() map[string]bool {
	out := map[string]bool{}
	for path, blob := range t.files {
		r := t.idx.scan(path, blob)
		if r == nil || len(r.MacroUses) == 0 {
			continue
		}
		for _, inc := range r.Includes {
			if _, ok := t.headers[inc]; !ok && !t.absent[inc] {
				out[inc] = true
			}
		}
	}
	return out
}

// info reads a blob once and says whether it holds kfunc code.
func (x *Index) info(blob string) (*blobInfo, error) {
	x.mu.Lock()
	info, ok := x.blob[blob]
	x.mu.Unlock()
	if ok {
		return info, nil
	}
	data, err := x.src.Blob(blob)
	if err != nil {
		return nil, err
	}
	info = &blobInfo{kfunc: cscan.FileHasKfuncs(string(data))}
	if info.kfunc {
		info.data = data
	}
	x.mu.Lock()
	x.Reads++
	x.blob[blob] = info
	x.mu.Unlock()
	return info, nil
}

// scan returns the scan of the file at path with the given blob,
// scanning it the first time; nil when the blob cannot be read. Scans are
// kept per path as well as blob: positions and relative includes name the
// path.
func (x *Index) scan(path, blob string) *cscan.Result {
	key := path + "\x00" + blob
	x.mu.Lock()
	r, ok := x.scans[key]
	info := x.blob[blob]
	x.mu.Unlock()
	if ok {
		return r
	}
	var data []byte
	if info != nil && info.data != nil {
		data = info.data
	} else {
		var err error
		if data, err = x.src.Blob(blob); err != nil {
			return nil
		}
	}
	r = cscan.Scan(path, []cscan.Segment{{Lines: lines(data)}}, func(string) bool { return true })
	x.mu.Lock()
	x.scans[key] = r
	if info != nil {
		info.data = nil
	}
	x.mu.Unlock()
	return r
}

func lines(data []byte) []cscan.Line {
	var out []cscan.Line
	n, start := 1, 0
	for i := 0; i <= len(data); i++ {
		if i == len(data) || data[i] == '\n' {
			if i > start || i < len(data) {
				out = append(out, cscan.Line{Text: string(data[start:i]), Line: n})
			}
			n++
			start = i + 1
		}
	}
	return out
}

// Files returns the paths of the tree's kfunc files, sorted.
func (t *Tree) Files() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Scans calls fn for every kfunc file of the tree but those skip names,
// with its scan, in path order.
func (t *Tree) Scans(skip map[string]bool, fn func(path string, r *cscan.Result)) {
	for _, p := range t.Files() {
		if skip[p] {
			continue
		}
		if r := t.idx.scan(p, t.files[p]); r != nil {
			fn(p, r)
		}
	}
}

// List finds the body of the X-macro list name for a file: in the file
// itself or in a header it includes.
func (t *Tree) List(r *cscan.Result, name string) (string, bool) {
	if body, ok := r.ListMacros[name]; ok {
		return body, true
	}
	for _, inc := range r.Includes {
		blob, ok := t.headers[inc]
		if !ok {
			if blob, ok = t.files[inc]; !ok {
				continue
			}
		}
		if h := t.idx.scan(inc, blob); h != nil {
			if body, ok := h.ListMacros[name]; ok {
				return body, true
			}
		}
	}
	return "", false
}

// ForRepo returns an index over repo leaving out the notKernel path
// prefixes (the policy's NotKernel), or nil when repo cannot list trees.
func ForRepo(repo gitrepo.Repository, notKernel []string) *Index {
	src, ok := repo.(Source)
	if !ok {
		return nil
	}
	x := New(src)
	x.NotKernel = notKernel
	return x
}

// TreeFor returns, for the engine, the pre-image tree of each patch: a
// commit's first parent for commits of the repository, and the tree at
// head for patches read from files or mail (the tree they are meant to
// apply to is not known; head is the nearest guess).
func (idx *Index) TreeFor(repo gitrepo.Repository, head string) func(p *model.Patch) (extract.TreeView, error) {
	return func(p *model.Patch) (extract.TreeView, error) {
		if p.FromRepo == "" || p.Commit == "" {
			if head == "" {
				return nil, nil
			}
			return view(idx.At(head))
		}
		c, err := repo.Commit(p.Commit)
		if err != nil {
			return nil, err
		}
		if len(c.Parents) == 0 {
			return view(idx.At(""))
		}
		return view(idx.At(c.Parents[0]))
	}
}

// view keeps a nil tree from becoming a non-nil interface.
func view(t *Tree, err error) (extract.TreeView, error) {
	if err != nil || t == nil {
		return nil, err
	}
	return t, nil
}
