// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"io"
	"time"
)

// progress reports a long run on a terminal the way git does: one line
// rewritten in place ("kfunccheck: checking commits:  45% (450/1000)"),
// at most a few times a second, and closed with ", done." Short runs and
// output that is not a terminal get nothing.
type progress struct {
	w     io.Writer
	what  string
	start time.Time
	last  time.Time
	shown bool
	now   func() time.Time
}

// progressDelay is how long a run goes before progress is shown, and
// progressEvery how often it is updated.
const (
	progressDelay = time.Second
	progressEvery = 100 * time.Millisecond
)

func newProgress(w io.Writer, what string) *progress {
	return &progress{w: w, what: what, start: time.Now(), now: time.Now}
}

// update reports done of total.
func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	t := p.now()
	final := done >= total
	if !p.shown && t.Sub(p.start) < progressDelay {
		return
	}
	if !final && p.shown && t.Sub(p.last) < progressEvery {
		return
	}
	p.shown, p.last = true, t
	fmt.Fprintf(p.w, "\rkfunccheck: %s: %3d%% (%d/%d)", p.what, done*100/total, done, total)
	if final {
		fmt.Fprint(p.w, ", done.\n")
	}
}
