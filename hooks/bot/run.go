// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
)

// Source is where the bot reads its lists from.
type Source struct {
	// Lists are the lists followed, read in turn, one batch each.
	Lists []List
	// Inbox, Mbox and Maildir are shorthands for one more list.
	Inbox   string // a public-inbox v2 directory
	Mbox    string // or an mbox file
	Maildir string // or a Maildir
	// Fetch runs a go-git fetch of each epoch first (inboxes only).
	Fetch bool
	// Since replays messages dated on or after it; zero on a first run
	// means: start at the archive's current tip.
	Since time.Time
}

// List is one list the bot follows.
type List struct {
	Kind string // "inbox" (public-inbox v2), "mbox" or "maildir"
	Path string
	// Fetch runs a go-git fetch of each epoch of this inbox first, as
	// Source.Fetch does for every inbox.
	Fetch bool
}

// ID is the list's identity in the state: its kind and absolute path. A
// list keeps its cursors when other lists are added or removed.
func (l List) ID() string {
	p, err := filepath.Abs(l.Path)
	if err != nil {
		p = filepath.Clean(l.Path)
	}
	return l.Kind + ":" + p
}

func (l List) String() string { return "--" + l.Kind + " " + l.Path }

// lists returns every list of the source, in order, each once.
func (src Source) lists() []List {
	out := slices.Clone(src.Lists)
	for _, l := range []List{{Kind: "inbox", Path: src.Inbox}, {Kind: "mbox", Path: src.Mbox}, {Kind: "maildir", Path: src.Maildir}} {
		if l.Path != "" {
			out = append(out, l)
		}
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(l List) bool {
		dup := seen[l.ID()]
		seen[l.ID()] = true
		return dup
	})
}

// Once runs one pass: read what is new on every list, judge the series
// that are ready, deliver the outbox. A list that cannot be read is
// reported, and the others are still read, judged and answered.
func (b *Bot) Once(src Source) error {
	lists := src.lists()
	if len(lists) == 0 {
		return errors.New("no source: give --inbox, --mbox or --maildir")
	}
	read, readErr, err := b.read(lists, src)
	if err != nil {
		return err
	}
	if _, err := b.Judge(); err != nil {
		return err
	}
	if _, err := b.Drain(); err != nil && !errors.Is(err, ErrRateLimited) {
		return err
	} else if err != nil {
		b.logf("%v; the rest waits", err)
	}
	if err := b.store.Reclaim(); err != nil {
		return err
	}
	if err := b.logLists(lists, read); err != nil {
		return err
	}
	return readErr
}

// logLists ends a pass with one line per list: what was read of it this
// pass, and its series and replies as bot status counts them.
func (b *Bot) logLists(lists []List, read map[string]int) error {
	counts, err := b.store.ListCounts()
	if err != nil {
		return err
	}
	byList := map[string]ListCounts{}
	for _, c := range counts {
		byList[c.List] = c
	}
	for _, l := range lists {
		c := byList[l.ID()]
		b.logf("%s: %d messages read; series: %s; replies: %s", l, read[l.ID()], countLine(c.Series), countLine(c.Replies))
	}
	return nil
}

// countLine writes counts by state: "3 (checked 2, open 1)".
func countLine(m map[string]int) string {
	total := 0
	keys := make([]string, 0, len(m))
	for k, n := range m {
		keys = append(keys, k)
		total += n
	}
	if total == 0 {
		return "0"
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// Run repeats Once every interval until ctx ends.
func (b *Bot) Run(ctx context.Context, src Source, interval time.Duration) error {
	for {
		if err := b.Once(src); err != nil {
			b.logf("pass failed: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// reader is one list being read: its own goroutine hands over batches of
// messages, and its error when it ends. It starts a batch only when the
// pass gives it its turn (turn), so that the lists waiting for theirs hold
// no batch: the messages in memory do not grow with the number of lists.
type reader struct {
	list    List
	batches chan []Archived
	turn    chan struct{}
	asked   bool // the turn was given and not yet used
	errc    chan error
	// done is called once the list was read to its end (a file source's
	// first pass is over).
	done     func() error
	time     time.Time // the archive time of the last message read
	messages int
	finished bool
}

// read reads every list in turn, one batch of each, so that a long
// backlog on one list does not hold the others back by more than a
// batch. Messages are recorded in the one state: a Message-ID seen on
// one list is a repeat on another, and a series is one series whichever
// lists its parts came through. It returns the lists' errors apart from
// an error of the state, which ends the pass. It counts the messages read
// of each list, by List.ID.
func (b *Bot) read(lists []List, src Source) (read map[string]int, listErr, err error) {
	stop := make(chan struct{})
	var readers []*reader
	defer func() {
		// A pass ended by an error: the readers still going stop.
		select {
		case <-stop:
		default:
			close(stop)
		}
		for _, r := range readers {
			if !r.finished {
				for range r.batches {
				}
				<-r.errc
			}
		}
	}()
	inboxes := 0
	for _, l := range lists {
		if l.Kind == "inbox" {
			inboxes++
		}
	}
	var errs []error
	var active atomic.Int32
	for _, l := range lists {
		r := &reader{list: l, batches: make(chan []Archived), turn: make(chan struct{}, 1), errc: make(chan error, 1)}
		f := &feed{out: r.batches, stop: stop, turn: r.turn, active: &active}
		var start func() error
		switch l.Kind {
		case "inbox":
			cursors, err := b.inboxCursors(l, inboxes == 1)
			if err != nil {
				return nil, nil, err
			}
			start = func() error { return b.readInbox(l, cursors, src, f) }
		case "mbox", "maildir":
			// A state written for one list named it by its path as
			// given.
			first, err := b.store.FirstPass(l.ID(), l.Kind+":"+l.Path)
			if err != nil {
				return nil, nil, err
			}
			read := b.readMbox
			if l.Kind == "maildir" {
				read = b.readMaildir
			}
			start = func() error { return read(l, first, src, f) }
			r.done = func() error { return b.store.PassDone(l.ID(), b.cfg.Now()) }
		default:
			errs = append(errs, fmt.Errorf("%s: unknown kind of list", l))
			continue
		}
		readers = append(readers, r)
		active.Add(1)
		go func() {
			defer close(r.batches)
			r.errc <- start()
		}()
	}
	// ask gives a reader its turn; the reader after the one being
	// ingested is asked at once, so that reading the next batch overlaps
	// recording this one, as with one list.
	ask := func(r *reader) {
		if !r.asked {
			r.turn <- struct{}{}
			r.asked = true
		}
	}
	nextAfter := func(i int) *reader {
		for k := 1; k <= len(readers); k++ {
			if o := readers[(i+k)%len(readers)]; !o.finished {
				return o
			}
		}
		return nil
	}
	batches := 0
	for active.Load() > 0 {
		for i, r := range readers {
			if r.finished {
				continue
			}
			ask(r)
			batch, ok := <-r.batches
			if ok {
				r.asked = false
				if o := nextAfter(i); o != nil {
					ask(o)
				}
			}
			if !ok {
				r.finished = true
				active.Add(-1)
				rerr := <-r.errc
				if rerr == nil && r.done != nil {
					if err := r.done(); err != nil {
						return nil, nil, err
					}
				}
				if rerr != nil {
					errs = append(errs, fmt.Errorf("%s: %w", r.list, rerr))
					b.logf("%s: %v; the other lists go on", r.list, rerr)
				}
				continue
			}
			before := r.messages
			r.messages += len(batch)
			for _, a := range batch {
				if a.Time.After(r.time) {
					r.time = a.Time
				}
			}
			if err := b.IngestBatch(batch); err != nil {
				return nil, nil, err
			}
			if b.cfg.Progress != nil {
				b.cfg.Progress(r.list.Path, r.messages, r.time, false)
			}
			if r.messages/progressEvery > before/progressEvery {
				// A long replay says how far each list is, not only at
				// the end of the pass.
				b.logf("%s: %d messages read so far (archive time %s)", r.list, r.messages, r.time.UTC().Format(time.RFC3339))
			}
			// Every few batches, the series whose grace ended by the
			// archives' time are judged: a replay of years of mail holds
			// only the series still in progress at its point. The time is
			// that of the list furthest behind (a file source has none: then
			// only complete series are judged).
			if batches++; batches%judgeEvery == 0 {
				at := b.cfg.Now()
				for _, o := range readers {
					if !o.finished {
						at = minTime(at, o.time)
					}
				}
				if _, err := b.judgeBy(at); err != nil {
					return nil, nil, err
				}
				if err := b.store.Reclaim(); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	if b.cfg.Progress != nil {
		b.cfg.Progress("", 0, time.Time{}, true)
	}
	read = map[string]int{}
	for _, r := range readers {
		read[r.list.ID()] = r.messages
	}
	return read, errors.Join(errs...), nil
}

// inboxCursors returns an inbox's cursors. A state written when the bot
// followed one inbox has cursors of no list: the inbox whose epochs hold
// their commits adopts them, or the only inbox followed (its history may
// have been rewritten since).
func (b *Bot) inboxCursors(l List, only bool) (map[int]Cursor, error) {
	cursors, err := b.store.Cursors(l.ID())
	if err != nil || len(cursors) > 0 {
		return cursors, err
	}
	legacy, err := b.store.LegacyCursors()
	if err != nil || len(legacy) == 0 {
		return cursors, err
	}
	adopt := only
	in := &gitrepo.Inbox{Dir: l.Path}
	for n, c := range legacy {
		if adopt {
			break
		}
		ep, err := in.Epoch(n)
		if err != nil {
			continue
		}
		_, err = ep.CommitTime(c.Commit)
		ep.Close()
		adopt = err == nil
	}
	if !adopt {
		b.logf("%s: the state's cursors of a single inbox are not this list's; it starts as a new list", l)
		return cursors, nil
	}
	b.logf("%s: continues from the cursors of the state's single inbox", l)
	if err := b.store.AdoptCursors(l.ID()); err != nil {
		return nil, err
	}
	return b.store.Cursors(l.ID())
}

// feed is how a list's reader hands its batches over to the pass: out
// takes them, stop ends the reader, turn says when it may start a batch.
type feed struct {
	out  chan<- []Archived
	stop <-chan struct{}
	turn <-chan struct{}
	// active counts the lists still being read in the pass.
	active *atomic.Int32
	// hasTurn: the turn was taken and no batch sent on it yet (it
	// carries over to the next epoch when an epoch had nothing new).
	hasTurn bool
}

// batcher gathers a list's messages into batches of ingestBatch, each
// started on the list's turn and handed over to the pass when full
// (flush hands over the rest).
type batcher struct {
	f     *feed
	batch []Archived
	// pause and resume, when set, bracket a wait for the turn while
	// other lists are read: an inbox closes its repository meanwhile, so
	// that one archive's pack indexes are in memory at a time, not one
	// per list.
	pause, resume func()
}

func (bt *batcher) add(a Archived) error {
	if len(bt.batch) == 0 {
		if err := bt.wait(); err != nil {
			return err
		}
	}
	bt.batch = append(bt.batch, a)
	if len(bt.batch) >= ingestBatch {
		return bt.flush()
	}
	return nil
}

// wait waits for the list's turn. The one list being read never pauses
// (its turn comes as soon as the pass took its last batch).
func (bt *batcher) wait() error {
	if bt.f.hasTurn {
		return nil
	}
	select {
	case <-bt.f.turn:
		bt.f.hasTurn = true
		return nil
	default:
	}
	pause := bt.pause != nil && bt.f.active != nil && bt.f.active.Load() > 1
	if pause {
		bt.pause()
		defer bt.resume()
	}
	select {
	case <-bt.f.turn:
		bt.f.hasTurn = true
		return nil
	case <-bt.f.stop:
		return errStopped
	}
}

func (bt *batcher) flush() error {
	if len(bt.batch) == 0 {
		return nil
	}
	batch := bt.batch
	bt.batch = nil
	select {
	case bt.f.out <- batch:
		bt.f.hasTurn = false
		return nil
	case <-bt.f.stop:
		return errStopped
	}
}

func (b *Bot) readInbox(l List, cursors map[int]Cursor, src Source, f *feed) error {
	in := &gitrepo.Inbox{Dir: l.Path}
	epochs, err := in.Epochs()
	if err != nil {
		return err
	}
	firstRun := len(cursors) == 0
	for _, n := range epochs {
		ep, err := in.Epoch(n)
		if err != nil {
			// One unreadable epoch must not stop the others.
			b.logf("warning: inbox %s: epoch %d cannot be opened, skipped this pass: %v", l.Path, n, err)
			continue
		}
		err = b.readEpoch(ep, l, n, cursors, firstRun, src, f)
		ep.Close()
		if errors.Is(err, gitrepo.ErrBrokenHistory) {
			b.logf("warning: %v; the messages after it were read, those before it cannot be", err)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *Bot) readEpoch(ep *gitrepo.Epoch, l List, n int, cursors map[int]Cursor, firstRun bool, src Source, f *feed) error {
	if src.Fetch || l.Fetch {
		if err := ep.Fetch(); err != nil {
			b.logf("epoch %d: fetch: %v", n, err)
		}
	}
	cur, known := cursors[n]
	if !known && firstRun && src.Since.IsZero() {
		// A bot must never answer years of old mail: start at the tip.
		tip, when, err := ep.Tip()
		if err != nil {
			// Reported like any broken history: the other epochs go on.
			return fmt.Errorf("epoch %d: tip: %v: %w", n, err, gitrepo.ErrBrokenHistory)
		}
		if tip == "" {
			return nil
		}
		b.logf("%s epoch %d: first run, starting at %s", l, n, tip)
		bt := &batcher{f: f}
		if err := bt.add(Archived{Epoch: n, CursorOnly: true, Cursor: &Cursor{List: l.ID(), Epoch: n, Commit: tip, Time: when}}); err != nil {
			return err
		}
		return bt.flush()
	}
	// Messages go to the store in batches, each with its cursor, so that
	// a long backlog costs few transactions and a kill loses no message.
	bt := &batcher{f: f, pause: ep.Pause, resume: ep.Resume}
	// The walk starts on the list's turn: its first steps read the
	// epoch's history, with the repository open.
	if err := bt.wait(); err != nil {
		return err
	}
	id := l.ID()
	ingest := func(a Archived) error {
		a.Cursor.List, a.List = id, id
		return bt.add(a)
	}
	err := readAhead(func(fn func(gitrepo.InboxMessage) error) error { return ep.Walk(cur.Commit, src.Since, fn) }, ingest)
	if errors.Is(err, gitrepo.ErrCursorLost) {
		// History was rewritten (mail purged): resync from the cursor's
		// date; messages already seen are recognised by Message-ID.
		b.logf("%s epoch %d: %v; resyncing from %s", l, n, err, cur.Time.Format(time.RFC3339))
		err = readAhead(func(fn func(gitrepo.InboxMessage) error) error { return ep.Walk("", cur.Time.Add(-time.Minute), fn) }, ingest)
	}
	if err != nil && !errors.Is(err, gitrepo.ErrBrokenHistory) {
		return err
	}
	if ferr := bt.flush(); ferr != nil {
		return ferr
	}
	return err
}

// errStopped ends a walk whose consumer failed.
var errStopped = errors.New("stopped")

// readAhead runs walk in a goroutine of its own and parses each message
// in another, handing the messages to consume in order: inflating the
// archive, parsing mail, and recording and judging overlap. Only a bounded
// number of messages is in flight.
func readAhead(walk func(func(gitrepo.InboxMessage) error) error, consume func(Archived) error) error {
	raw := make(chan Archived, 16)
	ready := make(chan Archived, 16)
	stop := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(raw)
		errc <- walk(func(m gitrepo.InboxMessage) error {
			select {
			case raw <- Archived{Epoch: m.Epoch, ID: m.Commit, Data: m.Data, Deleted: m.Deleted, Blob: m.Blob, Err: m.Err,
				Time: m.Time, Cursor: &Cursor{Epoch: m.Epoch, Commit: m.Commit, Time: m.Time}}:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	go func() {
		defer close(ready)
		for a := range raw {
			a.parse()
			ready <- a
		}
	}()
	var cerr error
	for a := range ready {
		if cerr != nil {
			continue
		}
		if cerr = consume(a); cerr != nil {
			close(stop)
		}
	}
	werr := <-errc
	if cerr != nil {
		return cerr
	}
	return werr
}

// ingestBatch is how many archived messages share one transaction, and
// judgeEvery how many batches are read between two judging rounds of a
// long read (variables for tests).
var ingestBatch, judgeEvery = 256, 8

// progressEvery is how many messages of a list are read between two
// progress lines of the log (a variable for tests).
var progressEvery = 10000

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// readMbox reads an mbox file each pass; Message-IDs make repeats harmless.
func (b *Bot) readMbox(l List, first bool, src Source, fd *feed) error {
	f, err := os.Open(l.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	bt := &batcher{f: fd}
	sp := mail.NewSplitter(f, 0)
	for i := 0; ; i++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !sp.Failed() {
			// One unreadable message (too large) is skipped; the rest of
			// the mbox is still read.
			b.logf("warning: mbox %s: skipped a message: %v", l.Path, err)
			continue
		}
		if err != nil {
			return fmt.Errorf("mbox %s: %w", l.Path, err)
		}
		if err := bt.add(fileMessage(l.ID(), fmt.Sprintf("%s#%d", l.ID(), i), raw, first, src)); err != nil {
			return err
		}
	}
	return bt.flush()
}

// readMaildir reads new/ and cur/ of a Maildir in name order.
func (b *Bot) readMaildir(l List, first bool, src Source, f *feed) error {
	var names []string
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(l.Path, sub))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				names = append(names, filepath.Join(sub, e.Name()))
			}
		}
	}
	slices.Sort(names)
	bt := &batcher{f: f}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(l.Path, n))
		if err != nil {
			// Gone (another reader moved it) or unreadable: skipped.
			b.logf("warning: maildir %s: skipped: %v", n, err)
			continue
		}
		raw, err := mail.NewSplitter(bytes.NewReader(data), 0).Next()
		if err != nil {
			b.logf("maildir %s: %v", n, err)
			continue
		}
		if err := bt.add(fileMessage(l.ID(), l.ID()+"#"+n, raw, first, src)); err != nil {
			return err
		}
	}
	return bt.flush()
}

// fileMessage is a message of an mbox or Maildir. On the first pass over
// such a source, without --since, messages are only remembered, not
// judged: the bot starts at the present.
func fileMessage(list, id string, raw *mail.Raw, first bool, src Source) Archived {
	data := raw.Data
	if raw.FromLine != "" {
		data = append([]byte(raw.FromLine+"\n"), data...)
	}
	a := Archived{Epoch: -1, ID: id, Data: data, List: list}
	if (first && src.Since.IsZero()) || (!src.Since.IsZero() && dateBefore(raw.Data, src.Since)) {
		a.RememberOnly = readEnvelope(raw.Data).MessageID
		if a.RememberOnly == "" {
			a.RememberOnly = contentID(data)
		}
		a.Data = nil
		return a
	}
	a.parse()
	return a
}

// dateBefore reports whether a message's Date is before t (unparsable
// dates count as recent).
func dateBefore(raw []byte, t time.Time) bool {
	m, err := netmail.ReadMessage(bytes.NewReader(raw[:mail.HeaderEnd(raw)]))
	if err != nil {
		return false
	}
	d, err := netmail.ParseDate(m.Header.Get("Date"))
	return err == nil && d.Before(t)
}
