// SPDX-License-Identifier: GPL-2.0-only

// Package pipeline reads and checks inputs on every core and hands their
// results back in input order, the same results a serial reading gives.
// Messages that carry no kfunc marker are read without their hunks' lines
// (mail.LightParser), so that input which cannot matter costs little more
// than reading it.
package pipeline

import (
	"runtime"

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
// and so the memory workers ahead of the output use. Most inputs yield
// two: their series and their end.
const ahead = 4

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
	// Inputs go to the workers in order, and their event channels to the
	// output in the same order: a worker only ever waits for the output
	// to reach an input taken before its own, so all make progress.
	order := make(chan chan Event, 2*workers)
	jobs := make(chan job, workers)
	for range workers {
		go worker(jobs, opt, done)
	}
	go func() {
		defer close(order)
		defer close(jobs)
		stdin := make(chan struct{})
		close(stdin) // the first "-" need not wait
		for _, path := range paths {
			j := job{path: path, events: make(chan Event, ahead)}
			if path == "-" {
				// Standard input is read by one "-" after the other.
				j.wait, j.release = stdin, make(chan struct{})
				stdin = j.release
			}
			for _, send := range []func() bool{
				func() bool {
					select {
					case order <- j.events:
						return true
					case <-done:
						return false
					}
				},
				func() bool {
					select {
					case jobs <- j:
						return true
					case <-done:
						return false
					}
				},
			} {
				if !send() {
					return
				}
			}
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

// job is one input to read.
type job struct {
	path          string
	events        chan Event
	wait, release chan struct{} // for "-": the previous "-" is read; this one is
}

// worker reads inputs until there are none: one goroutine per core, not
// per input, so that its stack, its light parser and its file buffer
// are grown once.
func worker(jobs <-chan job, opt Options, done <-chan struct{}) {
	lp := &mail.LightParser{MayMatter: patchcheck.MayMatter(opt.Check)}
	var buf []byte
	for j := range jobs {
		if j.wait != nil {
			<-j.wait
		}
		read(j.path, opt, lp, &buf, j.events, done)
		if j.release != nil {
			close(j.release)
		}
	}
}

// read reads and checks one input, sending its events to ch, which it
// closes.
func read(path string, opt Options, lp *mail.LightParser, buf *[]byte, ch chan<- Event, done <-chan struct{}) {
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
	ropt.Buffer = buf
	// counted holds the lines of the patches read lightly, until their
	// results are made.
	var counted map[*model.Patch]int
	if opt.Light {
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
