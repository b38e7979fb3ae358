// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
)

// corpusMbox is the real list archive of ../shared (relative to the
// repository root); tests that need it skip when it is absent.
func corpusMbox(tb testing.TB) string {
	tb.Helper()
	p := filepath.Join("..", "..", "..", "shared", "corpus", "archives", "io-uring.mbox.xz")
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("the real archive %s is absent (it lives in ../shared beside the repository): %v", p, err)
	}
	if _, err := exec.LookPath("xz"); err != nil {
		tb.Skip("xz is not installed: cannot read the real archive")
	}
	return p
}

// corpusMissingAt is the position of the message whose blob the built
// epoch lacks, as the public copy of the real epoch lacks one.
const corpusMissingAt = 16000

// corpusEpoch builds (once, cached in the temporary directory across
// runs, keyed by the archive's size and time) a public-inbox v2 inbox
// from the real archive: one commit per message, the message as blob "m",
// committed at the mail's Date (never going back), packed without deltas.
// One commit's blob is left out, as in the real public copy.
func corpusEpoch(tb testing.TB) (dir string, messages int) { return corpusEpochCopies(tb, 1) }

// corpusEpochCopies builds the epoch from copies of the archive one after
// the other (for a large replay); copies after the first have their
// header block's angle-bracket ids and addresses suffixed, so that they
// are new messages threaded among themselves.
func corpusEpochCopies(tb testing.TB, copies int) (dir string, messages int) {
	tb.Helper()
	src := corpusMbox(tb)
	fi, err := os.Stat(src)
	if err != nil {
		tb.Fatal(err)
	}
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("kfunccheck-corpus-v2-%d-%d", fi.Size(), fi.ModTime().Unix()))
	if copies > 1 {
		dir += fmt.Sprintf("-x%d", copies)
	}
	done := filepath.Join(dir, "built")
	if data, err := os.ReadFile(done); err == nil {
		fmt.Sscan(string(data), &messages)
		return dir, messages
	}
	os.RemoveAll(dir)
	mem := memory.NewStorage()
	var hashes []plumbing.Hash
	packed := map[plumbing.Hash]bool{}
	put := func(typ plumbing.ObjectType, encode func(plumbing.EncodedObject) error) plumbing.Hash {
		obj := mem.NewEncodedObject()
		obj.SetType(typ)
		if err := encode(obj); err != nil {
			tb.Fatal(err)
		}
		h, err := mem.SetEncodedObject(obj)
		if err != nil {
			tb.Fatal(err)
		}
		// Identical messages (and their trees) are one object: a pack
		// listing an object twice is refused by git.
		if !packed[h] {
			packed[h] = true
			hashes = append(hashes, h)
		}
		return h
	}
	var tip plumbing.Hash
	when := time.Unix(0, 0)
	commit := func(blob plumbing.Hash, store bool, data []byte) {
		if store {
			blob = put(plumbing.BlobObject, func(o plumbing.EncodedObject) error {
				w, err := o.Writer()
				if err != nil {
					return err
				}
				w.Write(data)
				return w.Close()
			})
		}
		tree := put(plumbing.TreeObject, func(o plumbing.EncodedObject) error {
			return (&object.Tree{Entries: []object.TreeEntry{{Name: "m", Mode: filemode.Regular, Hash: blob}}}).Encode(o)
		})
		sig := object.Signature{Name: "public-inbox", Email: "pi@example.org", When: when}
		c := &object.Commit{Author: sig, Committer: sig, Message: "m\n", TreeHash: tree}
		if !tip.IsZero() {
			c.ParentHashes = []plumbing.Hash{tip}
		}
		tip = put(plumbing.CommitObject, c.Encode)
	}
	for copy := 0; copy < copies; copy++ {
		cmd := exec.Command("xz", "-dc", src)
		out, err := cmd.StdoutPipe()
		if err != nil {
			tb.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		sp := mail.NewSplitter(bufio.NewReaderSize(out, 1<<20), 0)
		for {
			raw, err := sp.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatalf("%s: %v", src, err)
			}
			if messages == corpusMissingAt {
				commit(plumbing.ComputeHash(plumbing.BlobObject, []byte("a blob the mirror lost\n")), false, nil)
			}
			data := raw.Data
			if copy > 0 {
				n := mail.HeaderEnd(data)
				data = append(bytes.ReplaceAll(data[:n], []byte(">"), []byte(fmt.Sprintf(".c%d>", copy))), data[n:]...)
			}
			if m, err := netmail.ReadMessage(bytes.NewReader(data[:min(len(data), 16<<10)])); err == nil {
				if d, err := m.Header.Date(); err == nil && d.After(when) && d.Before(time.Now()) {
					when = d
				}
			}
			commit(plumbing.ZeroHash, true, data)
			messages++
		}
		if err := cmd.Wait(); err != nil {
			tb.Fatalf("xz -dc %s: %v", src, err)
		}
		when = when.Add(time.Hour)
	}
	r, err := git.PlainInit(filepath.Join(dir, "git", "0.git"), true)
	if err != nil {
		tb.Fatal(err)
	}
	pw, ok := r.Storer.(storer.PackfileWriter)
	if !ok {
		tb.Fatal("go-git storage cannot write packs")
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := packfile.NewEncoder(w, mem, false).Encode(hashes, 0); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference("refs/heads/master", tip)); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(done, []byte(fmt.Sprint(messages)), 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %s: %d messages (and one missing blob)", dir, messages)
	return dir, messages
}

// TestCorpusEpochBuild builds the real-archive epoch the replay uses.
func TestCorpusEpochBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real archive's replay is skipped")
	}
	_, n := corpusEpoch(t)
	if n != 33494 {
		t.Fatalf("%d messages in the real archive, want 33494", n)
	}
}

// TestCorpusReplay replays the real archive, with the kfuncs of Linux
// 6.12 declared stable, from a cold start, followed by a second epoch of
// known bad series (one without its cover letter in the archive): every
// series that can be judged is judged in that one pass, the message whose
// blob is missing is skipped and recorded, every series with errors gets
// a reply, and a second pass sends nothing.
func TestCorpusReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real archive's replay is skipped")
	}
	corpus, n := corpusEpoch(t)
	a := newArchive(t)
	if err := os.MkdirAll(filepath.Join(a.dir, "git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(corpus, "git", "0.git"), filepath.Join(a.dir, "git", "0.git")); err != nil {
		t.Fatal(err)
	}
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	a.add(1, mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""))
	a.add(1, mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""))
	a.add(1, mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", ""))
	// The cover letter of this v2 never reached the archive.
	a.add(1, mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "q1@x", "lost-cover@x", "v2"))
	a.add(1, mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "q2@x", "lost-cover@x", "v2"))
	a.add(1, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))

	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	list, err := baseline.LoadStableList(filepath.Join("testdata", "linux-6.12-kfuncs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tb.cfg.Check.Baseline = baseline.Multi{list, baseline.HunksOnly{}}
	tb.now = time.Now()
	src := Source{Inbox: a.dir, Since: time.Unix(1, 0)}
	start := time.Now()
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t.Logf("replayed %d messages in %s: %.0f messages/s; peak RSS of the test process %d MB",
		n+6, took.Round(time.Millisecond), float64(n+6)/took.Seconds(), ru.Maxrss>>10)

	db := tb.store.db
	count := func(q string) int {
		t.Helper()
		var c int
		if err := db.QueryRow(q).Scan(&c); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return c
	}
	if c := count(`SELECT count(*) FROM series WHERE state = 'open' AND key IN (SELECT series_key FROM mailbody)`); c != 0 {
		t.Errorf("%d series left open with mail to judge", c)
	}
	if c := count(`SELECT count(*) FROM skipped`); c != 1 {
		t.Errorf("%d skipped messages recorded, want the one whose blob is missing", c)
	}
	if c := count(`SELECT count(*) FROM series WHERE state = 'checked'`); c < 4000 {
		t.Errorf("only %d series judged", c)
	}
	withErrors := count(`SELECT count(*) FROM series WHERE errors > 0`)
	if c := count(`SELECT count(*) FROM series WHERE errors > 0 AND reply = 'queued' AND key IN (SELECT series_key FROM outbox)`); c != withErrors || c < 3 {
		t.Errorf("%d series with errors, %d of them answered", withErrors, c)
	}
	r := tb.replies(t)
	if rep := r["q1@x"]; !strings.Contains(rep, "References: <lost-cover@x> <q1@x>") {
		t.Errorf("the series without its cover letter is not answered on its first patch:\n%s", rep)
	}
	if r["cover@x"] == "" || r["rm@x"] == "" {
		t.Errorf("replies to %v", keys(r))
	}
	before := len(r)
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if c := count(`SELECT count(*) FROM outbox`); c != before || len(tb.replies(t)) != before {
		t.Errorf("the second pass added replies: %d in the outbox, %d before", c, before)
	}
}

// TestCorpusEpochBuild95k builds an epoch of three copies of the real
// archive (100,482 messages) for measuring a large replay; only on
// demand (KFUNCCHECK_CORPUS_95K=1): it takes a minute and 2 GB.
func TestCorpusEpochBuild95k(t *testing.T) {
	if os.Getenv("KFUNCCHECK_CORPUS_95K") == "" {
		t.Skip("set KFUNCCHECK_CORPUS_95K=1 to build the three-copy epoch")
	}
	dir, n := corpusEpochCopies(t, 3)
	t.Logf("%s: %d messages", dir, n)
}

// BenchmarkCorpusReplay replays the real archive from a cold start (one
// pass: read, group, judge, write replies) and reports messages/s.
func BenchmarkCorpusReplay(b *testing.B) {
	dir, n := corpusEpoch(b)
	for b.Loop() {
		tb := newTestBot(b, filepath.Join(b.TempDir(), "state.db"))
		tb.now = time.Now()
		start := time.Now()
		if err := tb.Once(Source{Inbox: dir, Since: time.Unix(1, 0)}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
	}
}
