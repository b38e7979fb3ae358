// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBotStatus runs a pass of the bot over an mbox, then asks the state
// what it holds, in text and JSON; a missing state is an error and is not
// created.
func TestBotStatus(t *testing.T) {
	dir := t.TempDir()
	mbox, state := filepath.Join(dir, "list.mbox"), filepath.Join(dir, "state.db")
	msg := "From x@y Mon Mar  2 10:00:00 2026\nFrom: A <a@example.org>\nTo: bpf@vger.kernel.org\nSubject: hello\nMessage-ID: <m1@x>\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\nhi\n"
	if err := os.WriteFile(mbox, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, rc := runCLI(t, "", "bot", "once", "--mbox", mbox, "--state", state, "--outbox", filepath.Join(dir, "outbox")); rc != 0 {
		t.Fatalf("bot once: rc %d\n%s", rc, stderr)
	}
	out, stderr, rc := runCLI(t, "", "bot", "status", "--state", state)
	abs, _ := filepath.Abs(mbox)
	if rc != 0 || !strings.Contains(out, "series: 0\n") || !strings.Contains(out, "list mbox:"+abs+": read whole each pass") ||
		!strings.Contains(out, "\n  series: 0; replies: 0\n") {
		t.Errorf("bot status: rc %d\n%s%s", rc, out, stderr)
	}
	out, _, rc = runCLI(t, "", "bot", "status", "--state", state, "--format", "json")
	var st struct {
		Lists []struct {
			List      string `json:"list"`
			FirstPass bool   `json:"first_pass"`
		} `json:"lists"`
	}
	if err := json.Unmarshal([]byte(out), &st); rc != 0 || err != nil || len(st.Lists) != 1 || !st.Lists[0].FirstPass {
		t.Errorf("bot status --format json: rc %d, %v\n%s", rc, err, out)
	}
	missing := filepath.Join(dir, "typo.db")
	if _, stderr, rc := runCLI(t, "", "bot", "status", "--state", missing); rc != 2 || !strings.Contains(stderr, "typo.db") {
		t.Errorf("missing state: rc %d, %q", rc, stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("bot status created the state file")
	}
	if _, _, rc := runCLI(t, "", "bot", "status"); rc != 2 {
		t.Errorf("bot status without --state: rc %d", rc)
	}
}
