// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/b4ctx"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/lore"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// noB4Env turns the b4 series context off, for a check that must judge
// the piped patch alone even on a b4 branch.
const noB4Env = "KFUNCCHECK_NO_B4_SERIES"

// b4Context returns the b4 series the run's one stdin message may belong
// to, or nil, and the repository b4 runs the check in ("" when none). b4
// pipes one message per run, so only a run reading stdin alone is
// considered; --b4-series makes a missing context an error, as the series
// check must not pass a cover letter it cannot place.
//
// A prep series is looked for only when the piped message's Message-ID has
// the shape b4 prep gives its patches: finding the prep branch's cover
// commit walks a year of the branch's history (half a second in a kernel
// tree), which every "git format-patch | kfunccheck check" would pay.
func b4Context(cf *checkFlags, paths []string, stdin *bufio.Reader) (*b4ctx.Series, string, error) {
	if os.Getenv(noB4Env) != "" {
		return nil, "", nil
	}
	if !stdinOnly(paths) || len(cf.gitRevs) > 0 || len(cf.msgids) > 0 {
		if cf.b4Series || cf.b4Thread {
			return nil, "", fmt.Errorf("--b4-series and --b4-thread judge one message on stdin, as b4 pipes it")
		}
		return nil, "", nil
	}
	var s *b4ctx.Series
	var err error
	if os.Getenv(b4ctx.TrackingEnv) != "" || cf.b4Series || madeByB4Prep(peekMessageID(stdin)) {
		s, err = b4ctx.Find(".", os.Getenv)
	}
	dir := ""
	if s != nil {
		dir = s.Dir
	} else if cf.b4Thread {
		// b4 am runs checks from the top of the repository the series
		// is for (__init__.py, LoreMessage.run_local_check), whose
		// blobs give the patches their pre-images.
		dir = b4ctx.TopDir(".")
	}
	if err == nil && s == nil && cf.b4Series {
		err = fmt.Errorf("--b4-series: no b4 series here (no %s, and the branch is not a b4 prep branch)", b4ctx.TrackingEnv)
	}
	if err != nil && !cf.b4Series {
		// A per-patch check reports on the patch alone rather than fail:
		// b4 prep and am count every stderr line as a failure
		// (__init__.py, LoreMessage.run_local_check), so nothing is said.
		return nil, dir, nil
	}
	return s, dir, err
}

// stdinOnly reports whether the paths name standard input alone.
func stdinOnly(paths []string) bool {
	return len(paths) == 0 || len(paths) == 1 && paths[0] == "-"
}

// b4PrepMessageID is the Message-ID b4 prep gives the patches of a series
// (ez.py, make_msgid_tpt, since b4 0.10): "<STABLEPART-vREV-N-RANDOM@DOMAIN>",
// STABLEPART the change-id without its hash, RANDOM 12 hex digits.
var b4PrepMessageID = regexp.MustCompile(`^<[^<>@\s]+-v\d+-\d+-[0-9a-f]{12}@[^<>@\s]+>$`)

// madeByB4Prep reports whether a Message-ID is one b4 prep makes.
func madeByB4Prep(id string) bool { return b4PrepMessageID.MatchString(id) }

// peekMessageID returns the Message-ID of the first message on r without
// consuming it: the header is peeked in growing steps, up to 64 KiB, so
// that a slow writer is not waited for beyond the header.
func peekMessageID(r *bufio.Reader) string {
	if r == nil {
		return ""
	}
	for n := 4 << 10; ; n *= 2 {
		buf, err := r.Peek(n)
		if mail.HeaderEnd(buf) == len(buf) && err == nil && n < r.Size() {
			continue // the header goes on past what is peeked
		}
		h, err := mail.ReadHeader(buf)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(h.Get("Message-Id"))
	}
}

// b4Run judges the message on stdin in its b4 context: its series in the
// repository (bs), or with --b4-thread its thread on --lore. It returns
// whether the message was reported, and stdin to read as usual when not.
func (r *runner) b4Run(bs *b4ctx.Series, stdin io.Reader) (bool, io.Reader, error) {
	if bs == nil && !r.cf.b4Thread {
		return false, stdin, nil
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return false, nil, err
	}
	rest := bytes.NewReader(data)
	in := pipedSeries(data)
	done := false
	if bs != nil && r.sess != nil {
		if done = r.b4Check(bs, in); done {
			return done, rest, nil
		}
		if r.cf.b4Series {
			return false, rest, fmt.Errorf("--b4-series: the message is not one of the series of %s", bs.Branch)
		}
	}
	if r.cf.b4Thread {
		done, err = r.b4Thread(in)
	}
	return done, rest, err
}

// b4Thread judges the piped patch after the earlier patches of its series
// as its thread on --lore holds them. b4 am --check gives a check command
// nothing but the message (__init__.py, LoreMessage.load_local_ci_status
// and run_local_check: stdin, the top directory, no environment), so the
// thread is fetched again by the Message-ID the patch's References start
// with, as b4 am fetched it.
func (r *runner) b4Thread(in *model.Series) (bool, error) {
	if in == nil || len(in.Patches) != 1 {
		return false, nil
	}
	p := in.Patches[0]
	root := p.Header.MessageID
	if len(p.Header.References) > 0 {
		root = p.Header.References[0]
	} else if p.Header.InReplyTo != "" {
		root = p.Header.InReplyTo
	}
	root = strings.TrimSpace(root)
	root = strings.TrimSuffix(strings.TrimPrefix(root, "<"), ">")
	if root == "" || p.Subject.Number <= 1 {
		// A first patch has nothing before it in its series.
		return false, nil
	}
	// The id comes from the piped mail: it is checked before it goes
	// into a URL.
	if err := lore.ValidMessageID(root); err != nil {
		return false, fmt.Errorf("--b4-thread: the thread's first Message-ID: %w", err)
	}
	t, err := lore.Fetch(context.Background(), r.fetcher("<"+root+">"), r.cf.loreURL, root, p.Subject.Version)
	if err != nil {
		return false, fmt.Errorf("--b4-thread: %w", err)
	}
	thread := t.Series
	return r.judgeInSeries(thread, p), nil
}

// pipedSeries reads the piped message once for the b4 checks: the one
// series it is, or nil when it is not one.
func pipedSeries(data []byte) *model.Series {
	var piped []*model.Series
	err := input.Read("-", input.Options{Stdin: bytes.NewReader(data)}, func(s *model.Series) {
		piped = append(piped, s)
	})
	if err != nil || len(piped) != 1 {
		return nil
	}
	return piped[0]
}

// judgeInSeries judges p after the patches that come before it in full,
// found by seriesPosition, and reports p's findings alone. It returns
// false when p is not one of full's patches.
func (r *runner) judgeInSeries(full *model.Series, p *model.Patch) bool {
	k := seriesPosition(full, p)
	if k < 0 {
		return false
	}
	sub := &model.Series{Source: p.Source, Version: p.Subject.Version,
		Patches: append(append([]*model.Patch(nil), full.Patches[:k]...), p)}
	r.results(slices.Values(patchcheck.CheckSeries(sub, r.opt)[k:]))
	return true
}

// b4Check judges the message b4 piped (in) in the context of its series
// and reports it; it returns false when the message is not one of the
// series', for the caller to check it alone.
//
// A patch is judged with the earlier patches of its series before it, so
// that series rules see what they did, and only its own findings are
// reported. A cover letter, or any message with --b4-series (b4 runs the
// series check on the cover letter, or on the first patch when there is
// none: review_tui/_common.py, _fetch_and_check), has every patch of the
// series judged and reported.
func (r *runner) b4Check(bs *b4ctx.Series, in *model.Series) bool {
	if in == nil || len(bs.Commits) == 0 {
		return false
	}
	full := r.sess.Series(bs.Commits)
	if r.cf.b4Series || in.Cover != nil && len(in.Patches) == 0 {
		full.Cover = in.Cover
		r.results(patchcheck.Results(full, r.opt))
		return true
	}
	if len(in.Patches) != 1 {
		return false
	}
	return r.judgeInSeries(full, in.Patches[0])
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
