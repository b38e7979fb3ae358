// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"fmt"
	"slices"

	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// FromRepo reads the releases named by revs (oldest first) from a
// repository, through its tree-wide kfunc index: each tree after the first
// is derived from the one before, so only the files that changed between
// two releases are read and scanned. interest names kfuncs a stable list
// declares stable.
func FromRepo(repo gitrepo.Repository, idx *kindex.Index, revs []string, cfg *policy.Config, interest map[string]bool) ([]*Release, error) {
	ids := make([]string, len(revs))
	for i, rev := range revs {
		id, err := repo.Resolve(rev)
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", rev, err)
		}
		ids[i] = id
	}
	return FromCommits(repo, idx, revs, ids, cfg, interest, nil)
}

// FromCommits is FromRepo for revisions already resolved: names[i] labels
// commit ids[i]. progress, when not nil, is told of each release read.
func FromCommits(repo gitrepo.Repository, idx *kindex.Index, names, ids []string, cfg *policy.Config, interest map[string]bool, progress func(done, total int)) ([]*Release, error) {
	if cfg == nil {
		cfg = policy.Default()
	}
	revs := names
	// Which program types can call each kfunc: the release's own hook
	// table applied to its registrations.
	tables, why := make([]*HookTable, len(ids)), make([]string, len(ids))
	src, canList := repo.(defSource)
	if canList {
		tables, why = hookTables(src, ids, revs)
	} else {
		for i := range why {
			why[i] = "the repository cannot list files"
		}
	}
	// Releases are read one after the other, each diffed with the one
	// before as soon as it is read, so that a long history holds two
	// snapshots at a time, not one per release. Definitions outside the
	// index (before v6.2 a kfunc's definition is a plain function) are
	// looked for first where an earlier release defines the kfunc.
	f := &defFinder{src: src, byBlob: map[string]map[string]*model.Proto{}}
	hints := map[string][]string{}
	keep := len(ids) <= keepSnapshots
	var out []*Release
	for i, id := range ids {
		if progress != nil {
			progress(i, len(ids))
		}
		tree, err := idx.At(id)
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", revs[i], err)
		}
		snap := extract.TreeSnapshot(tree, cfg)
		for n, p := range snap.Protos {
			if !slices.Contains(hints[n], p.Pos.File) {
				hints[n] = append(hints[n], p.Pos.File)
			}
		}
		if canList {
			if err := f.find(id, snap, hints); err != nil {
				return nil, fmt.Errorf("revision %s: %w", revs[i], err)
			}
		}
		r := FromSnapshot(revs[i], id, snap, cfg, interest)
		if c, err := repo.Commit(id); err == nil {
			r.Time = c.Time
		}
		r.applyHooks(tables[i], why[i])
		if i > 0 {
			prev := out[i-1]
			r.shareContracts(prev)
			r.diff = &stepDiff{changes: extract.DiffSnapshots(prev.snap, snap, extract.Options{Policy: cfg, Interest: interest}), policy: cfg, interest: interest}
			if !keep {
				prev.snap = nil
			}
		}
		out = append(out, r)
	}
	if progress != nil {
		progress(len(ids), len(ids))
	}
	return out, nil
}

// keepSnapshots is the most releases whose snapshots a history keeps after
// diffing them, so that Build may diff them again under other options;
// a longer history is diffed once, while it is read.
const keepSnapshots = 16

// stepDiff is the changes from the release before, as read.
type stepDiff struct {
	changes  []*model.Change
	policy   *policy.Config
	interest map[string]bool
}

// shareContracts makes a release share the contracts it holds unchanged
// from the release before, so that a long history keeps one copy of a
// contract for as long as it lasts, not one per release.
func (r *Release) shareContracts(prev *Release) {
	for n, c := range r.Kfuncs {
		if p := prev.Kfuncs[n]; p != nil && c.sameAs(p) {
			r.Kfuncs[n] = p
		}
	}
}

// sameAs reports whether two contracts say the same in every field.
func (c *Contract) sameAs(o *Contract) bool {
	return c.Prototype == o.Prototype && slices.Equal(c.Flags, o.Flags) &&
		slices.EqualFunc(c.Sets, o.Sets, func(a, b SetFlags) bool { return a.Set == b.Set && slices.Equal(a.Flags, b.Flags) }) &&
		slices.Equal(c.ProgTypes, o.ProgTypes) && slices.Equal(c.CallableFrom, o.CallableFrom) &&
		(c.CallableFrom == nil) == (o.CallableFrom == nil) && slices.Equal(c.Filters, o.Filters) &&
		slices.Equal(c.Conds, o.Conds) && c.Stable == o.Stable && c.Deprecated == o.Deprecated &&
		c.File == o.File && c.Line == o.Line && c.DefFile == o.DefFile && c.DefLine == o.DefLine
}

// defSource is what the definition finder reads of a repository.
type defSource interface {
	gitrepo.TreeLister
	Blob(id string) ([]byte, error)
}

// FromSnapshot makes a release of a whole tree's snapshot.
func FromSnapshot(name, source string, snap *model.Snapshot, cfg *policy.Config, interest map[string]bool) *Release {
	r := &Release{Name: name, Source: source, Kind: "git", Kfuncs: map[string]*Contract{}, HasFlags: true, HasProgTypes: true, snap: snap}
	for n, es := range snap.Entries {
		if len(es) == 0 {
			continue
		}
		st := snap.State(n)
		c := &Contract{File: es[0].Pos.File, Line: es[0].Pos.Line, proto: st.Proto}
		c.Flags, c.Sets = flagsOf(es)
		if st.Proto != nil {
			c.Prototype = st.Proto.String()
			c.DefFile, c.DefLine = st.Proto.Pos.File, st.Proto.Pos.Line
		}
		c.ProgTypes = st.Avail.ProgTypes()
		c.Filters, c.Conds = routeLimits(st.Avail)
		c.Stable = slices.Contains(c.Flags, cfg.StableFlag) || interest[n]
		c.Deprecated = slices.Contains(c.Flags, cfg.DeprecatedFlag)
		r.Kfuncs[n] = c
	}
	return r
}
