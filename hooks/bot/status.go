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
