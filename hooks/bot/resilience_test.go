// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// addMissing appends a commit whose message blob is not in the epoch, as
// in a partial mirror, and returns the commit and the blob.
func (a *archive) addMissing(epoch int) (commit, blob plumbing.Hash) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.repo(epoch)
	blob = plumbing.ComputeHash(plumbing.BlobObject, []byte("lost\n"))
	tree := a.store(r, plumbing.TreeObject, func(o plumbing.EncodedObject) error {
		return (&object.Tree{Entries: []object.TreeEntry{{Name: "m", Mode: filemode.Regular, Hash: blob}}}).Encode(o)
	})
	a.clock = a.clock.Add(time.Minute)
	sig := object.Signature{Name: "public-inbox", Email: "pi@example.org", When: a.clock}
	c := &object.Commit{Author: sig, Committer: sig, Message: "msg\n", TreeHash: tree, ParentHashes: []plumbing.Hash{a.tips[epoch]}}
	h := a.store(r, plumbing.CommitObject, c.Encode)
	ref := filepath.Join(a.dir, "git", fmt.Sprintf("%d.git", epoch), "refs", "heads", "master")
	if err := os.WriteFile(ref, []byte(h.String()+"\n"), 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.tips[epoch] = h
	return h, blob
}

// TestMissingBlob: a message whose blob is missing is skipped with a
// warning naming epoch, commit and blob, recorded, and the pass goes on;
// later passes do not stumble on it again.
func TestMissingBlob(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	var log bytes.Buffer
	tb.cfg.Log = &log
	src := Source{Inbox: a.dir}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	commit, blob := a.addMissing(0)
	a.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "dm@x", "", ""))
	for pass := 0; pass < 2; pass++ {
		if err := tb.Once(src); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
	}
	if r := tb.replies(t); r["rm@x"] == "" || r["dm@x"] == "" {
		t.Errorf("replies to %v, want the patches on both sides of the lost message", keys(r))
	}
	want := fmt.Sprintf("skipped epoch 0 commit %s blob %s", commit, blob)
	if strings.Count(log.String(), want) != 1 {
		t.Errorf("log does not name the lost message once (%q):\n%s", want, log.String())
	}
	var n int
	tb.store.db.QueryRow(`SELECT count(*) FROM skipped WHERE commit_id = ? AND blob = ?`, commit.String(), blob.String()).Scan(&n)
	if n != 1 {
		t.Error("the skipped message is not recorded")
	}
}

// TestAlternates: an epoch whose objects live in another repository,
// named by objects/info/alternates (absolute or relative, as git reads
// it), is read.
func TestAlternates(t *testing.T) {
	for _, relative := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative=%v", relative), func(t *testing.T) {
			a := newArchive(t)
			a.add(0, review("start@x", "none@x", "[PATCH] start"))
			a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
			objects := filepath.Join(a.dir, "git", "0.git", "objects")
			shared := filepath.Join(a.dir, "shared.git", "objects")
			if err := os.MkdirAll(shared, 0o755); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(objects)
			moved := 0
			for _, e := range ents {
				if len(e.Name()) == 2 {
					if err := os.Rename(filepath.Join(objects, e.Name()), filepath.Join(shared, e.Name())); err != nil {
						t.Fatal(err)
					}
					moved++
				}
			}
			if moved == 0 {
				t.Fatal("no loose objects to move")
			}
			line := shared
			if relative {
				line = filepath.Join("..", "..", "..", "shared.git", "objects")
			}
			os.MkdirAll(filepath.Join(objects, "info"), 0o755)
			if err := os.WriteFile(filepath.Join(objects, "info", "alternates"), []byte(line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
			if err := tb.Once(Source{Inbox: a.dir, Since: time.Unix(1, 0)}); err != nil {
				t.Fatal(err)
			}
			if _, ok := tb.replies(t)["rm@x"]; !ok {
				t.Fatal("the patch in an epoch with alternates was not read")
			}
		})
	}
}

// subjectAs rewrites a fixture mail's Subject counter.
func subjectAs(t *testing.T, fixture, msgID, root, counter string) string {
	return strings.Replace(mailOf(t, fixture, msgID, root, ""), "Subject: [PATCH bpf-next]", "Subject: [PATCH bpf-next "+counter+"]", 1)
}

// TestSeriesShapes: series the bot used to leave unjudged are judged.
func TestSeriesShapes(t *testing.T) {
	cover := "STABLE_REMOVAL/series-deprecate-then-remove/0000-cover-letter.patch"
	bad := "STABLE_REMOVAL/remove-stable.patch"
	for _, tt := range []struct {
		name    string
		mails   func(t *testing.T) []string
		key     string
		reply   string // the Message-ID answered ("" for none)
		summary string // in the stored summary
	}{
		{name: "cover letter only", key: "c@x#v1", summary: "0 errors, 0 warnings in 0 patches",
			mails: func(t *testing.T) []string { return []string{mailOf(t, cover, "c@x", "", "")} }},
		{name: "part outside 1..N", key: "c@x#v1", reply: "c@x", summary: "1 errors",
			mails: func(t *testing.T) []string {
				return []string{mailOf(t, cover, "c@x", "", ""), subjectAs(t, bad, "p4@x", "c@x", "4/2")}
			}},
		{name: "0/N with a diff", key: "z@x#v1", reply: "z@x", summary: "1 errors",
			mails: func(t *testing.T) []string { return []string{subjectAs(t, bad, "z@x", "", "0/2")} }},
		{name: "absurd total is unnumbered", key: "big@x#v1", reply: "big@x", summary: "1 errors, 0 warnings in 1 patches",
			mails: func(t *testing.T) []string { return []string{subjectAs(t, bad, "big@x", "", "1/100000000")} }},
		{name: "missing parts listed up to a cap", key: "m@x#v1", reply: "m@x", summary: "and 879 more of 900]",
			mails: func(t *testing.T) []string { return []string{subjectAs(t, bad, "m@x", "", "1/900")} }},
		{name: "rootless series answers its first patch", key: "lost@x#v1", reply: "q2@x", summary: "missing [1]",
			mails: func(t *testing.T) []string {
				return []string{subjectAs(t, bad, "q2@x", "lost@x", "2/3"), subjectAs(t, bad, "q3@x", "lost@x", "3/3")}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newArchive(t)
			a.add(0, review("start@x", "none@x", "[PATCH] start"))
			tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
			src := Source{Inbox: a.dir}
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			for _, m := range tt.mails(t) {
				a.add(0, m)
			}
			tb.now = tb.now.Add(2 * time.Hour) // after the grace time
			start := time.Now()
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the pass took %s", d)
			}
			var state, summary string
			if err := tb.store.db.QueryRow(`SELECT state, summary FROM series WHERE key = ?`, tt.key).Scan(&state, &summary); err != nil {
				t.Fatal(err)
			}
			if state != "checked" || !strings.Contains(summary, tt.summary) {
				t.Errorf("series %s: %s, %q; want checked, %q", tt.key, state, summary, tt.summary)
			}
			r := tb.replies(t)
			if tt.reply == "" && len(r) > 0 || tt.reply != "" && (len(r) != 1 || r[tt.reply] == "") {
				t.Errorf("replies to %v, want %q", keys(r), tt.reply)
			}
		})
	}
}

// TestJudgeFailure: a series whose judging fails is recorded with its
// error, retried with backoff, abandoned (its mail dropped) in the end,
// and never blocks the other series.
func TestJudgeFailure(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.check = func(s *model.Series, o patchcheck.Options) []*patchcheck.Result {
		if s.Source == "rm@x#v1" {
			panic("engine bug")
		}
		return patchcheck.CheckSeries(s, o)
	}
	src := Source{Inbox: a.dir}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	a.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "dm@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["dm@x"]; !ok {
		t.Fatal("a failing series blocked another")
	}
	row := func() (state string, attempts int, lastErr string, mail int) {
		tb.store.db.QueryRow(`SELECT state, attempts, coalesce(last_error, '') FROM series WHERE key = 'rm@x#v1'`).Scan(&state, &attempts, &lastErr)
		tb.store.db.QueryRow(`SELECT count(*) FROM mailbody WHERE series_key = 'rm@x#v1'`).Scan(&mail)
		return
	}
	if st, n, e, _ := row(); st != "open" || n != 1 || !strings.Contains(e, "engine bug") {
		t.Fatalf("after a failure: %s, %d attempts, %q", st, n, e)
	}
	// Within the backoff: not tried again.
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, n, _, _ := row(); n != 1 {
		t.Fatalf("retried within the backoff: %d attempts", n)
	}
	for i := 0; i < maxJudgeAttempts; i++ {
		tb.now = tb.now.Add(25 * time.Hour)
		if err := tb.Once(src); err != nil {
			t.Fatal(err)
		}
	}
	if st, n, _, mail := row(); st != "abandoned" || n != maxJudgeAttempts || mail != 0 {
		t.Errorf("in the end: %s after %d attempts, %d mails kept", st, n, mail)
	}
}

// TestWithheldLogged: a reply that may not go out is logged with why.
func TestWithheldLogged(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	var log bytes.Buffer
	tb.cfg.Log = &log
	tb.cfg.CcAllow = []string{"nobody@example.org"}
	src := Source{Inbox: a.dir}
	tb.Once(src)
	// Sent to the author alone, not to the list: nobody is left.
	a.add(0, strings.Replace(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""), "To: bpf@vger.kernel.org\n", "To: someone@example.org\n", 1))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "reply withheld: no recipient left") {
		t.Errorf("log:\n%s", log.String())
	}
	var reply string
	tb.store.db.QueryRow(`SELECT reply FROM series WHERE key = 'rm@x#v1'`).Scan(&reply)
	if !strings.HasPrefix(reply, "withheld: ") {
		t.Errorf("stored reply state %q", reply)
	}
}

// TestGraceFromDate: grace counts from the mail's Date, so a replay
// judges old incomplete series in the same pass; a mail dated in the
// future counts from its arrival.
func TestGraceFromDate(t *testing.T) {
	a := newArchive(t)
	old := strings.Replace(subjectAs(t, "STABLE_REMOVAL/remove-stable.patch", "old@x", "", "1/2"),
		"Date: Mon, 2 Mar 2026 10:00:00 +0000", "Date: Mon, 2 Mar 2020 10:00:00 +0000", 1)
	future := strings.Replace(subjectAs(t, "STABLE_REMOVAL/remove-stable.patch", "new@x", "", "1/2"),
		"Date: Mon, 2 Mar 2026 10:00:00 +0000", "Date: Mon, 2 Mar 2099 10:00:00 +0000", 1)
	a.clock = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	a.add(0, old)
	a.add(0, future)
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.now = a.clock.Add(time.Minute)
	src := Source{Inbox: a.dir, Since: time.Unix(1, 0)}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if r["old@x"] == "" || r["new@x"] != "" {
		t.Fatalf("after the replay: replies to %v, want the old incomplete series only", keys(r))
	}
	tb.now = tb.now.Add(2 * time.Hour)
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if tb.replies(t)["new@x"] == "" {
		t.Fatal("the future-dated series was not judged after its grace from arrival")
	}
}

// TestReplayWaitsForLateParts: during a long replay, a series whose
// mails carry old dates is not judged before the archive has moved past
// its last part by the grace time.
func TestReplayWaitsForLateParts(t *testing.T) {
	defer func(b, j int) { ingestBatch, judgeEvery = b, j }(ingestBatch, judgeEvery)
	ingestBatch, judgeEvery = 2, 1
	old := func(m string) string {
		return strings.Replace(m, "Date: Mon, 2 Mar 2026 10:00:00 +0000", "Date: Mon, 2 Mar 2020 10:00:00 +0000", 1)
	}
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	a := newArchive(t)
	a.add(0, old(mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", "")))
	a.add(0, old(mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", "")))
	for i := 0; i < 8; i++ {
		a.add(0, review(fmt.Sprintf("r%d@x", i), "other@x", "[PATCH] other"))
	}
	a.add(0, old(mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", "")))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.now = a.clock.Add(24 * time.Hour)
	if err := tb.Once(Source{Inbox: a.dir, Since: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)["cover@x"]
	if r == "" || strings.Contains(r, "had not arrived") || !strings.Contains(r, "2 patches") {
		t.Errorf("the series was judged before its last part:\n%s", r)
	}
}

// TestBrokenHistory: a commit object missing from an epoch (a corrupt or
// partial copy) does not stop the bot: the messages after it are read
// and answered, with a warning, and later passes go on.
func TestBrokenHistory(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	a.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "before@x", "", ""))
	lost := a.add(0, review("lost@x", "none@x", "[PATCH] lost"))
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	obj := filepath.Join(a.dir, "git", "0.git", "objects", lost.String()[:2], lost.String()[2:])
	if err := os.Remove(obj); err != nil {
		t.Fatal(err)
	}
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	var log bytes.Buffer
	tb.cfg.Log = &log
	src := Source{Inbox: a.dir, Since: time.Unix(1, 0)}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["rm@x"]; !ok {
		t.Fatal("the message after the broken commit was not answered")
	}
	if !strings.Contains(log.String(), "commit "+lost.String()) {
		t.Errorf("no warning naming the broken commit:\n%s", log.String())
	}
	a.add(0, mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "next@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["next@x"]; !ok {
		t.Fatal("a later pass did not go on")
	}
}
