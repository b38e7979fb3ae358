// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// TreeSnapshot resolves every kfunc file of a whole tree into one
// snapshot, the way a patch's pre-image is resolved when the tree-wide
// index is in view: X-macro lists found through the tree, only entries
// of kfunc sets kept, v5.18 property sets as flags, routes per kfunc. It
// is what a release is, for a history of releases.
func TreeSnapshot(tree TreeView, cfg *policy.Config) *model.Snapshot {
	if cfg == nil {
		cfg = policy.Default()
	}
	var scans []fileScan
	tree.Scans(nil, func(path string, r *cscan.Result) {
		scans = append(scans, fileScan{path: path, res: r, full: true})
	})
	snap := model.NewSnapshot()
	resolve(scans, cfg, tree.List, snap)
	return snap
}

// DiffSnapshots diffs two whole-tree snapshots into the typed changes a
// patch between them would show: the same differs, with the rest of the
// tree in view (a definition no set holds is no kfunc).
func DiffSnapshots(before, after *model.Snapshot, opt Options) []*model.Change {
	if opt.Policy == nil {
		opt.Policy = policy.Default()
	}
	return diff(before, after, opt, true)
}
