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
	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

// TestCrashRestart runs the real binary over an archive of many series,
// kills it (SIGKILL) at random points several times, restarts it, and
// checks that every series got exactly one reply. The SMTP server plays
// the list: what it accepts reaches the archive, which is how a bot
// killed between handing a reply over and recording it learns that the
// reply arrived.
// botCommand returns how the tests run the real bot over the given list
// flags: state and outbox in dir, replies sent through the loopback SMTP
// server at addr without rate limits, and an interrupted delivery resent
// after resendAfter.
func botCommand(bin, dir, addr string, resendAfter time.Duration, lists ...string) func(cmd string, extra ...string) *exec.Cmd {
	args := append(lists, "--state", filepath.Join(dir, "state.db"), "--outbox", filepath.Join(dir, "outbox"),
		"--send", "--smtp", addr, "--smtp-security", "none", "--from", "kfunccheck bot <bot@example.org>",
		"--per-hour", "0", "--per-day", "0", "--resend-after", resendAfter.String())
	env := append(os.Environ(), "KFUNCCHECK_SMTP_USER=bot", "KFUNCCHECK_SMTP_PASSWORD=s3cret")
	return func(cmd string, extra ...string) *exec.Cmd {
		c := exec.Command(bin, append(append([]string{"bot", cmd}, args...), extra...)...)
		c.Env = env
		return c
	}
}

// startSlowSMTP starts a loopback SMTP server without TLS (the binary
// cannot trust a test CA; AUTH is still required) whose DATA is slow
// enough for a kill to land mid-delivery. It stops with the test.
func startSlowSMTP(t *testing.T) (*smtpServer, string) {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(slowBackend{backend{s}})
	srv.Domain, srv.AllowInsecureAuth = "127.0.0.1", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s, l.Addr().String()
}

func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot binary many times")
	}
	bin := testbin.Path(t)
	s, addr := startSlowSMTP(t)

	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	s.list = func(data string) { a.add(0, data) }
	const resendAfter = 2 * time.Second
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	run := botCommand(bin, dir, addr, resendAfter, "--inbox", a.dir)
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
	var logs []*strings.Builder
	for k := 0; k < 10; k++ {
		c := run("run", "--interval", "20ms")
		log := new(strings.Builder)
		logs = append(logs, log)
		c.Stderr = log
		defer func(k int) {
			if t.Failed() {
				t.Logf("run %d:\n%s", k, log.String())
			}
		}(k)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rnd.Intn(400)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
	}
	// Replies cut off by the last kill are held for resendAfter; the
	// final passes send those the server never accepted.
	time.Sleep(resendAfter + 100*time.Millisecond)
	for k := 0; k < 3; k++ {
		out, err := run("once").CombinedOutput()
		if err != nil {
			t.Fatalf("final pass: %v\n%s", err, out)
		}
		logs = append(logs, new(strings.Builder))
		logs[len(logs)-1].Write(out)
		defer func(k int) {
			if t.Failed() {
				t.Logf("final pass %d:\n%s", k, out)
			}
		}(k)
	}
	archived := 0
	for _, l := range logs {
		archived += strings.Count(l.String(), "is already in the archive")
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
	t.Logf("%d replies over 10 kills; %d interrupted deliveries found in the archive", len(s.got()), archived)
	if t.Failed() {
		// Which replies were sent more than once, and whether the
		// archive had them: the evidence the bot should have used.
		st, err := OpenStore(state)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		rows, err := st.db.Query(`SELECT o.message_id, o.state, o.attempts,
			(SELECT count(*) FROM message m WHERE m.message_id = o.message_id)
			FROM outbox o WHERE o.attempts > 1 OR o.state != 'sent'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, status string
			var attempts, archived int
			rows.Scan(&id, &status, &attempts, &archived)
			t.Logf("reply %s: %s after %d attempts, in the archive: %v", id, status, attempts, archived > 0)
		}
	}
}

// slowBackend makes each delivery take a few milliseconds, so that kills
// also land while replies are being sent.
type slowBackend struct{ backend }

func (b slowBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	time.Sleep(3 * time.Millisecond)
	return b.backend.NewSession(c)
}
