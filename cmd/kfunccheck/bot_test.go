// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestParseSince reads --since as a date or as a commit of the archive
// (full or abbreviated id, in any epoch), whose committer date is used.
func TestParseSince(t *testing.T) {
	needGit(t)
	inbox, work := t.TempDir(), t.TempDir()
	gitIn(t, work, "init", "-q")
	dates := []string{"2026-01-05T08:00:00Z", "2026-02-10T09:30:00Z", "2026-03-15T11:45:00Z"}
	var ids []string
	for i, date := range dates {
		if err := os.WriteFile(filepath.Join(work, "m"), fmt.Appendf(nil, "Message-ID: <%d@x>\n\nbody\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
		gitIn(t, work, "add", "m")
		gitAt(t, work, date, "commit", "-q", "-m", "m")
		ids = append(ids, strings.TrimSpace(gitIn(t, work, "rev-parse", "HEAD")))
	}
	// Epoch 0 holds the messages; epoch 1 is new and still empty.
	gitIn(t, inbox, "clone", "-q", "--bare", work, filepath.Join(inbox, "git", "0.git"))
	gitIn(t, inbox, "init", "-q", "--bare", filepath.Join(inbox, "git", "1.git"))
	day := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		v, inbox string
		want     time.Time
		err      string
	}{
		{"2026-02-01", "", day("2026-02-01T00:00:00Z"), ""},
		{"2026-02-01T10:00:00+02:00", "", day("2026-02-01T08:00:00Z"), ""},
		{ids[1], inbox, day(dates[1]), ""},
		{ids[2][:9], inbox, day(dates[2]), ""},
		{"0000000", inbox, time.Time{}, "neither a date nor a commit"},
		{"2026-02-30", inbox, time.Time{}, "neither a date nor a commit"},
		{"last week", "", time.Time{}, "not a date"},
	} {
		got, err := parseSince(tc.v, tc.inbox)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseSince(%q) = %v, %v; want an error with %q", tc.v, got, err, tc.err)
			}
		case err != nil || !got.Equal(tc.want):
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.v, got, err, tc.want)
		}
	}
}

// TestBotFlagErrors: flags that would leak a secret or cannot work are
// refused with exit 2 and a message naming the flag.
func TestBotFlagErrors(t *testing.T) {
	dir := t.TempDir()
	mbox := filepath.Join(dir, "bpf.mbox")
	os.WriteFile(mbox, nil, 0o644)
	base := []string{"bot", "once", "--mbox", mbox, "--state", filepath.Join(dir, "state.db")}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--patchwork", "http://patchwork.example.org"}, 2, "https:// only"},
		{[]string{"--patchwork", "http://127.0.0.1:9", "--patchwork-allow-http"}, 0, ""},
		{[]string{"--stable-label", "no-label"}, 2, "want PATH=LABEL"},
		{[]string{"--max-recipients", "0"}, 2, "--max-recipients"},
	} {
		_, stderr, code := runCLI(t, "", append(append([]string(nil), base...), tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q", tt.args, code, stderr)
		}
	}
}
