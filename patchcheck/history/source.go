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
	if cfg == nil {
		cfg = policy.Default()
	}
	ids := make([]string, len(revs))
	snaps := make([]*model.Snapshot, len(revs))
	for i, rev := range revs {
		id, err := repo.Resolve(rev)
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", rev, err)
		}
		tree, err := idx.At(id)
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", rev, err)
		}
		ids[i], snaps[i] = id, extract.TreeSnapshot(tree, cfg)
	}
	// Definitions outside the index: the files other releases define a
	// kfunc in are the first place to look.
	if src, ok := repo.(defSource); ok {
		hints := map[string][]string{}
		for _, s := range snaps {
			for n, p := range s.Protos {
				if !slices.Contains(hints[n], p.Pos.File) {
					hints[n] = append(hints[n], p.Pos.File)
				}
			}
		}
		f := &defFinder{src: src, byBlob: map[string]map[string]*model.Proto{}}
		for i, s := range snaps {
			if err := f.find(ids[i], s, hints); err != nil {
				return nil, fmt.Errorf("revision %s: %w", revs[i], err)
			}
		}
	}
	var out []*Release
	for i, rev := range revs {
		r := FromSnapshot(rev, ids[i], snaps[i], cfg, interest)
		if c, err := repo.Commit(ids[i]); err == nil {
			r.Time = c.Time
		}
		out = append(out, r)
	}
	return out, nil
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
		c.Stable = slices.Contains(c.Flags, cfg.StableFlag) || interest[n]
		c.Deprecated = slices.Contains(c.Flags, cfg.DeprecatedFlag)
		r.Kfuncs[n] = c
	}
	return r
}
