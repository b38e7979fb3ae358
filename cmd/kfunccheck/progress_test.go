// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgress(&b, "checking commits")
	p.start, p.now = clock, func() time.Time { return clock }
	p.update(1, 1000) // too early to bother
	if b.Len() != 0 {
		t.Fatalf("progress shown at once: %q", b.String())
	}
	clock = clock.Add(2 * time.Second)
	p.update(450, 1000)
	p.update(451, 1000) // within the update interval
	clock = clock.Add(time.Second)
	p.update(1000, 1000)
	want := "\rkfunccheck: checking commits:  45% (450/1000)\rkfunccheck: checking commits: 100% (1000/1000), done.\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	// A short run shows nothing at all.
	b.Reset()
	q := newProgress(&b, "x")
	q.update(3, 3)
	if b.Len() != 0 {
		t.Errorf("a short run shows %q", b.String())
	}
}

// TestBotProgress: the bot's log lines go above its progress line, which
// is drawn again under each, and a pass ends the line with ", done.".
func TestBotProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	p := newBotProgress(&b)
	p.now = func() time.Time { return clock }
	fmt.Fprintln(p, "kfunccheck bot: before any progress")
	at := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	p.update("/srv/bpf", 256, at, false)
	p.update("/srv/bpf", 512, at, false) // within the update interval
	fmt.Fprintln(p, "kfunccheck bot: checked \"[PATCH] x\"")
	clock = clock.Add(time.Second)
	p.update("/srv/bpf", 768, at, false)
	p.update("/srv/bpf", 1024, at, false) // held back, then drawn at the end
	p.update("", 0, time.Time{}, true)
	p.update("", 0, time.Time{}, true) // a pass with nothing read ends nothing
	line := "kfunccheck bot: reading /srv/bpf: %d messages, archive time 2021-03-04"
	want := "kfunccheck bot: before any progress\n" +
		"\r\x1b[K" + fmt.Sprintf(line, 256) +
		"\r\x1b[Kkfunccheck bot: checked \"[PATCH] x\"\n" + fmt.Sprintf(line, 256) +
		"\r\x1b[K" + fmt.Sprintf(line, 768) +
		"\r\x1b[K" + fmt.Sprintf(line, 1024) + ", done.\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

// TestBotProgressOnTerminal runs a replay on a real pseudo-terminal
// (util-linux script): the progress line is there, and ends with
// ", done."; with -q, or off a terminal, it is not.
func TestBotProgressOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed: no pseudo-terminal to run on")
	}
	bin := testbin.Path(t)
	dir := t.TempDir()
	var mbox bytes.Buffer
	for i := range 600 {
		fmt.Fprintf(&mbox, "From x@y Mon Mar  2 10:00:00 2026\nFrom: a@example.org\nTo: bpf@vger.kernel.org\nSubject: note %d\nMessage-ID: <n%d@x>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\nhello\n\n", i, i)
	}
	path := filepath.Join(dir, "list.mbox")
	if err := os.WriteFile(path, mbox.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(quiet string, state string) string {
		t.Helper()
		cmd := exec.Command(script, "-qec", bin+" bot once "+quiet+" --mbox "+path+" --since 2000-01-01 --state "+filepath.Join(dir, state)+" --outbox "+filepath.Join(dir, "out"), os.DevNull)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bot once: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run("", "a.db")
	if !strings.Contains(out, "kfunccheck bot: reading "+path+": 600 messages") || !strings.Contains(out, ", done.") {
		t.Errorf("no progress on the terminal:\n%q", out)
	}
	if out := run("-q", "b.db"); strings.Contains(out, "reading "+path) {
		t.Errorf("-q still shows progress:\n%q", out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "bot", "once", "--mbox", path, "--since", "2000-01-01", "--state", filepath.Join(dir, "c.db"), "--outbox", filepath.Join(dir, "out"))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "\r") {
		t.Errorf("off a terminal: %v, %q", err, stderr.String())
	}
}

// TestByteProgress: a download is shown once it is slow, with its size
// and rate (and percentage when the size is known), rewritten in place
// and closed with ", done."; a quick one shows nothing.
func TestByteProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	p := newByteProgress(&b, "fetching <a@b>")
	p.start, p.now = clock, func() time.Time { return clock }
	p.update(1000, -1, false)
	if b.Len() != 0 {
		t.Fatalf("progress shown at once: %q", b.String())
	}
	clock = clock.Add(2 * time.Second)
	p.update(3<<20, -1, false)
	p.update(4<<20, -1, false) // within the update interval
	clock = clock.Add(2 * time.Second)
	p.update(8<<20, -1, true)
	want := "\rkfunccheck: fetching <a@b>: 3.00 MiB | 1.50 MiB/s\x1b[K" +
		"\rkfunccheck: fetching <a@b>: 8.00 MiB | 2.00 MiB/s\x1b[K, done.\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	b.Reset()
	q := newByteProgress(&b, "x")
	q.start, q.now = clock, func() time.Time { return clock }
	clock = clock.Add(2 * time.Second)
	q.update(512, 1024, false)
	if !strings.Contains(b.String(), " 50% (512 bytes/1.00 KiB)") {
		t.Errorf("known size: %q", b.String())
	}
	b.Reset()
	r := newByteProgress(&b, "x")
	r.update(10, 10, true)
	if b.Len() != 0 {
		t.Errorf("a quick download shows %q", b.String())
	}
}

// TestFetchProgressOnTerminal fetches a thread from a loopback server that
// sends it slowly, under a real pseudo-terminal (util-linux script): the
// fetch shows progress; with -q, or off a terminal, it does not.
func TestFetchProgressOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed: no pseudo-terminal to run on")
	}
	bin := testbin.Path(t)
	data, err := os.ReadFile(ex + "thread-v1-v2.mbox")
	if err != nil {
		t.Fatal(err)
	}
	var gzb bytes.Buffer
	zw := gzip.NewWriter(&gzb)
	zw.Write(data)
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A slow server: the thread in small pieces over 1.5 s.
		body := gzb.Bytes()
		step := max(len(body)/15, 1)
		for i := 0; i < len(body); i += step {
			w.Write(body[i:min(i+step, len(body))])
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	run := func(quiet string) string {
		t.Helper()
		cmd := exec.Command(script, "-qec", bin+" check "+quiet+" --lore "+srv.URL+"/all --msgid a@b", os.DevNull)
		out, _ := cmd.Output()
		return string(out)
	}
	if out := run(""); !strings.Contains(out, "kfunccheck: fetching <a@b>: ") || !strings.Contains(out, ", done.") {
		t.Errorf("no progress for a slow fetch on a terminal:\n%q", out)
	}
	if out := run("-q"); strings.Contains(out, "fetching <a@b>") {
		t.Errorf("-q still shows progress:\n%q", out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "check", "--lore", srv.URL+"/all", "--msgid", "a@b")
	cmd.Stderr = &stderr
	cmd.Run()
	if strings.Contains(stderr.String(), "fetching <a@b>") {
		t.Errorf("progress off a terminal: %q", stderr.String())
	}
}

// TestTerminalProgress: btf compat and history show progress only on a
// terminal someone reads, never with -q, never into a file or a pipe.
func TestTerminalProgress(t *testing.T) {
	var b bytes.Buffer
	if terminalProgress(&b, false, "x") != nil {
		t.Error("progress into a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if terminalProgress(f, false, "x") != nil {
		t.Error("progress into a file")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if terminalProgress(tty, true, "x") != nil {
			t.Error("progress with -q")
		}
		if terminalProgress(tty, false, "x") == nil {
			t.Error("no progress on a terminal")
		}
	}
}
