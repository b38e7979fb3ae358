// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The store's guarantees, each tested on the store alone.

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// addSeries opens a series and adds parts to it, dated from started on.
func addSeries(t *testing.T, s *Store, key string, total int, started time.Time, parts ...int) {
	t.Helper()
	err := s.Batch(func(b *Batch) error {
		if _, err := b.OpenSeries(SeriesHead{Key: key, Subject: key, Root: key, Version: 1, Total: total, Started: started}, t0); err != nil {
			return err
		}
		for i, n := range parts {
			m := Message{ID: fmt.Sprintf("%s-%d-%d", key, n, started.Unix()), Series: key, Number: n, Dated: started.Add(time.Duration(i) * time.Minute), Raw: []byte("mail")}
			if err := b.AddToSeries(m, key, false, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readyKeys(t *testing.T, s *Store, now time.Time) []string {
	t.Helper()
	list, err := s.Ready(now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range list {
		out = append(out, r.Key)
	}
	return out
}

func TestStoreReady(t *testing.T) {
	s, _ := openTestStore(t)
	addSeries(t, s, "complete", 2, t0, 1, 2)
	addSeries(t, s, "incomplete", 3, t0, 1)
	addSeries(t, s, "cover-only", 2, t0, 0)
	addSeries(t, s, "out-of-range", 3, t0, 4)
	// A part dated earlier moves the grace start back.
	addSeries(t, s, "early", 2, t0, 1)
	addSeries(t, s, "early", 2, t0.Add(-3*time.Hour), 2)
	if got := readyKeys(t, s, t0); len(got) != 2 || got[0] != "early" || got[1] != "complete" {
		t.Errorf("ready at once: %v, want the complete ones (early first)", got)
	}
	got := readyKeys(t, s, t0.Add(time.Hour))
	if len(got) != 5 {
		t.Errorf("ready after the grace time: %v, want all five", got)
	}
}

func TestStoreCloseSeries(t *testing.T) {
	s, _ := openTestStore(t)
	addSeries(t, s, "k", 1, t0, 1)
	reply := &Reply{MessageID: "r@bot", Recipients: []string{"a@example.org", "list@example.org"}, Raw: []byte("reply")}
	if err := s.CloseSeries("k", Verdict{Errors: 1, Summary: "1 errors", Reply: "queued"}, reply, "bot@example.org", t0); err != nil {
		t.Fatal(err)
	}
	if got := readyKeys(t, s, t0.Add(48*time.Hour)); len(got) != 0 {
		t.Errorf("a closed series is ready again: %v", got)
	}
	var mail int
	s.db.QueryRow(`SELECT count(*) FROM mailbody`).Scan(&mail)
	if mail != 0 {
		t.Errorf("%d raw mails kept after the verdict", mail)
	}
	ds, err := s.Deliveries(t0)
	if err != nil || len(ds) != 1 || ds[0].ID != "r@bot" || len(ds[0].Recipients) != 2 {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	// Repeats are still recognised.
	err = s.Batch(func(b *Batch) error {
		seen, err := b.Seen(fmt.Sprintf("k-1-%d", t0.Unix()))
		if !seen {
			t.Error("a judged message is no longer known")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreFailSeries(t *testing.T) {
	s, _ := openTestStore(t)
	addSeries(t, s, "k", 1, t0, 1)
	now := t0
	for i := 1; i <= maxJudgeAttempts; i++ {
		if got := readyKeys(t, s, now); len(got) != 1 {
			t.Fatalf("attempt %d: not ready at %s", i, now)
		}
		abandoned, err := s.FailSeries("k", errors.New("boom"), now)
		if err != nil {
			t.Fatal(err)
		}
		if abandoned != (i == maxJudgeAttempts) {
			t.Fatalf("attempt %d: abandoned %v", i, abandoned)
		}
		if i < maxJudgeAttempts {
			if got := readyKeys(t, s, now.Add(backoff(i)-time.Second)); len(got) != 0 {
				t.Fatalf("attempt %d: ready again within the backoff", i)
			}
		}
		now = now.Add(backoff(i))
	}
	var state, lastErr string
	var mail int
	s.db.QueryRow(`SELECT state, last_error FROM series WHERE key = 'k'`).Scan(&state, &lastErr)
	s.db.QueryRow(`SELECT count(*) FROM mailbody`).Scan(&mail)
	if state != "abandoned" || lastErr != "boom" || mail != 0 {
		t.Errorf("in the end: %s %q, %d mails", state, lastErr, mail)
	}
}

func TestStoreDelivery(t *testing.T) {
	s, _ := openTestStore(t)
	addSeries(t, s, "k", 1, t0, 1)
	s.CloseSeries("k", Verdict{Reply: "queued"}, &Reply{MessageID: "r@bot", Recipients: []string{"a@example.org"}, Raw: []byte("x")}, "bot@example.org", t0)
	state := func() (st string, attempts int) {
		s.db.QueryRow(`SELECT state, attempts FROM outbox`).Scan(&st, &attempts)
		return
	}
	now := t0
	for i := 1; i <= maxDeliveryAttempts; i++ {
		ds, _ := s.Deliveries(now)
		if len(ds) != 1 {
			t.Fatalf("attempt %d: nothing to deliver at %s", i, now)
		}
		if err := s.Claim("r@bot", now); err != nil {
			t.Fatal(err)
		}
		st, err := s.Retry("r@bot", errors.New("451 later"), false, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "failed", false: "pending"}[i == maxDeliveryAttempts]; st != want {
			t.Fatalf("attempt %d: %s, want %s", i, st, want)
		}
		if ds, _ := s.Deliveries(now); len(ds) != 0 {
			t.Fatalf("attempt %d: retried without a backoff", i)
		}
		now = now.Add(backoff(i))
	}
	if st, n := state(); st != "failed" || n != maxDeliveryAttempts {
		t.Errorf("after temporary failures: %s after %d", st, n)
	}
	// A permanent failure ends at once; a delivery is recorded.
	addSeries(t, s, "k2", 1, t0, 1)
	s.CloseSeries("k2", Verdict{Reply: "queued"}, &Reply{MessageID: "r2@bot", Recipients: []string{"a@example.org"}, Raw: []byte("x")}, "bot@example.org", t0)
	s.Claim("r2@bot", t0)
	if st, _ := s.Retry("r2@bot", errors.New("554 no"), true, t0); st != "failed" {
		t.Errorf("permanent failure: %s", st)
	}
	addSeries(t, s, "k3", 1, t0, 1)
	s.CloseSeries("k3", Verdict{Reply: "queued"}, &Reply{MessageID: "r3@bot", Recipients: []string{"a@example.org"}, Raw: []byte("x")}, "bot@example.org", t0)
	s.Claim("r3@bot", t0)
	s.Sent("r3@bot", t0)
	if n, _ := s.SentSince(t0.Add(-time.Minute)); n != 1 {
		t.Errorf("%d sent", n)
	}
}

// TestStoreReclaims: the raw mail of judged series is given back to the
// file system, not kept as free pages.
func TestStoreReclaims(t *testing.T) {
	s, path := openTestStore(t)
	big := bytes.Repeat([]byte("x"), 64<<10)
	err := s.Batch(func(b *Batch) error {
		b.OpenSeries(SeriesHead{Key: "k", Root: "k", Total: 1, Started: t0}, t0)
		for i := 0; i < 200; i++ {
			m := Message{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@x", Series: "k", Number: 1, Dated: t0, Raw: big}
			if err := b.AddToSeries(m, "k", false, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	full := size()
	if err := s.CloseSeries("k", Verdict{}, nil, "", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Reclaim(); err != nil {
		t.Fatal(err)
	}
	var free int
	s.db.QueryRow(`PRAGMA freelist_count`).Scan(&free)
	if after := size(); after > full/4 || free > 0 {
		t.Errorf("state file %d bytes with the mail, %d after it was dropped (%d free pages)", full, after, free)
	}
}
