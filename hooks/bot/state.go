// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"database/sql"
	"errors"
	"time"
)

// This file holds the Store's operations, one per step of the bot: a
// message is recorded (remembered, skipped, or added to a series), a
// series is opened, found ready, closed with its verdict or failed and
// retried; a reply is queued, claimed for delivery and finished. The bot's
// logic calls these and never writes SQL itself.

// The statements of recording a message, prepared when the store opens.
const (
	qSeen   = `SELECT coalesce(series_key, '') FROM message WHERE message_id = ?`
	qCursor = `INSERT INTO list_cursor (list, epoch, commit_id, commit_time) VALUES (?, ?, ?, ?)
		ON CONFLICT(list, epoch) DO UPDATE SET commit_id = excluded.commit_id, commit_time = excluded.commit_time`
	qRemember    = `INSERT OR IGNORE INTO message (message_id, epoch, commit_id, received) VALUES (?, ?, ?, ?)`
	qSeriesState = `SELECT state FROM series WHERE key = ?`
	qSeriesNew   = `INSERT INTO series (key, subject, author, version, total, root_id, first_seen, started, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`
	qSeriesRoot  = `UPDATE series SET subject = ?, root_id = ? WHERE key = ?`
	qSeriesTimes = `UPDATE series SET started = min(started, ?), last_arrival = max(last_arrival, ?) WHERE key = ?`
	qMessage     = `INSERT INTO message (message_id, series_key, number, epoch, commit_id, received)
		VALUES (?, ?, ?, ?, ?, ?)`
	qMailbody = `INSERT INTO mailbody (message_id, series_key, data) VALUES (?, ?, ?)`
	qPast     = `INSERT OR IGNORE INTO past (list, message_id) VALUES (?, ?)`
	qPastSeen = `SELECT count(*) FROM past WHERE list = ? AND message_id = ?`
	qOnList   = `INSERT OR IGNORE INTO series_list (series_key, list) VALUES (?, ?)`
)

var batchQueries = []string{qSeen, qCursor, qRemember, qSeriesState, qSeriesNew, qSeriesRoot, qSeriesTimes, qMessage, qMailbody, qPast, qPastSeen, qOnList}

// OnList records that a series came through a list (a series sent to two
// lists, or whose parts came through two, is on both). It is what bot
// status counts per list, and what picks the policies a series is judged
// by.
func (b *Batch) OnList(series, list string) error {
	if series == "" || list == "" {
		return nil
	}
	return b.exec(qOnList, series, list)
}

// RememberPast records a message of a list's past: never judged when
// that list shows it again, still new when another list brings it.
func (b *Batch) RememberPast(list, msgID string) error {
	return b.exec(qPast, list, msgID)
}

// InPast reports whether a Message-ID is of a list's past.
func (b *Batch) InPast(list, msgID string) (bool, error) {
	var n int
	err := b.queryRow(qPastSeen, []any{list, msgID}, &n)
	return n > 0, err
}

// Batch is a group of messages recorded in one transaction with the
// cursor that passed them: a bot killed mid-batch resumes before it.
type Batch struct {
	s  *Store
	tx *sql.Tx
}

// Batch runs fn in one transaction.
func (s *Store) Batch(fn func(*Batch) error) error {
	return s.tx(func(tx *sql.Tx) error { return fn(&Batch{s, tx}) })
}

// stmt returns the statement of the transaction for query: prepared once
// when the store opened (see batchQueries), since every archived message
// runs the same few statements and preparing them anew cost as much as
// running them. A query not prepared then is prepared in the transaction
// (never on the database: its one connection is the transaction's).
func (b *Batch) stmt(query string) (*sql.Stmt, error) {
	if st, ok := b.s.stmts[query]; ok {
		return b.tx.Stmt(st), nil
	}
	return b.tx.Prepare(query)
}

func (b *Batch) exec(query string, args ...any) error {
	st, err := b.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.Exec(args...)
	return err
}

func (b *Batch) queryRow(query string, args []any, dest ...any) error {
	st, err := b.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRow(args...).Scan(dest...)
}

// SetCursor moves a list's cursor in an epoch.
func (b *Batch) SetCursor(c Cursor) error {
	return b.exec(qCursor, c.List, c.Epoch, c.Commit, c.Time.Unix())
}

// Seen reports whether a Message-ID was recorded before.
func (b *Batch) Seen(msgID string) (bool, error) {
	_, seen, err := b.SeenIn(msgID)
	return seen, err
}

// SeenIn reports whether a Message-ID was recorded before, and the series
// it belongs to ("" for none): a repeat arriving through another list
// still puts its series on that list.
func (b *Batch) SeenIn(msgID string) (series string, seen bool, err error) {
	err = b.queryRow(qSeen, []any{msgID}, &series)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return series, err == nil, err
}

// Message is one message as the store records it.
type Message struct {
	ID     string
	Epoch  int
	Commit string
	// Dated is when the mail was written, as far as the bot believes it:
	// its Date, but never later than its arrival.
	Dated time.Time
	// Arrived is when the archive got it (its commit time), or when the
	// bot read it.
	Arrived time.Time
	// Series and Number place a patch or cover letter; Raw is its mail.
	Series string
	Number int
	Raw    []byte
}

// Remember records a message without its content: replies and reviews,
// so that repeats are ignored and the bot's own replies prove delivery.
func (b *Batch) Remember(m Message, now time.Time) error {
	return b.exec(qRemember,
		m.ID, m.Epoch, m.Commit, now.Unix())
}

// Skip records a message that could not be read, with why.
func (b *Batch) Skip(epoch int, commit, blob, reason string, now time.Time) error {
	_, err := b.tx.Exec(`INSERT INTO skipped (epoch, commit_id, blob, reason, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (epoch, commit_id) DO UPDATE SET reason = excluded.reason, at = excluded.at`, epoch, commit, blob, reason, now.Unix())
	return err
}

// SeriesHead is what a series is known by before it is judged.
type SeriesHead struct {
	Key, Subject, Author, Root string
	Version, Total             int
	// Started is when its grace time began: the earliest Dated of its
	// messages.
	Started time.Time
}

// OpenSeries returns the state of a series ("open", "checked", ...),
// creating it open when it is new.
func (b *Batch) OpenSeries(h SeriesHead, now time.Time) (string, error) {
	var state string
	err := b.queryRow(qSeriesState, []any{h.Key}, &state)
	if errors.Is(err, sql.ErrNoRows) {
		err = b.exec(qSeriesNew, h.Key, h.Subject, h.Author, h.Version, h.Total, h.Root, now.Unix(), h.Started.Unix())
		return "open", err
	}
	return state, err
}

// AddToSeries records a message of an open series. A cover letter, or
// patch 1 when it is the thread root, becomes the series' root (the mail
// the reply answers); a message dated earlier moves the grace start back.
func (b *Batch) AddToSeries(m Message, subject string, root bool, now time.Time) error {
	if root {
		if err := b.exec(qSeriesRoot, subject, m.ID, m.Series); err != nil {
			return err
		}
	}
	if err := b.exec(qSeriesTimes,
		m.Dated.Unix(), m.Arrived.Unix(), m.Series); err != nil {
		return err
	}
	if err := b.exec(qMessage, m.ID, m.Series, m.Number, m.Epoch, m.Commit, now.Unix()); err != nil {
		return err
	}
	return b.exec(qMailbody, m.ID, m.Series, m.Raw)
}

// ReadySeries is an open series with what has arrived of it.
type ReadySeries struct {
	SeriesHead
	Have     int // distinct parts 1..Total present
	Messages int // messages with content
	Attempts int
}

// Ready lists the open series whose turn has come at now: complete, or
// with something to judge once their grace time has passed (counted from
// Started), and not waiting after a failure.
func (s *Store) Ready(now time.Time, grace time.Duration) ([]ReadySeries, error) {
	return s.ready(now, func(r ReadySeries, _ time.Time) bool { return now.Sub(r.Started) >= grace })
}

// ReadyBy lists, during a long read, the open series that are complete or
// whose last part arrived at least grace before the archive's time: a
// series whose mails carry old dates is not judged before the archive
// has moved past its last part.
func (s *Store) ReadyBy(archive time.Time, grace time.Duration) ([]ReadySeries, error) {
	return s.ready(archive, func(r ReadySeries, last time.Time) bool {
		return archive.Sub(last) >= grace && archive.Sub(r.Started) >= grace
	})
}

func (s *Store) ready(now time.Time, graceOver func(r ReadySeries, lastArrival time.Time) bool) ([]ReadySeries, error) {
	rows, err := s.db.Query(`SELECT s.key, s.subject, s.author, s.root_id, s.version, s.total, s.started, s.last_arrival, s.attempts,
		(SELECT count(DISTINCT number) FROM message m WHERE m.series_key = s.key AND m.number >= 1 AND m.number <= s.total),
		(SELECT count(*) FROM mailbody b WHERE b.series_key = s.key)
		FROM series s WHERE s.state = 'open' AND s.next_try <= ? ORDER BY s.started, s.key`, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReadySeries
	for rows.Next() {
		var r ReadySeries
		var started, last int64
		if err := rows.Scan(&r.Key, &r.Subject, &r.Author, &r.Root, &r.Version, &r.Total, &started, &last, &r.Attempts, &r.Have, &r.Messages); err != nil {
			return nil, err
		}
		r.Started = time.Unix(started, 0)
		complete := r.Total > 0 && r.Have >= r.Total
		if r.Messages > 0 && (complete || graceOver(r, time.Unix(last, 0))) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// StoredMessage is one message of a series as read back.
type StoredMessage struct {
	ID     string
	Number int
	Raw    []byte
}

// SeriesMessages calls fn for each message of a series with content, by
// part number then arrival; only one message is in memory at a time.
func (s *Store) SeriesMessages(key string, fn func(StoredMessage) error) error {
	rows, err := s.db.Query(`SELECT m.message_id, m.number, b.data FROM mailbody b JOIN message m ON m.message_id = b.message_id
		WHERE b.series_key = ? ORDER BY m.number, m.received, m.rowid`, key)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m StoredMessage
		if err := rows.Scan(&m.ID, &m.Number, &m.Raw); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Verdict is the outcome of judging a series.
type Verdict struct {
	Errors, Warnings int
	Summary          string
	// Reply says what became of the reply: "queued", "none" (nothing at
	// reply level), or "withheld: why".
	Reply string
}

// CloseSeries stores a verdict and its reply (nil for none) and drops the
// series' raw mail, in one transaction; the message rows stay, so that
// repeats are recognised.
func (s *Store) CloseSeries(key string, v Verdict, reply *Reply, from string, now time.Time) error {
	return s.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE series SET state = 'checked', checked_at = ?, errors = ?, warnings = ?, summary = ?, reply = ?, last_error = NULL
			WHERE key = ? AND state = 'open'`, now.Unix(), v.Errors, v.Warnings, v.Summary, v.Reply, key); err != nil {
			return err
		}
		if reply != nil {
			if _, err := tx.Exec(`INSERT INTO outbox (message_id, series_key, envelope_from, recipients, raw, state, created)
				VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
				reply.MessageID, key, from, joinRecipients(reply.Recipients), reply.Raw, now.Unix()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`DELETE FROM mailbody WHERE series_key = ?`, key)
		return err
	})
}

// maxJudgeAttempts is how often a series whose judging fails is tried
// before it is abandoned.
const maxJudgeAttempts = 6

// backoff is the wait before retry number n (1-based): 5 minutes,
// doubling, at most a day.
func backoff(n int) time.Duration {
	d := 5 * time.Minute
	for i := 1; i < n && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// FailSeries records that judging a series failed: it is tried again
// after a backoff, and abandoned (its raw mail dropped) after
// maxJudgeAttempts. It reports whether the series was abandoned.
func (s *Store) FailSeries(key string, cause error, now time.Time) (abandoned bool, err error) {
	err = s.tx(func(tx *sql.Tx) error {
		var attempts int
		if err := tx.QueryRow(`SELECT attempts FROM series WHERE key = ?`, key).Scan(&attempts); err != nil {
			return err
		}
		attempts++
		if attempts >= maxJudgeAttempts {
			abandoned = true
			if _, err := tx.Exec(`UPDATE series SET state = 'abandoned', attempts = ?, last_error = ?, checked_at = ? WHERE key = ?`,
				attempts, cause.Error(), now.Unix(), key); err != nil {
				return err
			}
			_, err := tx.Exec(`DELETE FROM mailbody WHERE series_key = ?`, key)
			return err
		}
		_, err := tx.Exec(`UPDATE series SET attempts = ?, last_error = ?, next_try = ? WHERE key = ?`,
			attempts, cause.Error(), now.Add(backoff(attempts)).Unix(), key)
		return err
	})
	return abandoned, err
}

// Delivery is one reply of the outbox.
type Delivery struct {
	ID, From   string
	Recipients []string
	State      string
	Attempts   int
	AttemptAt  time.Time // when it last went to "sending"
}

// Deliveries lists the replies to deliver at now: pending ones whose
// retry time has come, and those left "sending". Their text is not read
// (see Raw): a backlog of replies costs little memory.
func (s *Store) Deliveries(now time.Time) ([]Delivery, error) {
	rows, err := s.db.Query(`SELECT message_id, envelope_from, recipients, state, attempts, coalesce(attempt_at, 0) FROM outbox
		WHERE state = 'sending' OR state = 'pending' AND next_try <= ? ORDER BY created, message_id`, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var rcpt string
		var at int64
		if err := rows.Scan(&d.ID, &d.From, &rcpt, &d.State, &d.Attempts, &at); err != nil {
			return nil, err
		}
		d.Recipients = splitRecipients(rcpt)
		d.AttemptAt = time.Unix(at, 0)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Raw returns the text of a reply of the outbox.
func (s *Store) Raw(id string) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRow(`SELECT raw FROM outbox WHERE message_id = ?`, id).Scan(&raw)
	return raw, err
}

// Claim marks a reply "sending" before it is handed to SMTP.
func (s *Store) Claim(id string, now time.Time) error {
	return s.exec(`UPDATE outbox SET state = 'sending', attempts = attempts + 1, attempt_at = ? WHERE message_id = ?`, now.Unix(), id)
}

// Sent marks a reply delivered.
func (s *Store) Sent(id string, now time.Time) error {
	return s.exec(`UPDATE outbox SET state = 'sent', sent_at = ? WHERE message_id = ?`, now.Unix(), id)
}

// Written marks a reply written to the Maildir outbox only (no --send).
func (s *Store) Written(id string) error {
	return s.exec(`UPDATE outbox SET state = 'written' WHERE message_id = ?`, id)
}

// maxDeliveryAttempts is how often a reply is tried before it is failed.
const maxDeliveryAttempts = 8

// Retry records a failed delivery attempt: the reply waits a backoff, or
// ends "failed" after maxDeliveryAttempts, or at once when permanent. It
// returns the new state.
func (s *Store) Retry(id string, cause error, permanent bool, now time.Time) (string, error) {
	var state string
	err := s.tx(func(tx *sql.Tx) error {
		var attempts int
		if err := tx.QueryRow(`SELECT attempts FROM outbox WHERE message_id = ?`, id).Scan(&attempts); err != nil {
			return err
		}
		state = "pending"
		if permanent || attempts >= maxDeliveryAttempts {
			state = "failed"
		}
		_, err := tx.Exec(`UPDATE outbox SET state = ?, last_error = ?, next_try = ? WHERE message_id = ?`,
			state, cause.Error(), now.Add(backoff(max(attempts, 1))).Unix(), id)
		return err
	})
	return state, err
}

// Refused records recipients the server refused for good, with the
// reason, on a reply delivered to the others.
func (s *Store) Refused(id, why string) error {
	return s.exec(`UPDATE outbox SET last_error = ? WHERE message_id = ?`, why, id)
}

// InArchive reports whether a Message-ID came back through an archive
// (as new mail, or in the past of a list added since).
func (s *Store) InArchive(msgID string) (bool, error) {
	var n int
	err := s.db.QueryRow(`SELECT (SELECT count(*) FROM message WHERE message_id = ?) + (SELECT count(*) FROM past WHERE message_id = ?)`,
		msgID, msgID).Scan(&n)
	return n > 0, err
}

// SentSince counts the replies delivered after t.
func (s *Store) SentSince(t time.Time) (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM outbox WHERE state = 'sent' AND sent_at > ?`, t.Unix()).Scan(&n)
	return n, err
}

// FirstPass reports whether a file source was never read completely
// under any of its names (its identity, and the name a state written for
// one list gave it).
func (s *Store) FirstPass(names ...string) (bool, error) {
	for _, name := range names {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM source WHERE name = ?`, name).Scan(&n); err != nil || n > 0 {
			return false, err
		}
	}
	return true, nil
}

// PassDone records that a file source was read completely once; until
// then a restarted bot still treats its messages as the past.
func (s *Store) PassDone(source string, now time.Time) error {
	return s.exec(`INSERT OR IGNORE INTO source (name, first_pass) VALUES (?, ?)`, source, now.Unix())
}

// PatchworkState returns the check state last posted for a patch ("" for
// none).
func (s *Store) PatchworkState(msgID string) (string, error) {
	var state string
	err := s.db.QueryRow(`SELECT state FROM patchwork WHERE message_id = ?`, msgID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return state, err
}

// SetPatchworkState records the check state posted for a patch.
func (s *Store) SetPatchworkState(msgID, state string) error {
	return s.exec(`INSERT INTO patchwork (message_id, state) VALUES (?, ?)
		ON CONFLICT(message_id) DO UPDATE SET state = excluded.state`, msgID, state)
}

func (s *Store) exec(query string, args ...any) error {
	return s.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(query, args...)
		return err
	})
}

func joinRecipients(rs []string) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += ","
		}
		out += r
	}
	return out
}

func splitRecipients(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
