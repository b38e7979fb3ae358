// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
)

// TestMsgidFromPublicInbox serves a thread (v1 and v2 of a series and a
// review) from Debian's public-inbox-httpd on loopback and checks it by
// Message-ID, as b4 am would fetch it: the newest version by default,
// another with --series-version, a bare Message-ID argument or a lore URL
// the same.
func TestMsgidFromPublicInbox(t *testing.T) {
	for _, tool := range []string{"public-inbox-init", "public-inbox-mda", "public-inbox-httpd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian package public-inbox; .ci/run installs it)", tool)
		}
	}
	dir := t.TempDir()
	env := append(os.Environ(), "PI_CONFIG="+filepath.Join(dir, "config"), "HOME="+dir, "ORIGINAL_RECIPIENT=bpf@vger.kernel.org")
	sh := func(stdin []byte, name string, args ...string) {
		t.Helper()
		c := exec.Command(name, args...)
		c.Env = env
		c.Stdin = bytes.NewReader(stdin)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	sh(nil, "public-inbox-init", "-V2", "bpf", filepath.Join(dir, "inbox"), "http://127.0.0.1/bpf", "bpf@vger.kernel.org")
	sh(nil, "git", "config", "-f", filepath.Join(dir, "config"), "publicinboxmda.spamcheck", "none")

	// The messages of the v1+v2 thread fixture, threaded to the v1 cover.
	data, err := os.ReadFile(ex + "thread-v1-v2.mbox")
	if err != nil {
		t.Fatal(err)
	}
	const root = "v1-cover@kfunccheck.test"
	sp := mail.NewSplitter(bytes.NewReader(data), 0)
	for n := 0; ; n++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		msg := string(raw.Data)
		if !strings.Contains(strings.SplitN(msg, "\n\n", 2)[0], "Message-ID:") {
			id := root
			if n > 0 {
				id = fmt.Sprintf("part%d@kfunccheck.test", n)
			}
			msg = "Message-ID: <" + id + ">\n" + msg
		}
		if n > 0 {
			msg = "In-Reply-To: <" + root + ">\nReferences: <" + root + ">\n" + msg
		}
		sh([]byte(msg), "public-inbox-mda")
	}
	// Someone other than the series' author posts a "v9" of its last
	// part into the thread: it is not the series' newest version.
	if i := bytes.Index(data, []byte("Subject: [PATCH bpf-next v2 2/2]")); i > 0 {
		rest := string(data[i:])
		_, rest, _ = strings.Cut(rest, "\n") // its own Subject follows
		foreign := "From: Mallory <mallory@evil.example>\nDate: Tue, 10 Mar 2026 10:00:00 +0000\nMessage-ID: <v9@evil.example>\nIn-Reply-To: <" + root + ">\nReferences: <" + root + ">\n" +
			"Subject: [PATCH bpf-next v9 2/2] bpf: Remove bpf_task_release() for good\n" + rest
		sh([]byte(foreign), "public-inbox-mda")
	} else {
		t.Fatal("the thread fixture changed")
	}

	// public-inbox-httpd on a free loopback port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	httpd := exec.CommandContext(ctx, "public-inbox-httpd", "-l", addr)
	httpd.Env = env
	var log bytes.Buffer
	httpd.Stdout, httpd.Stderr = &log, &log
	if err := httpd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); httpd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("public-inbox-httpd does not listen on %s:\n%s", addr, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	base := "http://" + addr + "/bpf"

	tests := []struct {
		name   string
		args   []string
		code   int
		out    []string
		stderr string
	}{
		{"newest version", []string{"check", "--lore", base, "--msgid", root}, 1,
			[]string{"[PATCH bpf-next v2 2/2]", "STABLE_REMOVAL"}, "versions [1 2]; checking v2"},
		{"another's v9 left out", []string{"check", "--lore", base, "--msgid", root}, 1,
			[]string{"[PATCH bpf-next v2 2/2]"}, "left out, not posted by the series' author jane@example.org: v9 (1 message(s)) from mallory@evil.example"},
		{"Message-ID in angle brackets", []string{"check", "--lore", base, "--msgid", "<" + root + ">"}, 1,
			[]string{"[PATCH bpf-next v2 2/2]", "STABLE_REMOVAL"}, ""},
		{"URL fetched from its own inbox", []string{"check", "--lore", "http://127.0.0.1:1/nowhere", base + "/" + root + "/T/"}, 1,
			[]string{"[PATCH bpf-next v2 2/2]"}, ""},
		{"--msgid URL fetched from its own inbox", []string{"check", "--lore", "http://127.0.0.1:1/nowhere", "--msgid", base + "/" + root + "/"}, 1,
			[]string{"[PATCH bpf-next v2 2/2]"}, ""},
		{"invalid --msgid", []string{"check", "--lore", base, "--msgid", "<..>"}, 2,
			nil, "not a Message-ID"},
		{"another version", []string{"check", "--lore", base, "--series-version", "1", "--msgid", root}, 1,
			[]string{"[PATCH bpf-next 2/2]", "STABLE_REMOVAL"}, ""},
		{"bare Message-ID", []string{"check", "--lore", base, "<part1@kfunccheck.test>"}, 1,
			[]string{"v2 2/2", "STABLE_REMOVAL"}, ""},
		{"lore URL", []string{"check", "--lore", base, base + "/" + root + "/T/"}, 1,
			[]string{"v2 2/2"}, ""},
		{"unknown Message-ID", []string{"check", "--lore", base, "--msgid", "nosuch@kfunccheck.test"}, 2,
			nil, "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", append(tt.args, "--format", "json")...)
			if code != tt.code || !strings.Contains(stderr+out, tt.stderr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)\n%s", code, tt.code, stderr, tt.stderr, out)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.name == "newest version" && strings.Contains(out, `"subject":"[PATCH bpf-next 1/2]`) {
				t.Errorf("v1 checked too:\n%s", out)
			}
		})
	}
}
