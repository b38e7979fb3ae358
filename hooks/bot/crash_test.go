// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestCrashRestart runs the real binary over an archive of many series,
// kills it (SIGKILL) at random points several times, restarts it, and
// checks that every series got exactly one reply.
func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot binary many times")
	}
	bin := filepath.Join(t.TempDir(), "kfunccheck")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kfunccheck/kfunccheck/cmd/kfunccheck").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// A loopback SMTP server without TLS (the binary cannot trust a test
	// CA); AUTH is still required.
	s := &smtpServer{}
	srv := smtp.NewServer(slowBackend{backend{s}})
	srv.Domain, srv.AllowInsecureAuth = "127.0.0.1", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	dir := t.TempDir()
	state, outbox := filepath.Join(dir, "state.db"), filepath.Join(dir, "outbox")
	args := []string{"--inbox", a.dir, "--state", state, "--outbox", outbox, "--send", "--smtp", l.Addr().String(),
		"--smtp-security", "none", "--from", "kfunccheck bot <bot@example.org>", "--per-hour", "0", "--per-day", "0"}
	env := append(os.Environ(), "KFUNCCHECK_SMTP_USER=bot", "KFUNCCHECK_SMTP_PASSWORD=s3cret")
	run := func(cmd string, extra ...string) *exec.Cmd {
		c := exec.Command(bin, append(append([]string{"bot", cmd}, args...), extra...)...)
		c.Env = env
		return c
	}
	if out, err := run("once").CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	bad := []string{"STABLE_REMOVAL/remove-stable.patch", "STABLE_REMOVAL/demote-stable.patch",
		"STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "STABLE_FLAGS_BREAKING/flags-breaking.patch"}
	const n = 60
	for i := 0; i < n; i++ {
		a.add(0, mailOf(t, bad[i%len(bad)], fmt.Sprintf("s%d@x", i), "", ""))
		a.add(0, review(fmt.Sprintf("r%d@x", i), fmt.Sprintf("s%d@x", i), "[PATCH] x"))
	}
	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	for k := 0; k < 10; k++ {
		c := run("run", "--interval", "20ms")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rnd.Intn(400)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
	}
	for k := 0; k < 3; k++ {
		if out, err := run("once").CombinedOutput(); err != nil {
			t.Fatalf("final pass: %v\n%s", err, out)
		}
	}
	count := map[string]int{}
	for _, m := range s.got() {
		for _, l := range strings.Split(m.data, "\r\n") {
			if v, ok := strings.CutPrefix(l, "In-Reply-To: "); ok {
				count[strings.Trim(v, "<>")]++
			}
		}
	}
	for i := 0; i < n; i++ {
		if c := count[fmt.Sprintf("s%d@x", i)]; c != 1 {
			t.Errorf("series s%d@x got %d replies", i, c)
		}
	}
	if len(count) != n {
		t.Errorf("%d series answered, want %d", len(count), n)
	}
	t.Logf("%d replies over 10 kills", len(s.got()))
}

// slowBackend makes each delivery take a few milliseconds, so that kills
// also land while replies are being sent.
type slowBackend struct{ backend }

func (b slowBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	time.Sleep(3 * time.Millisecond)
	return b.backend.NewSession(c)
}
