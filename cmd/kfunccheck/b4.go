// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/b4ctx"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// noB4Env turns the b4 series context off, for a check that must judge
// the piped patch alone even on a b4 branch.
const noB4Env = "KFUNCCHECK_NO_B4_SERIES"

// b4Context returns the b4 series the run's one stdin message may belong
// to, or nil. b4 pipes one message per run, so only a run reading stdin
// alone is considered; --b4-series makes a missing context an error, as
// the series check must not pass a cover letter it cannot place.
func b4Context(cf *checkFlags, paths []string) (*b4ctx.Series, error) {
	stdinOnly := len(paths) == 0 || len(paths) == 1 && paths[0] == "-"
	if !stdinOnly || len(cf.gitRevs) > 0 || len(cf.msgids) > 0 || os.Getenv(noB4Env) != "" {
		return nil, nil
	}
	s, err := b4ctx.Find(".", os.Getenv)
	if err == nil && s == nil && cf.b4Series {
		err = fmt.Errorf("--b4-series: no b4 series here (no %s, and the branch is not a b4 prep branch)", b4ctx.TrackingEnv)
	}
	if err != nil && !cf.b4Series {
		// A per-patch check reports on the patch alone rather than fail:
		// b4 prep and am count every stderr line as a failure
		// (__init__.py, LoreMessage.run_local_check), so nothing is said.
		return nil, nil
	}
	return s, err
}

// b4Check judges the message b4 piped (data) in the context of its series
// and reports it; it returns false when the message is not one of the
// series', for the caller to check it alone.
//
// A patch is judged with the earlier patches of its series before it, so
// that series rules see what they did, and only its own findings are
// reported. A cover letter, or any message with --b4-series (b4 runs the
// series check on the cover letter, or on the first patch when there is
// none: review_tui/_common.py, _fetch_and_check), has every patch of the
// series judged and reported.
func (r *runner) b4Check(repo gitrepo.Repository, repoName string, bs *b4ctx.Series, data []byte) (bool, error) {
	var piped []*model.Series
	err := input.Read("-", input.Options{Stdin: bytes.NewReader(data)}, func(s *model.Series) {
		piped = append(piped, s)
	})
	if err != nil || len(piped) != 1 || len(bs.Commits) == 0 {
		return false, nil
	}
	in := piped[0]
	full := gitrepo.Series(repo, bs.Commits, repoName)
	if r.cf.b4Series || in.Cover != nil && len(in.Patches) == 0 {
		full.Cover = in.Cover
		r.results(full, patchcheck.CheckSeries(full, r.opt))
		return true, nil
	}
	if len(in.Patches) != 1 {
		return false, nil
	}
	p := in.Patches[0]
	k := seriesPosition(full, p)
	if k < 0 {
		return false, nil
	}
	sub := &model.Series{Source: p.Source, Version: p.Subject.Version,
		Patches: append(append([]*model.Patch(nil), full.Patches[:k]...), p)}
	results := patchcheck.CheckSeries(sub, r.opt)
	r.results(sub, results[k:])
	return true, nil
}

// seriesPosition returns the index in s of the patch p is, by its title
// (b4 prep renders each commit as a message with the commit's subject
// under a "[PATCH m/N]" prefix: __init__.py, git_range_to_patches), or -1.
// When titles repeat, the m of "m/N" decides.
func seriesPosition(s *model.Series, p *model.Patch) int {
	title := strings.TrimSpace(p.Subject.Title)
	found := -1
	for i, q := range s.Patches {
		if strings.TrimSpace(q.Subject.Title) != title {
			continue
		}
		if found < 0 || i == p.Subject.Number-1 {
			found = i
		}
	}
	return found
}

// b4Stdin runs the b4 series check for a run that reads stdin alone; it
// returns the stdin to check as usual when the message is not placed in
// the series.
func (r *runner) b4Stdin(repo gitrepo.Repository, repoName string, bs *b4ctx.Series, stdin io.Reader) (bool, io.Reader, error) {
	if stdin == nil {
		stdin = os.Stdin
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return false, nil, err
	}
	done, err := r.b4Check(repo, repoName, bs, data)
	if !done && err == nil && r.cf.b4Series {
		err = fmt.Errorf("--b4-series: the message is not one of the series of %s", bs.Branch)
	}
	return done, bytes.NewReader(data), err
}
