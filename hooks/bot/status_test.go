// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadStatus: after passes over an inbox and an mbox, the status read
// from the state file counts the series the test posted (one still open
// within its grace time), places the inbox at its tip and the mbox as a
// file source, and leaves a missing state file uncreated.
func TestReadStatus(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	tb := newTestBot(t, state)
	tb.now = a.clock.Add(5 * time.Minute)
	mbox := filepath.Join(dir, "list.mbox")
	if err := os.WriteFile(mbox, []byte("From x@y Mon Mar  2 10:00:00 2026\n"+review("old@x", "none@x", "[PATCH] old")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := Source{Lists: []List{{Kind: "inbox", Path: a.dir}, {Kind: "mbox", Path: mbox}}}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	a.add(0, mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""))
	a.add(0, mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""))
	tip := a.add(0, mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "bad@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}

	st, err := ReadStatus(state)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range st.Series {
		total += n
	}
	// The single patch, judged, and the deprecate-then-remove series,
	// whose 2/2 has not arrived (reviews are no series; the mbox's mail
	// is its past).
	if total != 2 || st.Series["open"] != 1 {
		t.Errorf("series %v, want 2 with 1 open", st.Series)
	}
	var sawInbox, sawMbox bool
	for _, l := range st.Lists {
		switch l.List {
		case "inbox:" + a.dir:
			sawInbox = true
			if l.Commit != tip.String() || l.FirstPass {
				t.Errorf("inbox at %s, want the archive's tip %s", l.Commit, tip)
			}
		case "mbox:" + mbox:
			sawMbox = l.FirstPass
		}
	}
	if !sawInbox || !sawMbox {
		t.Errorf("lists %+v: want the inbox at its tip and the mbox's first pass", st.Lists)
	}

	missing := filepath.Join(dir, "typo.db")
	if _, err := ReadStatus(missing); err == nil {
		t.Error("a missing state file was read")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("reading the status created the state file")
	}
}

// TestStatusPerList: after passes over two inboxes, status counts each
// list's series and replies: a series Cc'd to both lists counts on both
// (it is one series, judged and answered once), a series whose parts came
// through both lists too, and each list keeps its own cursor. The log of
// each pass says the same per list.
func TestStatusPerList(t *testing.T) {
	a, b := newArchive(t), newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	b.add(0, review("startB@x", "none@x", "[PATCH] start"))
	state := filepath.Join(t.TempDir(), "state.db")
	tb := newTestBot(t, state)
	tb.now = a.clock.Add(5 * time.Minute)
	var log strings.Builder
	tb.cfg.Log = &log
	src := Source{Lists: []List{{Kind: "inbox", Path: a.dir}, {Kind: "inbox", Path: b.dir}}}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	shared := onLists(mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "shared@x", "", ""), true, true)
	a.add(0, shared)
	b.add(0, shared)
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "onA@x", "", ""))
	b.add(0, onLists(mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "onB@x", "", ""), false, true))
	// A series within its grace time: its cover letter through A, its
	// first patch through B.
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	tipA := a.add(0, onLists(mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""), true, true))
	b.add(0, onLists(mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""), true, true))
	tipB := b.add(0, review("rB@x", "onB@x", "[PATCH] x"))
	log.Reset()
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if r := tb.replies(t); len(r) != 3 {
		t.Fatalf("replies to %v, want shared@x, onA@x and onB@x", keys(r))
	}
	st, err := ReadStatus(state)
	if err != nil {
		t.Fatal(err)
	}
	idA, idB := List{Kind: "inbox", Path: a.dir}.ID(), List{Kind: "inbox", Path: b.dir}.ID()
	want := []ListCounts{
		{List: idA, Series: map[string]int{"checked": 2, "open": 1}, Replies: map[string]int{"written": 2}},
		{List: idB, Series: map[string]int{"checked": 2, "open": 1}, Replies: map[string]int{"written": 2}},
	}
	if idB < idA {
		want[0], want[1] = want[1], want[0]
	}
	if fmt.Sprint(st.ByList) != fmt.Sprint(want) {
		t.Errorf("per list %+v\nwant %+v", st.ByList, want)
	}
	if st.Series["checked"] != 3 || st.Series["open"] != 1 || st.Replies["written"] != 3 {
		t.Errorf("in all: series %v, replies %v; want 3 checked and 1 open, 3 replies", st.Series, st.Replies)
	}
	tips := map[string]string{}
	for _, p := range st.Lists {
		tips[p.List] = p.Commit
	}
	if tips[idA] != tipA.String() || tips[idB] != tipB.String() {
		t.Errorf("cursors %v, want A at %s and B at %s", tips, tipA, tipB)
	}
	for _, l := range []string{"--inbox " + a.dir + ": 3 messages read; series: 3 (checked 2, open 1); replies: 2 (written 2)",
		"--inbox " + b.dir + ": 4 messages read; series: 3 (checked 2, open 1); replies: 2 (written 2)"} {
		if !strings.Contains(log.String(), l) {
			t.Errorf("the log does not say %q:\n%s", l, log.String())
		}
	}
}

// TestStateMigratesLists: state files written before the lists of a
// series were recorded (schema 9, by kfunccheck f747a1d; testdata, made
// with "bot once --mbox a.mbox [--mbox b.mbox] --since 2000-01-01" over
// rules/testdata patches: onA@x to list A, onB@x to B, shared@x to both)
// migrate. A state that read one list knows its series came from it; one
// that read two cannot tell, and says so (UnknownList), before and after
// the migration, while new series are counted on their lists. Status
// reads an unmigrated file without migrating it.
func TestStateMigratesLists(t *testing.T) {
	const listA = "mbox:/tmp/v10gen/a.mbox"
	for _, tt := range []struct {
		file         string
		before, want []ListCounts
		// afterPass is the old lists' counts once the shared series came
		// again through a new list: a series of an unknown list whose
		// copy arrives through a known one is counted there only.
		afterPass []ListCounts
	}{
		{"state-v9-one-list.db.gz",
			[]ListCounts{{UnknownList, map[string]int{"checked": 2}, map[string]int{"written": 2}}},
			[]ListCounts{{listA, map[string]int{"checked": 2}, map[string]int{"written": 2}}},
			[]ListCounts{{listA, map[string]int{"checked": 2}, map[string]int{"written": 2}}}},
		{"state-v9-two-lists.db.gz",
			[]ListCounts{{UnknownList, map[string]int{"checked": 3}, map[string]int{"written": 3}}},
			[]ListCounts{{UnknownList, map[string]int{"checked": 3}, map[string]int{"written": 3}}},
			[]ListCounts{{UnknownList, map[string]int{"checked": 2}, map[string]int{"written": 2}}}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "state.db")
			gunzipTo(t, filepath.Join("testdata", tt.file), state)
			st, err := ReadStatus(state)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(st.ByList) != fmt.Sprint(tt.before) {
				t.Errorf("before the migration: %+v, want %+v", st.ByList, tt.before)
			}
			tb := newTestBot(t, state)
			var v int
			if err := tb.store.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations) {
				t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations))
			}
			st, err = ReadStatus(state)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(st.ByList) != fmt.Sprint(tt.want) {
				t.Errorf("after the migration: %+v, want %+v", st.ByList, tt.want)
			}
			// The bot goes on with a new list: a repeat of an answered
			// series is not answered again, but counts on the new list;
			// a new series is counted there.
			mbox := filepath.Join(dir, "c.mbox")
			msgs := "From x@y Mon Mar  2 10:00:00 2026\n" + onLists(mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "shared@x", "", ""), true, true) +
				"\nFrom x@y Mon Mar  2 10:00:00 2026\n" + mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "onC@x", "", "") + "\n"
			if err := os.WriteFile(mbox, []byte(msgs), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tb.Once(Source{Mbox: mbox, Since: time.Unix(1, 0)}); err != nil {
				t.Fatal(err)
			}
			if r := tb.replies(t); len(r) != 1 || r["onC@x"] == "" {
				t.Errorf("replies to %v, want onC@x only", keys(r))
			}
			st, err = ReadStatus(state)
			if err != nil {
				t.Fatal(err)
			}
			// The shared series' reply, written before, counts on the
			// new list with its series.
			c := ListCounts{List: "mbox:" + mbox, Series: map[string]int{"checked": 2}, Replies: map[string]int{"written": 2}}
			want := append(slices.Clone(tt.afterPass), c)
			slices.SortFunc(want, func(x, y ListCounts) int { return strings.Compare(x.List, y.List) })
			if fmt.Sprint(st.ByList) != fmt.Sprint(want) {
				t.Errorf("after a pass: %+v\nwant %+v", st.ByList, want)
			}
		})
	}
}

func gunzipTo(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
