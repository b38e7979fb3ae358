// SPDX-License-Identifier: GPL-2.0-only

// Package pipeline reads and checks inputs on every core and hands their
// results back in input order, the same results a serial reading gives.
// Messages that carry no kfunc marker are read without their hunks' lines
// (mail.LightParser), so that input which cannot matter costs little more
// than reading it.
package pipeline

import (
	"runtime"
	"sync"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Options configure a run.
type Options struct {
	// Check are the engine's options. They are shared by the workers,
	// which only read them: with Workers above 1, a baseline must be safe
	// for concurrent use.
	Check patchcheck.Options
	// Read are the reader's options (Parse is set by the pipeline).
	Read input.Options
	// Light reads messages without kfunc markers without their hunks'
	// lines; their results are the same (see patchcheck.MayMatter).
	Light bool
	// Workers is how many inputs are read at once; runtime.GOMAXPROCS
	// when 0 or less.
	Workers int
}

// Event is one step of an input's reading, delivered in order: each series
// with its results, then the end of the input with its error.
type Event struct {
	Path    string
	Series  *model.Series        // nil at the end of the input
	Results []*patchcheck.Result // the results of Series' patches
	End     bool                 // the input is read
	Err     error                // at the end: the input's reading error
}

// ahead bounds the events an input may hold before they are handed on,
// and so the memory workers ahead of the output use.
const ahead = 16

// Run reads and checks paths and calls fn with their events in the order
// of paths, as a serial reading would. It stops when fn returns an error,
// and returns that error.
func Run(paths []string, opt Options, fn func(Event) error) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	done := make(chan struct{})
	defer close(done)
	order := make(chan chan Event, 2*workers)
	go func() {
		defer close(order)
		sem := make(chan struct{}, workers)
		stdin := make(chan struct{})
		close(stdin) // the first "-" need not wait
		for _, path := range paths {
			ch := make(chan Event, ahead)
			select {
			case order <- ch:
			case <-done:
				return
			}
			select {
			case sem <- struct{}{}:
			case <-done:
				return
			}
			// Standard input is read by one "-" after the other.
			var wait, release chan struct{}
			if path == "-" {
				wait, release = stdin, make(chan struct{})
				stdin = release
			}
			go func() {
				defer func() { <-sem }()
				if wait != nil {
					<-wait
					defer close(release)
				}
				read(path, opt, ch, done)
			}()
		}
	}()
	for ch := range order {
		for ev := range ch {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

var lightParsers = sync.Pool{New: func() any { return new(mail.LightParser) }}

// read reads and checks one input, sending its events to ch, which it
// closes.
func read(path string, opt Options, ch chan<- Event, done <-chan struct{}) {
	defer close(ch)
	send := func(ev Event) bool {
		select {
		case ch <- ev:
			return true
		case <-done:
			return false
		}
	}
	ropt := opt.Read
	// counted holds the lines of the patches read lightly, until their
	// results are made.
	var counted map[*model.Patch]int
	if opt.Light {
		lp := lightParsers.Get().(*mail.LightParser)
		defer lightParsers.Put(lp)
		lp.MayMatter = patchcheck.MayMatter(opt.Check)
		counted = map[*model.Patch]int{}
		ropt.Parse = func(raw *mail.Raw, source string, index int) *model.Patch {
			if p, n, ok := lp.Parse(raw, source, index); ok {
				counted[p] = n
				return p
			}
			return mail.Parse(raw, source, index)
		}
	}
	stopped := false
	err := input.Read(path, ropt, func(s *model.Series) {
		if stopped {
			return
		}
		res := patchcheck.CheckSeries(s, opt.Check)
		for _, r := range res {
			if n, ok := counted[r.Patch]; ok {
				r.CountedLines = n
				delete(counted, r.Patch)
			}
		}
		stopped = !send(Event{Path: path, Series: s, Results: res})
	})
	if !stopped {
		send(Event{Path: path, End: true, Err: err})
	}
}
