// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noMessageID drops the Message-ID header, as some list software and
// hand-made mboxes leave it out.
func noMessageID(t *testing.T, msg string) string {
	t.Helper()
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Message-ID: ") {
			return strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
		}
	}
	t.Fatal("no Message-ID to drop")
	return ""
}

// TestNoMessageIDOnce: a message without Message-ID is known by its
// content, not by its place, so that it is judged and answered once: not
// again when a mail client moves it from new/ to cur/, and not judged at
// all when the first pass only remembered it.
func TestNoMessageIDOnce(t *testing.T) {
	outbox := func(tb *testBot) int {
		files, _ := filepath.Glob(filepath.Join(tb.outbox, "new", "*"))
		return len(files)
	}
	t.Run("mbox", func(t *testing.T) {
		dir := t.TempDir()
		mbox := filepath.Join(dir, "list.mbox")
		appendMbox(t, mbox, noMessageID(t, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "old@x", "", "")))
		tb := newTestBot(t, filepath.Join(dir, "state.db"))
		src := Source{Lists: []List{{Kind: "mbox", Path: mbox}}}
		for pass := range 2 {
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			if n := outbox(tb); n != 0 {
				t.Fatalf("pass %d answered mail older than the bot: %d replies", pass+1, n)
			}
		}
		appendMbox(t, mbox, noMessageID(t, mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "new@x", "", "")))
		for range 2 {
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
		}
		if n := outbox(tb); n != 1 {
			t.Errorf("%d replies to one new message without Message-ID, want 1", n)
		}
	})
	t.Run("maildir moved to cur", func(t *testing.T) {
		dir := t.TempDir()
		md := filepath.Join(dir, "Maildir")
		for _, sub := range []string{"new", "cur", "tmp"} {
			if err := os.MkdirAll(filepath.Join(md, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		tb := newTestBot(t, filepath.Join(dir, "state.db"))
		src := Source{Lists: []List{{Kind: "maildir", Path: md}}}
		if err := tb.Once(src); err != nil { // the first pass starts at the present
			t.Fatal(err)
		}
		msg := noMessageID(t, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "m@x", "", ""))
		if err := os.WriteFile(filepath.Join(md, "new", "1772445600.1.host"), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tb.Once(src); err != nil {
			t.Fatal(err)
		}
		if n := outbox(tb); n != 1 {
			t.Fatalf("%d replies, want 1", n)
		}
		// A mail client reads it: new/NAME becomes cur/NAME:2,S.
		if err := os.Rename(filepath.Join(md, "new", "1772445600.1.host"), filepath.Join(md, "cur", "1772445600.1.host:2,S")); err != nil {
			t.Fatal(err)
		}
		if err := tb.Once(src); err != nil {
			t.Fatal(err)
		}
		if n := outbox(tb); n != 1 {
			t.Errorf("%d replies after the message moved to cur/, want 1", n)
		}
	})
}

// appendMbox appends a message to an mbox, as a list server does.
func appendMbox(t *testing.T, mbox, msg string) {
	t.Helper()
	f, err := os.OpenFile(mbox, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "From x@y Mon Mar  2 10:00:00 2026\n%s\n", msg); err != nil {
		t.Fatal(err)
	}
}
