// SPDX-License-Identifier: GPL-2.0-only

// Package bot is kfunccheck's mailing-list bot: it follows a list archive
// (public-inbox v2, read with go-git; or an mbox or Maildir), groups the
// posted patches into series, checks each series version once when it is
// complete (or after a grace time), and answers the author on the list
// when the stable-kfunc process is not followed, the way the kernel test
// robot answers build failures. Its state lives in one SQLite file.
package bot

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

// Header is the header the bot sets on its replies; a mail carrying it is
// never checked nor answered (the loop guard, with the bot's own From).
const Header = "X-Kfunccheck-Bot"

// Config is everything a bot run needs.
type Config struct {
	// Check holds the policy, stable lists and baseline (--repo).
	Check patchcheck.Options
	// ReplyLevel is the lowest severity that earns a reply (error).
	ReplyLevel model.Severity
	// Grace is how long an incomplete series waits for its missing
	// patches before it is checked with what arrived.
	Grace time.Duration
	// From is the bot's address, as a mail From: header.
	From string
	// Operator says how to reach whoever runs the bot (footer).
	Operator string
	// CcAllow, when not empty, limits the Cc's copied from the original
	// to these addresses (and the list); CcDeny removes addresses.
	CcAllow, CcDeny []string
	// PerHour and PerDay cap replies (0: no cap).
	PerHour, PerDay int
	// Send delivers through SMTP; otherwise replies only go to Outbox.
	Send bool
	SMTP SMTPConfig
	// ResendAfter is how long a reply whose delivery was cut off (a
	// killed bot, a connection lost after the message was handed over)
	// waits to show up in the list archive before it is sent again.
	// SMTP cannot say whether such a reply arrived; the archive can.
	ResendAfter time.Duration
	// Outbox is a Maildir that receives every reply (for review).
	Outbox string
	// Patchwork, when set, receives one check per patch.
	Patchwork *Patchwork
	// Now is the clock (tests set it).
	Now func() time.Time
	Log io.Writer
}

// DefaultResendAfter is Config.ResendAfter when it is not set: lore shows
// a list mail within minutes.
const DefaultResendAfter = 30 * time.Minute

// Bot runs passes over an archive.
type Bot struct {
	cfg   Config
	store *Store
	addr  string // the bot's own address, lower case
}

// New returns a bot over an open store.
func New(cfg Config, store *Store) (*Bot, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Grace == 0 {
		cfg.Grace = 6 * time.Hour
	}
	if cfg.ResendAfter == 0 {
		cfg.ResendAfter = DefaultResendAfter
	}
	a, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("bot address %q: %w", cfg.From, err)
	}
	return &Bot{cfg: cfg, store: store, addr: strings.ToLower(a.Address)}, nil
}

func (b *Bot) logf(format string, args ...any) {
	fmt.Fprintf(b.cfg.Log, "kfunccheck bot: "+format+"\n", args...)
}

// role says what an archived message is to the bot.
type role int

const (
	roleOther role = iota // replies, reviews, mail without a patch
	roleBot               // the bot's own mail
	roleCover             // a series cover letter
	rolePatch             // a patch
)

func (b *Bot) classify(p *model.Patch, raw []byte) role {
	from := strings.ToLower(p.Header.From)
	if a, err := netmail.ParseAddress(p.Header.From); err == nil {
		from = strings.ToLower(a.Address)
	}
	if from == b.addr || hasHeader(raw, Header) {
		return roleBot
	}
	switch {
	case p.Subject.Reply:
		return roleOther
	case p.Subject.IsCover() && !p.HasDiff():
		return roleCover
	case p.HasDiff():
		return rolePatch
	}
	return roleOther
}

// hasHeader looks for a header field in the raw header block, which ends
// at the first empty line (LF or CRLF mail).
func hasHeader(raw []byte, name string) bool {
	hdr := strings.ReplaceAll(string(raw), "\r\n", "\n")
	hdr, _, _ = strings.Cut(hdr, "\n\n")
	for _, l := range strings.Split(hdr, "\n") {
		if len(l) > len(name) && strings.EqualFold(l[:len(name)+1], name+":") {
			return true
		}
	}
	return false
}

// seriesKey is the thread root and the version: patches of a series reply
// to its cover letter (or to patch 1), and a v2 posted in v1's thread is
// still a series of its own.
func seriesKey(p *model.Patch, msgID string) (key, root string) {
	root = msgID
	switch {
	case len(p.Header.References) > 0:
		root = p.Header.References[0]
	case p.Header.InReplyTo != "":
		root = p.Header.InReplyTo
	}
	return fmt.Sprintf("%s#v%d", root, p.Subject.Version), root
}

// Ingest records one archived message, and moves the epoch's cursor past
// it, in one transaction.
func (b *Bot) Ingest(m Archived) error { return b.IngestBatch([]Archived{m}) }

// IngestBatch records messages in order in one transaction, the cursor
// moving with them: a bot killed mid-batch resumes before the batch.
func (b *Bot) IngestBatch(ms []Archived) error {
	parsed := make([]*model.Patch, len(ms))
	raws := make([]*mail.Raw, len(ms))
	for i, m := range ms {
		raws[i] = mail.NewRaw(m.Data)
		parsed[i] = mail.Parse(raws[i], "archive", 1)
	}
	return b.store.tx(func(tx *sql.Tx) error {
		for i, m := range ms {
			if err := b.ingest(tx, m, parsed[i], raws[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Bot) ingest(tx *sql.Tx, m Archived, p *model.Patch, raw *mail.Raw) error {
	msgID := p.Header.MessageID
	if msgID == "" {
		msgID = "kfunccheck-nomsgid-" + m.ID
	}
	r := b.classify(p, raw.Data)
	now := b.cfg.Now()
	if m.Cursor != nil {
		if err := setCursor(tx, *m.Cursor); err != nil {
			return err
		}
	}
	var seen int
	if err := tx.QueryRow(`SELECT count(*) FROM message WHERE message_id = ?`, msgID).Scan(&seen); err != nil {
		return err
	}
	if seen > 0 || m.Deleted {
		return nil
	}
	if r == roleOther || r == roleBot {
		// Remembered (without content) so that the bot's own replies
		// prove delivery and repeats are ignored.
		_, err := tx.Exec(`INSERT INTO message (message_id, epoch, commit_id, received) VALUES (?, ?, ?, ?)`,
			msgID, m.Epoch, m.ID, now.Unix())
		return err
	}
	key, root := seriesKey(p, msgID)
	total, number := p.Subject.Total, p.Subject.Number
	if r == rolePatch && total == 0 {
		// A lone patch is a series of one, rooted at itself.
		key, root, total, number = fmt.Sprintf("%s#v%d", msgID, p.Subject.Version), msgID, 1, 1
	}
	var state string
	err := tx.QueryRow(`SELECT state FROM series WHERE key = ?`, key).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO series (key, subject, author, version, total, root_id, first_seen, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`, key, p.Subject.Raw, p.Header.From, p.Subject.Version, total, root, now.Unix()); err != nil {
			return err
		}
	case err != nil:
		return err
	case state != "open":
		b.logf("%s arrived after its series was judged; ignored", msgID)
		_, err := tx.Exec(`INSERT INTO message (message_id, epoch, commit_id, received) VALUES (?, ?, ?, ?)`,
			msgID, m.Epoch, m.ID, now.Unix())
		return err
	}
	if r == roleCover || number == 1 && root == msgID {
		// The reply goes to the cover letter, or to patch 1.
		if _, err := tx.Exec(`UPDATE series SET subject = ?, root_id = ? WHERE key = ? AND (? OR root_id = ?)`,
			p.Subject.Raw, msgID, key, r == roleCover, msgID); err != nil {
			return err
		}
	}
	_, err = tx.Exec(`INSERT INTO message (message_id, series_key, number, epoch, commit_id, received, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, msgID, key, number, m.Epoch, m.ID, now.Unix(), m.Data)
	return err
}

// Archived is one message as a source hands it over.
type Archived struct {
	Epoch   int
	ID      string // commit id, or a position in an mbox or Maildir
	Data    []byte
	Deleted bool
	// Cursor, when set, is stored with the message.
	Cursor *Cursor
}

// pendingSeries is a series ready to judge.
type pendingSeries struct {
	key, subject, author, root string
	version, total             int
	firstSeen                  time.Time
}

// ready lists open series that are complete or whose grace time is over.
func (b *Bot) ready() ([]pendingSeries, error) {
	rows, err := b.store.db.Query(`SELECT s.key, s.subject, s.author, s.root_id, s.version, s.total, s.first_seen,
		(SELECT count(DISTINCT number) FROM message m WHERE m.series_key = s.key AND m.number >= 1 AND m.number <= s.total)
		FROM series s WHERE s.state = 'open' ORDER BY s.first_seen, s.key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingSeries
	now := b.cfg.Now()
	for rows.Next() {
		var s pendingSeries
		var first int64
		var have int
		if err := rows.Scan(&s.key, &s.subject, &s.author, &s.root, &s.version, &s.total, &first, &have); err != nil {
			return nil, err
		}
		s.firstSeen = time.Unix(first, 0)
		complete := s.total > 0 && have >= s.total
		if complete || now.Sub(s.firstSeen) >= b.cfg.Grace && have > 0 {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// Judge checks every ready series once: its verdict, and its reply when
// the findings call for one, are stored in one transaction.
func (b *Bot) Judge() (int, error) {
	list, err := b.ready()
	if err != nil {
		return 0, err
	}
	for _, s := range list {
		if err := b.judge(s); err != nil {
			return 0, fmt.Errorf("series %s: %w", s.key, err)
		}
	}
	return len(list), nil
}

func (b *Bot) judge(s pendingSeries) error {
	rows, err := b.store.db.Query(`SELECT message_id, number, raw FROM message WHERE series_key = ? AND raw IS NOT NULL ORDER BY number, received`, s.key)
	if err != nil {
		return err
	}
	series := &model.Series{Source: s.key, Version: s.version}
	var root *model.Patch
	have := map[int]bool{}
	for rows.Next() {
		var id string
		var n int
		var data []byte
		if err := rows.Scan(&id, &n, &data); err != nil {
			rows.Close()
			return err
		}
		p := mail.Parse(mail.NewRaw(data), id, n)
		if id == s.root {
			root = p
		}
		if n == 0 {
			series.Cover = p
			continue
		}
		if have[n] {
			continue
		}
		have[n] = true
		series.Patches = append(series.Patches, p)
	}
	rows.Close()
	var missing []int
	for i := 1; i <= s.total; i++ {
		if !have[i] {
			missing = append(missing, i)
		}
	}
	results := patchcheck.CheckSeries(series, b.cfg.Check)
	var n report.Counts
	var reported []*patchcheck.Result
	for _, r := range results {
		bad := false
		for _, f := range r.Findings {
			n.Add(f)
			bad = bad || f.Severity.AtLeast(b.cfg.ReplyLevel)
		}
		if bad {
			reported = append(reported, r)
		}
	}
	errs, warns := n.Errors, n.Warnings
	var reply *Reply
	if len(reported) > 0 && root != nil {
		reply = b.compose(s, root, series, reported, missing)
	}
	summary := fmt.Sprintf("%d errors, %d warnings in %d patches", errs, warns, len(results))
	if len(missing) > 0 {
		summary += fmt.Sprintf("; missing %v", missing)
	}
	b.logf("checked %q: %s", s.subject, summary)
	if b.cfg.Patchwork != nil {
		for _, r := range results {
			if err := b.cfg.Patchwork.Report(b.store, r, b.cfg.ReplyLevel); err != nil {
				b.logf("patchwork: %v", err)
			}
		}
	}
	return b.store.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE series SET state = 'checked', checked_at = ?, errors = ?, warnings = ?, summary = ? WHERE key = ? AND state = 'open'`,
			b.cfg.Now().Unix(), errs, warns, summary, s.key); err != nil {
			return err
		}
		if reply != nil {
			if _, err := tx.Exec(`INSERT INTO outbox (message_id, series_key, envelope_from, recipients, raw, state, created)
				VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
				reply.MessageID, s.key, b.addr, strings.Join(reply.Recipients, ","), reply.Raw, b.cfg.Now().Unix()); err != nil {
				return err
			}
		}
		// The raw mail is no longer needed; the rows stay for dedupe.
		_, err := tx.Exec(`UPDATE message SET raw = NULL WHERE series_key = ?`, s.key)
		return err
	})
}
