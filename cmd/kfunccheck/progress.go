// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"io"
	"sync"
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

// botProgress draws how far the bot's read has come on one terminal line,
// git-style, and is also the bot's log: a log line clears the progress
// line, is written whole, and the progress line is drawn again under it.
type botProgress struct {
	mu sync.Mutex
	w  io.Writer
	// line is the progress line on the terminal, latest the one the
	// update interval has not drawn yet.
	line, latest string
	last         time.Time
	now          func() time.Time
}

func newBotProgress(w io.Writer) *botProgress {
	return &botProgress{w: w, now: time.Now}
}

// Write writes one log line above the progress line.
func (p *botProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != "" {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	n, err := p.w.Write(b)
	if p.line != "" {
		fmt.Fprint(p.w, p.line)
	}
	return n, err
}

// update is bot.Config.Progress.
func (p *botProgress) update(list string, messages int, at time.Time, done bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done {
		if p.line != "" {
			// The last count, which the update interval may have held
			// back, closes the line.
			if p.latest != p.line {
				fmt.Fprint(p.w, "\r\x1b[K"+p.latest)
			}
			fmt.Fprint(p.w, ", done.\n")
			p.line, p.latest = "", ""
		}
		return
	}
	p.latest = fmt.Sprintf("kfunccheck bot: reading %s: %d messages", list, messages)
	if !at.IsZero() {
		p.latest += ", archive time " + at.UTC().Format("2006-01-02")
	}
	t := p.now()
	if p.line != "" && t.Sub(p.last) < progressEvery {
		return
	}
	p.last = t
	fmt.Fprint(p.w, "\r\x1b[K"+p.latest)
	p.line = p.latest
}
