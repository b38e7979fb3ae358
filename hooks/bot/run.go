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
	return nil
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
			return fmt.Errorf("inbox %s: epoch %d: %w", src.Inbox, n, err)
		}
		err = b.readEpoch(ep, n, cursors, firstRun, src)
		ep.Close()
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
		if err != nil || tip == "" {
			return err
		}
		b.logf("epoch %d: first run, starting at %s", n, tip)
		return b.store.SetCursor(Cursor{Epoch: n, Commit: tip, Time: when})
	}
	// Messages go to the store in batches, each with its cursor, so that
	// a long backlog costs few transactions and a kill loses no message.
	var batch []Archived
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := b.IngestBatch(batch)
		batch = batch[:0]
		return err
	}
	ingest := func(m gitrepo.InboxMessage) error {
		batch = append(batch, Archived{Epoch: n, ID: m.Commit, Data: m.Data, Deleted: m.Deleted,
			Cursor: &Cursor{Epoch: n, Commit: m.Commit, Time: m.Time}})
		if len(batch) >= ingestBatch {
			return flush()
		}
		return nil
	}
	err := ep.Walk(cur.Commit, src.Since, ingest)
	if errors.Is(err, gitrepo.ErrCursorLost) {
		// History was rewritten (mail purged): resync from the cursor's
		// date; messages already seen are recognised by Message-ID.
		b.logf("epoch %d: %v; resyncing from %s", n, err, cur.Time.Format(time.RFC3339))
		err = ep.Walk("", cur.Time.Add(-time.Minute), ingest)
	}
	if err != nil {
		return err
	}
	return flush()
}

// ingestBatch is how many archived messages share one transaction.
const ingestBatch = 256

// readMbox reads an mbox file each pass; Message-IDs make repeats harmless.
func (b *Bot) readMbox(src Source) error {
	f, err := os.Open(src.Mbox)
	if err != nil {
		return err
	}
	defer f.Close()
	name := "mbox:" + src.Mbox
	first, err := b.firstPass(name)
	if err != nil {
		return err
	}
	sp := mail.NewSplitter(f, 0)
	for i := 0; ; i++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("mbox %s: %w", src.Mbox, err)
		}
		if err := b.ingestFile(fmt.Sprintf("mbox:%d", i), raw, first, src); err != nil {
			return err
		}
	}
	return b.passDone(name)
}

// readMaildir reads new/ and cur/ of a Maildir in name order.
func (b *Bot) readMaildir(src Source) error {
	source := "maildir:" + src.Maildir
	first, err := b.firstPass(source)
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
			return err
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
	return b.passDone(source)
}

// ingestFile ingests a message of an mbox or Maildir. On the first pass
// over such a source, without --since, messages are only remembered, not
// judged: the bot starts at the present.
func (b *Bot) ingestFile(id string, raw *mail.Raw, first bool, src Source) error {
	data := raw.Data
	if raw.FromLine != "" {
		data = append([]byte(raw.FromLine+"\n"), data...)
	}
	p := mail.Parse(raw, id, 1)
	if (first && src.Since.IsZero()) || (!src.Since.IsZero() && dateBefore(p.Header.Date, src.Since)) {
		sum := sha256.Sum256(data)
		msgID := p.Header.MessageID
		if msgID == "" {
			msgID = "kfunccheck-nomsgid-" + hex.EncodeToString(sum[:12])
		}
		_, err := b.store.db.Exec(`INSERT OR IGNORE INTO message (message_id, epoch, commit_id, received) VALUES (?, -1, ?, ?)`,
			msgID, id, b.cfg.Now().Unix())
		return err
	}
	return b.Ingest(Archived{Epoch: -1, ID: id, Data: data})
}

// firstPass reports whether a file source was never read completely.
func (b *Bot) firstPass(source string) (bool, error) {
	var n int
	err := b.store.db.QueryRow(`SELECT count(*) FROM source WHERE name = ?`, source).Scan(&n)
	return n == 0, err
}

// passDone records that a file source was read completely once; until then
// a restarted bot still treats its messages as the past.
func (b *Bot) passDone(source string) error {
	_, err := b.store.db.Exec(`INSERT OR IGNORE INTO source (name, first_pass) VALUES (?, ?)`, source, b.cfg.Now().Unix())
	return err
}

// dateBefore reports whether a Date header is before t (unparsable dates
// count as recent).
func dateBefore(date string, t time.Time) bool {
	d, err := netmail.ParseDate(date)
	return err == nil && d.Before(t)
}
