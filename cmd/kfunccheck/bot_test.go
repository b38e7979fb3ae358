// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// botMail makes a list mail out of a fixture patch.
func botMail(t *testing.T, fixture, msgID string) string {
	t.Helper()
	data, err := os.ReadFile("../../rules/testdata/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	s = s[strings.IndexByte(s, '\n')+1:]
	return "From jane@example.org Mon Mar  2 10:00:00 2026\nMessage-ID: <" + msgID + ">\n" + s + "\n"
}

func TestBotMboxAndMaildir(t *testing.T) {
	dir := t.TempDir()
	mbox := filepath.Join(dir, "bpf.mbox")
	// Mail already in the mbox when the bot starts is not answered.
	if err := os.WriteFile(mbox, []byte(botMail(t, "STABLE_REMOVAL/remove-stable.patch", "old@x")), 0o644); err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(dir, "outbox")
	args := []string{"bot", "once", "--mbox", mbox, "--state", filepath.Join(dir, "state.db"), "--outbox", outbox,
		"--from", "kfunccheck bot <bot@example.org>"}
	if _, stderr, code := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first pass: %d %s", code, stderr)
	}
	f, _ := os.OpenFile(mbox, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(botMail(t, "STABLE_REMOVAL/demote-stable.patch", "new@x"))
	f.WriteString(botMail(t, "clean/promote-good.patch", "good@x"))
	f.Close()
	if _, stderr, code := runCLI(t, "", args...); code != 0 {
		t.Fatalf("second pass: %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "new", "*"))
	if len(files) != 1 {
		t.Fatalf("%d replies, want 1 (to new@x)", len(files))
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "In-Reply-To: <new@x>") || !strings.Contains(string(data), "STABLE_REMOVAL") {
		t.Errorf("reply:\n%s", data)
	}
	// A Maildir source works the same way.
	md := filepath.Join(dir, "md")
	for _, sub := range []string{"new", "cur", "tmp"} {
		os.MkdirAll(filepath.Join(md, sub), 0o755)
	}
	args2 := []string{"bot", "once", "--maildir", md, "--state", filepath.Join(dir, "state2.db"), "--outbox", filepath.Join(dir, "outbox2"),
		"--from", "kfunccheck bot <bot@example.org>"}
	if _, stderr, code := runCLI(t, "", args2...); code != 0 {
		t.Fatalf("maildir first pass: %d %s", code, stderr)
	}
	os.WriteFile(filepath.Join(md, "new", "1.eml"), []byte(botMail(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "md@x")), 0o644)
	if _, stderr, code := runCLI(t, "", args2...); code != 0 {
		t.Fatalf("maildir second pass: %d %s", code, stderr)
	}
	files, _ = filepath.Glob(filepath.Join(dir, "outbox2", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("maildir: %d replies", len(files))
	}
	if _, _, code := runCLI(t, "", "bot", "once", "--mbox", mbox); code != 2 {
		t.Errorf("missing --state: exit %d", code)
	}
}
