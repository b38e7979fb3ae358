// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bufio"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

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
func corpusEpoch(tb testing.TB) (dir string, messages int) {
	tb.Helper()
	src := corpusMbox(tb)
	fi, err := os.Stat(src)
	if err != nil {
		tb.Fatal(err)
	}
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("kfunccheck-corpus-%d-%d", fi.Size(), fi.ModTime().Unix()))
	done := filepath.Join(dir, "built")
	if data, err := os.ReadFile(done); err == nil {
		fmt.Sscan(string(data), &messages)
		return dir, messages
	}
	os.RemoveAll(dir)
	cmd := exec.Command("xz", "-dc", src)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	mem := memory.NewStorage()
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
		return h
	}
	var hashes []plumbing.Hash
	var tip plumbing.Hash
	when := time.Unix(0, 0)
	sp := mail.NewSplitter(bufio.NewReaderSize(out, 1<<20), 0)
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
			hashes = append(hashes, blob)
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
		hashes = append(hashes, tree, tip)
	}
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
		if m, err := netmail.ReadMessage(strings.NewReader(string(raw.Data[:min(len(raw.Data), 16<<10)]))); err == nil {
			if d, err := m.Header.Date(); err == nil && d.After(when) && d.Before(time.Now()) {
				when = d
			}
		}
		commit(plumbing.ZeroHash, true, raw.Data)
		messages++
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("xz -dc %s: %v", src, err)
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
