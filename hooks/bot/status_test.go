// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"os"
	"path/filepath"
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
