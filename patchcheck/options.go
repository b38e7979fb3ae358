// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"os"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// LoadOptions builds the options of a check the way every entry point
// (check, the pre-push hook) does: the policy from configPath, or else the
// .kfunccheck.toml found from dir upwards, or the defaults; the stable lists
// named by the policy and by extra; the hunk-only baseline as the last
// resort. Callers may put a fuller baseline in front.
func LoadOptions(configPath, dir string, extra []string) (Options, error) {
	var opt Options
	if configPath == "" {
		if dir == "" {
			dir, _ = os.Getwd()
		}
		configPath = policy.Find(dir)
	}
	opt.Policy = policy.Default()
	if configPath != "" {
		p, err := policy.Load(configPath)
		if err != nil {
			return opt, err
		}
		opt.Policy = p
	}
	bl := baseline.Multi{}
	opt.Interest = map[string]bool{}
	for _, path := range append(append([]string(nil), opt.Policy.StableLists...), extra...) {
		l, err := baseline.LoadStableList(path)
		if err != nil {
			return opt, err
		}
		bl = append(bl, l)
		for _, n := range l.Names() {
			opt.Interest[n] = true
		}
	}
	opt.Baseline = append(bl, baseline.HunksOnly{})
	return opt, nil
}
