// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the cgo-free SQLite driver, registered as "sqlite"
)

// Store is the bot's state: one SQLite file (WAL; a committed transaction
// survives a killed process) holding each epoch's cursor,
// the messages of series not yet judged, each series and its verdict, and
// an outbox of replies with their delivery status. Everything that must
// move together (a message and the cursor that passed it; a verdict and
// its reply) is written in one transaction, so a bot killed at any point
// loses nothing and repeats nothing.
type Store struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt // prepared once (see Batch.stmt)
}

// migrations are applied in order; the schema version is their count.
var migrations = []string{
	`CREATE TABLE cursor (
		epoch INTEGER PRIMARY KEY,
		commit_id TEXT NOT NULL,
		commit_time INTEGER NOT NULL
	);
	CREATE TABLE message (
		message_id TEXT PRIMARY KEY,
		series_key TEXT,
		number INTEGER,
		epoch INTEGER NOT NULL,
		commit_id TEXT NOT NULL,
		received INTEGER NOT NULL,
		raw BLOB
	);
	CREATE INDEX message_series ON message(series_key);
	CREATE TABLE series (
		key TEXT PRIMARY KEY,
		subject TEXT NOT NULL,
		author TEXT NOT NULL,
		version INTEGER NOT NULL,
		total INTEGER NOT NULL,
		root_id TEXT NOT NULL,
		first_seen INTEGER NOT NULL,
		state TEXT NOT NULL,
		checked_at INTEGER,
		errors INTEGER,
		warnings INTEGER,
		summary TEXT
	);
	CREATE INDEX series_state ON series(state);
	CREATE TABLE outbox (
		message_id TEXT PRIMARY KEY,
		series_key TEXT NOT NULL UNIQUE,
		envelope_from TEXT NOT NULL,
		recipients TEXT NOT NULL,
		raw BLOB NOT NULL,
		state TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		last_error TEXT,
		created INTEGER NOT NULL,
		sent_at INTEGER
	);
	CREATE INDEX outbox_state ON outbox(state);`,
	`CREATE TABLE patchwork (
		message_id TEXT PRIMARY KEY,
		state TEXT NOT NULL
	);`,
	`CREATE TABLE source (
		name TEXT PRIMARY KEY,
		first_pass INTEGER NOT NULL
	);`,
	// When a reply last went to "sending": an interrupted delivery is
	// held until the archive had time to show it.
	`ALTER TABLE outbox ADD COLUMN attempt_at INTEGER;`,
	// Grace runs from the mails' dates (started); a series whose judging
	// failed waits next_try and keeps its error; a reply that could not
	// be delivered waits next_try; an unreadable message is recorded.
	`ALTER TABLE series ADD COLUMN started INTEGER;
	UPDATE series SET started = first_seen;
	ALTER TABLE series ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE series ADD COLUMN next_try INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE series ADD COLUMN last_error TEXT;
	ALTER TABLE series ADD COLUMN reply TEXT;
	ALTER TABLE outbox ADD COLUMN next_try INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX series_open ON series(state, next_try);
	CREATE TABLE skipped (
		epoch INTEGER NOT NULL,
		commit_id TEXT NOT NULL,
		blob TEXT,
		reason TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (epoch, commit_id)
	);`,
	// The raw mail of open series lives apart from the message rows that
	// stay for deduplication: a deleted row frees its pages, a blob set
	// to NULL in place left most of the file as half-empty pages.
	`CREATE TABLE mailbody (
		message_id TEXT PRIMARY KEY,
		series_key TEXT NOT NULL,
		data BLOB NOT NULL
	);
	CREATE INDEX mailbody_series ON mailbody(series_key);
	INSERT INTO mailbody (message_id, series_key, data)
		SELECT message_id, series_key, raw FROM message WHERE raw IS NOT NULL AND series_key IS NOT NULL;
	UPDATE message SET raw = NULL WHERE raw IS NOT NULL;`,
	// When the archive last got a part of the series: a long replay
	// judges a series on its way only once the archive has moved past
	// that by the grace time.
	`ALTER TABLE series ADD COLUMN last_arrival INTEGER NOT NULL DEFAULT 0;
	UPDATE series SET last_arrival = first_seen;`,
	// One bot follows several lists: each list's cursors are its own,
	// keyed by the list's identity (kind and absolute path). The cursors
	// of a state made for one list stay in "cursor" until the inbox they
	// belong to adopts them (AdoptCursors).
	`CREATE TABLE list_cursor (
		list TEXT NOT NULL,
		epoch INTEGER NOT NULL,
		commit_id TEXT NOT NULL,
		commit_time INTEGER NOT NULL,
		PRIMARY KEY (list, epoch)
	);`,
	// The past of a file source (its mail before the bot followed it, or
	// before --since) is remembered as that list's alone: the same mail
	// arriving through another list is still new there.
	`CREATE TABLE past (
		list TEXT NOT NULL,
		message_id TEXT NOT NULL,
		PRIMARY KEY (list, message_id)
	);`,
	// The lists each series came through, so that bot status counts per
	// list and a series is judged by the policies of the lists it was
	// sent to. A state that read one list only can say where its series
	// came from; one that read several cannot, and its older series stay
	// of no list (status shows them apart). Legacy cursors name no list,
	// so such a state is left alone too.
	`CREATE TABLE series_list (
		series_key TEXT NOT NULL,
		list TEXT NOT NULL,
		PRIMARY KEY (series_key, list)
	);
	CREATE INDEX series_list_list ON series_list(list);
	INSERT INTO series_list (series_key, list)
		SELECT s.key, l.name FROM series s,
			(SELECT list AS name FROM list_cursor UNION SELECT name FROM source) l
		WHERE (SELECT count(*) FROM (SELECT list FROM list_cursor UNION SELECT name FROM source)) = 1
			AND NOT EXISTS (SELECT 1 FROM cursor);`,
}

// OpenStore opens (creating when needed) the state file and migrates it.
func OpenStore(path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db}
	if err := s.autoVacuum(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range batchQueries {
		st, err := db.Prepare(q)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
		s.stmts[q] = st
	}
	return s, nil
}

// autoVacuum turns on incremental vacuum: the raw mail of judged series is
// dropped, and without it the file would keep the space as free pages
// forever. A state file made before needs one full VACUUM to switch.
func (s *Store) autoVacuum() error {
	var mode int
	if err := s.db.QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return err
	}
	if mode == 2 {
		return nil
	}
	if _, err := s.db.Exec(`PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return err
	}
	_, err := s.db.Exec(`VACUUM`)
	return err
}

// Reclaim returns the free pages of the state file to the file system.
func (s *Store) Reclaim() error {
	_, err := s.db.Exec(`PRAGMA incremental_vacuum`)
	return err
}

// Close closes the store.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.db.Close()
}

func (s *Store) migrate() error {
	if _, err := s.db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.db.Exec(`INSERT INTO schema_version VALUES (0)`); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this kfunccheck (%d)", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in one transaction.
func (s *Store) tx(fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Cursor is where the bot stopped in one epoch of one list.
type Cursor struct {
	List   string // the list's identity (see List.ID)
	Epoch  int
	Commit string
	Time   time.Time
}

// Cursors returns a list's stored cursors by epoch.
func (s *Store) Cursors(list string) (map[int]Cursor, error) {
	return s.cursors(`SELECT ?, epoch, commit_id, commit_time FROM list_cursor WHERE list = ?`, list, list)
}

func (s *Store) cursors(query string, args ...any) (map[int]Cursor, error) {
	rows, err := s.db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]Cursor{}
	for rows.Next() {
		var c Cursor
		var t int64
		if err := rows.Scan(&c.List, &c.Epoch, &c.Commit, &t); err != nil {
			return nil, err
		}
		c.Time = time.Unix(t, 0)
		out[c.Epoch] = c
	}
	return out, rows.Err()
}

// LegacyCursors returns the cursors of a state file written when the bot
// followed one inbox, not yet adopted by a list.
func (s *Store) LegacyCursors() (map[int]Cursor, error) {
	return s.cursors(`SELECT '', epoch, commit_id, commit_time FROM cursor`)
}

// AdoptCursors makes the legacy cursors a list's own, in one transaction:
// they are moved, so that no other list can take them too.
func (s *Store) AdoptCursors(list string) error {
	return s.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO list_cursor (list, epoch, commit_id, commit_time)
			SELECT ?, epoch, commit_id, commit_time FROM cursor`, list); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM cursor`)
		return err
	})
}

func setCursor(tx *sql.Tx, c Cursor) error {
	_, err := tx.Exec(qCursor, c.List, c.Epoch, c.Commit, c.Time.Unix())
	return err
}

// SetCursor records a cursor on its own (the starting tip of a first run).
func (s *Store) SetCursor(c Cursor) error {
	return s.tx(func(tx *sql.Tx) error { return setCursor(tx, c) })
}

// SeriesLists returns the lists a series came through, by List.ID.
func (s *Store) SeriesLists(key string) ([]string, error) {
	rows, err := s.db.Query(`SELECT list FROM series_list WHERE series_key = ? ORDER BY list`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
