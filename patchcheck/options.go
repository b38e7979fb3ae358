// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"fmt"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// TreePolicy says what the policy file of the tree being checked may do.
type TreePolicy string

// What a tree's policy file may do.
const (
	// TreeUse makes the tree's policy the run's policy, over the
	// defaults: the tree is the user's own (a local check, the pre-push
	// hook). The files it names still stay inside the tree.
	TreeUse TreePolicy = "use"
	// TreeTighten keeps the operator's policy (--config, or the
	// defaults) and lets the tree's only make it stricter: what a patch
	// may have written cannot relax what a bot, NIPA or a CI job
	// enforces.
	TreeTighten TreePolicy = "tighten"
	// TreeIgnore does not read the tree's policy.
	TreeIgnore TreePolicy = "ignore"
)

// ParseTreePolicy reads a --tree-policy value.
func ParseTreePolicy(s string) (TreePolicy, error) {
	switch t := TreePolicy(s); t {
	case TreeUse, TreeTighten, TreeIgnore:
		return t, nil
	}
	return "", fmt.Errorf("unknown tree policy %q (want use, tighten or ignore)", s)
}

// PolicyFrom says where a run's policy comes from.
type PolicyFrom struct {
	// Config is the operator's policy file (--config); "" for the
	// defaults.
	Config string
	// Trees are the directories of the tree being checked, where
	// policy.FileName is looked for (from each upwards, the first found
	// wins); none for no tree.
	Trees []string
	// Tree says what the tree's policy may do; "" is TreeTighten when
	// Config is given and TreeUse otherwise.
	Tree TreePolicy
	// StableLists are the operator's --stable-list files.
	StableLists []string
}

// LoadOptions builds the options of a check the way every entry point
// (check, the pre-push hook, history, the bot) does: the operator's
// policy or the defaults, the tree's policy over it as from.Tree says,
// the stable lists both name and from.StableLists, and the hunk-only
// baseline as the last resort. Callers may put a fuller baseline in
// front. The notes say what of the tree's policy was not applied.
func LoadOptions(from PolicyFrom) (Options, []string, error) {
	var opt Options
	var notes []string
	opt.Policy = policy.Default()
	if from.Config != "" {
		p, err := policy.Load(from.Config)
		if err != nil {
			return opt, nil, err
		}
		opt.Policy = p
	}
	mode := from.Tree
	if mode == "" {
		mode = TreeUse
		if from.Config != "" {
			mode = TreeTighten
		}
	}
	if mode != TreeIgnore {
		for _, dir := range from.Trees {
			path := policy.Find(dir)
			if path == "" {
				continue
			}
			f, err := policy.Read(path, policy.Tree)
			if err != nil {
				return opt, nil, err
			}
			if mode == TreeUse {
				err = f.Apply(opt.Policy)
			} else {
				notes, err = f.Tighten(opt.Policy, ruleSeverity)
			}
			if err != nil {
				return opt, nil, err
			}
			break
		}
	}
	bl := baseline.Multi{}
	opt.Interest = map[string]bool{}
	for _, path := range append(append([]string(nil), opt.Policy.StableLists...), from.StableLists...) {
		l, err := baseline.LoadStableList(path)
		if err != nil {
			return opt, nil, err
		}
		bl = append(bl, l)
		for _, n := range l.Names() {
			opt.Interest[n] = true
		}
	}
	opt.Baseline = append(bl, baseline.HunksOnly{})
	return opt, notes, nil
}

// ruleSeverity gives a rule's default severity.
func ruleSeverity(id string) (model.Severity, bool) {
	if r := rules.ByID(id); r != nil {
		return r.Severity, true
	}
	return 0, false
}
