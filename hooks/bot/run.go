// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
)

// Source is where the bot reads the list from.
type Source struct {
	Inbox   string // a public-inbox v2 directory
	Mbox    string // or an mbox file
	Maildir string // or a Maildir
	// Fetch runs a go-git fetch of each epoch first (inbox only).
	Fetch bool
	// Since replays messages dated on or after it; zero on a first run
	// means: start at the archive's current tip.
	Since time.Time
}

// Once runs one pass: read what is new, judge the series that are ready,
// deliver the outbox.
func (b *Bot) Once(src Source) error {
	var err error
	switch {
	case src.Inbox != "":
		err = b.readInbox(src)
	case src.Mbox != "":
		err = b.readMbox(src)
	case src.Maildir != "":
		err = b.readMaildir(src)
	default:
		err = errors.New("no source: give --inbox, --mbox or --maildir")
	}
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
	return b.store.Reclaim()
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

func (b *Bot) readInbox(src Source) error {
	in := &gitrepo.Inbox{Dir: src.Inbox}
	epochs, err := in.Epochs()
	if err != nil {
		return err
	}
	cursors, err := b.store.Cursors()
	if err != nil {
		return err
	}
	firstRun := len(cursors) == 0
	for _, n := range epochs {
		ep, err := in.Epoch(n)
		if err != nil {
			// One unreadable epoch must not stop the others.
			b.logf("warning: inbox %s: epoch %d cannot be opened, skipped this pass: %v", src.Inbox, n, err)
			continue
		}
		err = b.readEpoch(ep, n, cursors, firstRun, src)
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

func (b *Bot) readEpoch(ep *gitrepo.Epoch, n int, cursors map[int]Cursor, firstRun bool, src Source) error {
	if src.Fetch {
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
		b.logf("epoch %d: first run, starting at %s", n, tip)
		return b.store.SetCursor(Cursor{Epoch: n, Commit: tip, Time: when})
	}
	// Messages go to the store in batches, each with its cursor, so that
	// a long backlog costs few transactions and a kill loses no message.
	// Every few batches, the series whose grace ended by the archive's
	// time are judged: a replay of years of mail holds only the series
	// still in progress at its point, not the whole archive.
	var batch []Archived
	var archiveTime time.Time
	batches := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := b.IngestBatch(batch)
		batch = batch[:0]
		if err != nil {
			return err
		}
		if batches++; batches%judgeEvery == 0 {
			if _, err := b.judgeBy(minTime(archiveTime, b.cfg.Now())); err != nil {
				return err
			}
			return b.store.Reclaim()
		}
		return nil
	}
	ingest := func(a Archived) error {
		batch = append(batch, a)
		if a.Time.After(archiveTime) {
			archiveTime = a.Time
		}
		if len(batch) >= ingestBatch {
			return flush()
		}
		return nil
	}
	err := readAhead(func(fn func(gitrepo.InboxMessage) error) error { return ep.Walk(cur.Commit, src.Since, fn) }, ingest)
	if errors.Is(err, gitrepo.ErrCursorLost) {
		// History was rewritten (mail purged): resync from the cursor's
		// date; messages already seen are recognised by Message-ID.
		b.logf("epoch %d: %v; resyncing from %s", n, err, cur.Time.Format(time.RFC3339))
		err = readAhead(func(fn func(gitrepo.InboxMessage) error) error { return ep.Walk("", cur.Time.Add(-time.Minute), fn) }, ingest)
	}
	if err != nil && !errors.Is(err, gitrepo.ErrBrokenHistory) {
		return err
	}
	if ferr := flush(); ferr != nil {
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

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// readMbox reads an mbox file each pass; Message-IDs make repeats harmless.
func (b *Bot) readMbox(src Source) error {
	f, err := os.Open(src.Mbox)
	if err != nil {
		return err
	}
	defer f.Close()
	name := "mbox:" + src.Mbox
	first, err := b.store.FirstPass(name)
	if err != nil {
		return err
	}
	sp := mail.NewSplitter(f, 0)
	for i := 0; ; i++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !sp.Failed() {
			// One unreadable message (too large) is skipped; the rest of
			// the mbox is still read.
			b.logf("warning: mbox %s: skipped a message: %v", src.Mbox, err)
			continue
		}
		if err != nil {
			return fmt.Errorf("mbox %s: %w", src.Mbox, err)
		}
		if err := b.ingestFile(fmt.Sprintf("mbox:%d", i), raw, first, src); err != nil {
			return err
		}
	}
	return b.store.PassDone(name, b.cfg.Now())
}

// readMaildir reads new/ and cur/ of a Maildir in name order.
func (b *Bot) readMaildir(src Source) error {
	source := "maildir:" + src.Maildir
	first, err := b.store.FirstPass(source)
	if err != nil {
		return err
	}
	var names []string
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(src.Maildir, sub))
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
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(src.Maildir, n))
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
		if err := b.ingestFile("maildir:"+n, raw, first, src); err != nil {
			return err
		}
	}
	return b.store.PassDone(source, b.cfg.Now())
}

// ingestFile ingests a message of an mbox or Maildir. On the first pass
// over such a source, without --since, messages are only remembered, not
// judged: the bot starts at the present.
func (b *Bot) ingestFile(id string, raw *mail.Raw, first bool, src Source) error {
	data := raw.Data
	if raw.FromLine != "" {
		data = append([]byte(raw.FromLine+"\n"), data...)
	}
	if (first && src.Since.IsZero()) || (!src.Since.IsZero() && dateBefore(raw.Data, src.Since)) {
		sum := sha256.Sum256(data)
		msgID := readEnvelope(raw.Data).MessageID
		if msgID == "" {
			msgID = "kfunccheck-nomsgid-" + hex.EncodeToString(sum[:12])
		}
		return b.store.Batch(func(tx *Batch) error {
			return tx.Remember(Message{ID: msgID, Epoch: -1, Commit: id}, b.cfg.Now())
		})
	}
	return b.Ingest(Archived{Epoch: -1, ID: id, Data: data})
}

// dateBefore reports whether a message's Date is before t (unparsable
// dates count as recent).
func dateBefore(raw []byte, t time.Time) bool {
	m, err := netmail.ReadMessage(bytes.NewReader(raw[:headerEnd(raw)]))
	if err != nil {
		return false
	}
	d, err := netmail.ParseDate(m.Header.Get("Date"))
	return err == nil && d.Before(t)
}
