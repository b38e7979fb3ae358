// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"database/sql"
	"fmt"
	"os"
	"sort"
	"time"
)

// Status is what a state file says about the bot's work: series and
// replies by state, and how far each list has been read.
type Status struct {
	// Series counts series by state ("open": waiting for parts or its
	// grace time; the others are judged).
	Series map[string]int `json:"series"`
	// Replies counts replies by delivery state: pending, sending, sent,
	// failed.
	Replies map[string]int `json:"replies"`
	// Skipped counts archive messages that could not be read.
	Skipped int `json:"skipped"`
	// Lists are the lists the state has read, with their positions.
	Lists []ListPosition `json:"lists"`
	// ByList counts each list's series and their replies (see
	// ListCounts); a series sent to two lists counts on both.
	ByList []ListCounts `json:"by_list"`
}

// UnknownList names, in ListCounts, the series of no recorded list: those
// of a state written by a kfunccheck that did not record lists, when that
// state had read more than one list (or named its one inbox by no path),
// so that where they came from cannot be told.
const UnknownList = "(unknown list)"

// ListCounts is one list's work: the series that came through it by
// state (open: waiting for parts or their grace time; checked; abandoned:
// judging failed for good) and their replies by delivery state (pending
// and sending: pending delivery; sent or written; failed).
type ListCounts struct {
	List    string         `json:"list"`
	Series  map[string]int `json:"series"`
	Replies map[string]int `json:"replies"`
}

// countByList counts series and replies per list. A state not migrated
// yet (status opens it read only) has no lists recorded: all its series
// are of UnknownList.
func countByList(db *sql.DB) ([]ListCounts, error) {
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'series_list'`).Scan(&n); err != nil {
		return nil, err
	}
	q := `SELECT coalesce(l.list, ''), s.state, coalesce(o.state, ''), count(*) FROM series s
		LEFT JOIN series_list l ON l.series_key = s.key
		LEFT JOIN outbox o ON o.series_key = s.key
		GROUP BY 1, 2, 3`
	if n == 0 {
		q = `SELECT '', s.state, coalesce(o.state, ''), count(*) FROM series s
		LEFT JOIN outbox o ON o.series_key = s.key
		GROUP BY 1, 2, 3`
	}
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byName := map[string]*ListCounts{}
	var out []ListCounts
	for rows.Next() {
		var list, series, reply string
		var n int
		if err := rows.Scan(&list, &series, &reply, &n); err != nil {
			return nil, err
		}
		if list == "" {
			list = UnknownList
		}
		c := byName[list]
		if c == nil {
			c = &ListCounts{List: list, Series: map[string]int{}, Replies: map[string]int{}}
			byName[list] = c
		}
		c.Series[series] += n
		if reply != "" {
			c.Replies[reply] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].List < out[j].List })
	return out, nil
}

// ListCounts counts each list's series and replies, as bot status shows
// them: the log of a pass says the same.
func (s *Store) ListCounts() ([]ListCounts, error) {
	return countByList(s.db)
}

// ListPosition is how far one list has been read: an inbox epoch's
// cursor (the commit and its time), or, for an mbox or Maildir, when its
// first pass was done (FirstPass; such a list is read whole every pass).
type ListPosition struct {
	List      string    `json:"list"`
	Epoch     int       `json:"epoch"`
	Commit    string    `json:"commit,omitempty"`
	Time      time.Time `json:"time"`
	FirstPass bool      `json:"first_pass,omitempty"`
}

// ReadStatus reads a state file without changing it (it is opened read
// only, so that a running bot is not disturbed and a mistyped path is
// not created).
func ReadStatus(path string) (Status, error) {
	if _, err := os.Stat(path); err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	defer db.Close()
	st := Status{Series: map[string]int{}, Replies: map[string]int{}}
	byState := func(table string, into map[string]int) error {
		rows, err := db.Query(`SELECT state, count(*) FROM ` + table + ` GROUP BY state`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			into[s] = n
		}
		return rows.Err()
	}
	if err := byState("series", st.Series); err != nil {
		return Status{}, fmt.Errorf("state %s: not a kfunccheck bot state: %w", path, err)
	}
	if err := byState("outbox", st.Replies); err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM skipped`).Scan(&st.Skipped); err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	if st.ByList, err = countByList(db); err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	rows, err := db.Query(`SELECT list, epoch, commit_id, commit_time FROM list_cursor
		UNION ALL SELECT '(single-list state)', epoch, commit_id, commit_time FROM cursor
		UNION ALL SELECT name, -1, '', first_pass FROM source`)
	if err != nil {
		return Status{}, fmt.Errorf("state %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p ListPosition
		var t int64
		if err := rows.Scan(&p.List, &p.Epoch, &p.Commit, &t); err != nil {
			return Status{}, err
		}
		if p.Epoch < 0 {
			// A file source: only when its first pass was done.
			p.Epoch, p.FirstPass = 0, true
		}
		p.Time = time.Unix(t, 0).UTC()
		st.Lists = append(st.Lists, p)
	}
	if err := rows.Err(); err != nil {
		return Status{}, err
	}
	sort.SliceStable(st.Lists, func(i, j int) bool {
		if st.Lists[i].List != st.Lists[j].List {
			return st.Lists[i].List < st.Lists[j].List
		}
		return st.Lists[i].Epoch < st.Lists[j].Epoch
	})
	return st, nil
}
