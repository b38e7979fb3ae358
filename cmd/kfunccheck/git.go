// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
)

var countRE = regexp.MustCompile(`^(.+)-(\d+)$`)

// revRange turns one of checkpatch's -g forms into commit ids, oldest
// first: REV, A..B, A...B, REV-N (the N commits up to REV), REV^, REV~n.
func revRange(repo gitrepo.Repository, spec string) ([]string, error) {
	resolve := func(rev string) (string, error) {
		if rev == "" {
			rev = "HEAD"
		}
		return repo.Resolve(rev)
	}
	var include, exclude []string
	limit := 0
	ends := func(sep string) (string, string, error) {
		a, b, _ := strings.Cut(spec, sep)
		ha, err := resolve(a)
		if err != nil {
			return "", "", err
		}
		hb, err := resolve(b)
		return ha, hb, err
	}
	switch {
	case strings.Contains(spec, "..."):
		ha, hb, err := ends("...")
		if err != nil {
			return nil, err
		}
		bases, err := repo.MergeBases(ha, hb)
		if err != nil {
			return nil, err
		}
		include, exclude = []string{ha, hb}, bases
	case strings.Contains(spec, ".."):
		ha, hb, err := ends("..")
		if err != nil {
			return nil, err
		}
		include, exclude = []string{hb}, []string{ha}
	default:
		h, err := resolve(spec)
		if err != nil {
			m := countRE.FindStringSubmatch(spec)
			if m == nil {
				return nil, err
			}
			if h, err = resolve(m[1]); err != nil {
				return nil, err
			}
			limit, _ = strconv.Atoi(m[2])
			if limit == 0 {
				return nil, fmt.Errorf("%q: a count of 0 checks nothing", spec)
			}
		} else {
			limit = 1
		}
		include = []string{h}
	}
	ids, _, err := repo.RevList(include, exclude, limit)
	if err != nil {
		return nil, err
	}
	slices.Reverse(ids)
	return ids, nil
}

// gitRanges checks the commits of each -g range as one series.
func (r *runner) gitRanges(specs []string, showMerges bool) error {
	for _, spec := range specs {
		repo := r.sess.Repo
		ids, err := revRange(repo, spec)
		if err != nil {
			return fmt.Errorf("-g %s: %w", spec, err)
		}
		keep, merges, err := gitrepo.SkipMerges(repo, ids, showMerges)
		if err != nil {
			return fmt.Errorf("-g %s: %w", spec, err)
		}
		if merges > 0 {
			fmt.Fprintf(r.stderr, "kfunccheck: -g %s: skipped %d merge commit(s); --show-merges checks them against their first parent\n", spec, merges)
		}
		if len(keep) == 0 {
			fmt.Fprintf(r.stderr, "kfunccheck: -g %s: no commit to check\n", spec)
			continue
		}
		// The range's end names the branch or tag its commits go to,
		// which a stable series pattern may match.
		opt := r.opt
		opt.Target = checkrun.Target(rangeEnd(spec), opt)
		r.seriesWithProgress(r.sess.Series(keep), opt, "checking commits of "+spec)
	}
	return nil
}

// rangeEnd returns the revision a -g range ends at, as written.
func rangeEnd(spec string) string {
	for _, sep := range []string{"...", ".."} {
		if _, b, ok := strings.Cut(spec, sep); ok {
			return b
		}
	}
	if i := strings.LastIndexAny(spec, "-^~"); i > 0 {
		return spec[:i]
	}
	return spec
}
