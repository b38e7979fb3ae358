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
	final := done >= total
	if _, ok := p.due(final); !ok {
		return
	}
	fmt.Fprintf(p.w, "\rkfunccheck: %s: %3d%% (%d/%d)", p.what, done*100/total, done, total)
	if final {
		fmt.Fprint(p.w, ", done.\n")
	}
}

// due reports whether a line is to be drawn now, and when now is: not
// before progressDelay has passed, then at most every progressEvery, and
// always for the final line.
func (p *progress) due(final bool) (time.Time, bool) {
	t := p.now()
	if !p.shown && t.Sub(p.start) < progressDelay || !final && p.shown && t.Sub(p.last) < progressEvery {
		return t, false
	}
	p.shown, p.last = true, t
	return t, true
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

// byteProgress reports a download git-style, once it has taken longer
// than progressDelay: "kfunccheck: fetching <id>: 1.20 MiB | 512.00
// KiB/s", with the percentage when the size is known, closed with
// ", done."
type byteProgress struct{ *progress }

func newByteProgress(w io.Writer, what string) byteProgress {
	return byteProgress{newProgress(w, what)}
}

// update is lore.Fetcher.Progress.
func (p byteProgress) update(read, total int64, done bool) {
	t, ok := p.due(done)
	if !ok {
		return
	}
	line := "\rkfunccheck: " + p.what + ": "
	if total > 0 && read <= total {
		line += fmt.Sprintf("%3d%% (%s/%s)", read*100/total, humanBytes(float64(read)), humanBytes(float64(total)))
	} else {
		line += humanBytes(float64(read))
	}
	if secs := t.Sub(p.start).Seconds(); secs > 0 {
		line += " | " + humanBytes(float64(read)/secs) + "/s"
	}
	// The line is rewritten in place; what a longer one left is cleared.
	line += "\x1b[K"
	if done {
		line += ", done.\n"
	}
	fmt.Fprint(p.w, line)
}

// humanBytes writes a size as git does: bytes, KiB, MiB, GiB.
func humanBytes(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", n/(1<<10))
	}
	return fmt.Sprintf("%d bytes", int64(n))
}

// terminalProgress returns a git-style progress reporter for a long run
// of commands other than check (btf compat over many kernels, history
// over many releases): nil, for no progress, when w is not a terminal
// someone reads or -q is given.
func terminalProgress(w io.Writer, quiet bool, what string) func(done, total int) {
	if quiet || !interactive(w) {
		return nil
	}
	return newProgress(w, what).update
}
