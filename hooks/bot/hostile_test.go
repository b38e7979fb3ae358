// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
)

// wireSMTP is a loopback SMTP server that records every byte the client
// sends, and answers RCPT TO per address as told (250 otherwise).
type wireSMTP struct {
	mu      sync.Mutex
	addr    string
	rcpt    map[string]string // address -> answer line, e.g. "550 no such user"
	data    string            // answer to the end of the message ("250 queued" when "")
	wire    bytes.Buffer
	rcpts   [][]string // accepted recipients of each delivered message
	message []string
}

func startWireSMTP(t *testing.T) *wireSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &wireSMTP{addr: l.Addr().String(), rcpt: map[string]string{}}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *wireSMTP) serve(c net.Conn) {
	defer c.Close()
	var rec bytes.Buffer
	defer func() {
		s.mu.Lock()
		s.wire.Write(rec.Bytes())
		s.mu.Unlock()
	}()
	r := bufio.NewReader(io.TeeReader(c, &rec))
	say := func(l string) { fmt.Fprintf(c, "%s\r\n", l) }
	say("220 127.0.0.1 ESMTP")
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO" || verb == "MAIL" || verb == "NOOP":
			to = nil
			say("250 ok")
		case verb == "RSET":
			to = nil
			say("250 ok")
		case verb == "RCPT":
			addr := strings.ToLower(strings.Trim(line[len("RCPT TO:"):], "<> "))
			s.mu.Lock()
			ans := s.rcpt[addr]
			s.mu.Unlock()
			if ans == "" {
				to = append(to, addr)
				ans = "250 ok"
			}
			say(ans)
		case verb == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			ans := s.data
			if ans == "" {
				ans = "250 queued"
				s.rcpts = append(s.rcpts, to)
				s.message = append(s.message, msg.String())
			}
			s.mu.Unlock()
			say(ans)
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not here")
		}
	}
}

func (s *wireSMTP) transcript() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wire.String()
}

func (s *wireSMTP) delivered() (rcpts [][]string, msgs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.rcpts...), append([]string(nil), s.message...)
}

// baseHeader is a well-formed patch mail's header; the cases change it.
const baseHeader = "From: Jane Developer <jane@example.org>\n" +
	"To: bpf@vger.kernel.org\n" +
	"Cc: Alexei Starovoitov <ast@kernel.org>\n" +
	"Subject: [PATCH bpf-next] bpf: Remove bpf_rdonly_cast()\n" +
	"Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
	"Message-ID: <h@x>\n"

// hostileMail is a patch that removes a kfunc of the stable list, under
// the given header block.
func hostileMail(t *testing.T, header, bodyPrefix string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "examples", "0002-bpf-Remove-bpf_rdonly_cast.patch"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(data), "\n\n")
	return header + "\n" + bodyPrefix + body
}

// hostileBot is a bot with a stable list (in a directory whose path must
// never show in a reply) delivering to a wire-recording server.
func hostileBot(t *testing.T, srv *wireSMTP) (*testBot, *archive) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "operator-private")
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(path, []byte("bpf_rdonly_cast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := baseline.LoadStableList(path)
	if err != nil {
		t.Fatal(err)
	}
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.cfg.Check.Baseline = relabel(baseline.Multi{l, baseline.HunksOnly{}}, nil)
	tb.cfg.Send = true
	tb.cfg.SMTP = SMTPConfig{Addr: srv.addr, Security: "none"}
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	return tb, a
}

// checkWire fails when the bytes sent break SMTP's line rules: every CR
// and LF must form CRLF, no NUL or escape, lines under 998 octets.
func checkWire(t *testing.T, wire string) {
	t.Helper()
	for i := 0; i < len(wire); i++ {
		switch c := wire[i]; {
		case c == '\r' && (i+1 == len(wire) || wire[i+1] != '\n'):
			t.Errorf("bare CR on the wire at %d: %q", i, wire[max(0, i-40):min(len(wire), i+40)])
		case c == '\n' && (i == 0 || wire[i-1] != '\r'):
			t.Errorf("bare LF on the wire at %d: %q", i, wire[max(0, i-40):min(len(wire), i+40)])
		case c == 0 || c == 0x1b:
			t.Errorf("control character %#x on the wire at %d", c, i)
		}
	}
	for _, l := range strings.Split(wire, "\r\n") {
		if len(l) >= 998 {
			t.Errorf("a line of %d octets on the wire", len(l))
		}
	}
}

// headerOf returns the header block of a message, unfolded per field.
func headerOf(msg string) map[string][]string {
	hdr, _, _ := strings.Cut(msg, "\r\n\r\n")
	out := map[string][]string{}
	var name string
	for _, l := range strings.Split(hdr, "\r\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			vs := out[name]
			vs[len(vs)-1] += l
			continue
		}
		n, v, _ := strings.Cut(l, ":")
		name = strings.ToLower(n)
		out[name] = append(out[name], strings.TrimSpace(v))
	}
	return out
}

func TestHostileMail(t *testing.T) {
	manyRefs := "References:"
	for i := range 1000 {
		manyRefs += fmt.Sprintf(" <r%d@x>", i)
	}
	manyCc := "Cc: "
	for i := range 2000 {
		if i > 0 {
			manyCc += ", "
		}
		manyCc += fmt.Sprintf("u%d@example.org", i)
	}
	for _, tt := range []struct {
		name   string
		header string
		body   string // before the commit message (in-body headers)
		setup  func(*testBot)
		// check looks at the one delivered message and its recipients.
		check func(t *testing.T, msg string, h map[string][]string, rcpt []string)
		// none is set when no reply may go out.
		none bool
	}{
		{name: "failed encoded word with a bare CR in Subject",
			header: strings.Replace(baseHeader, "Subject: [PATCH bpf-next] bpf: Remove bpf_rdonly_cast()",
				"Subject: [PATCH bpf-next] bpf: Remove =?x-bogus?q?a?= \rBcc: victim@evil.example", 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["bcc"]) > 0 || strings.Contains(strings.Join(rcpt, ","), "evil") {
					t.Errorf("a CR in the Subject forged a Bcc: %v %v", h["bcc"], rcpt)
				}
				if !strings.Contains(h["subject"][0], "Bcc: victim@evil.example") {
					t.Errorf("subject %q", h["subject"])
				}
			}},
		{name: "NUL and ESC in Subject",
			header: strings.Replace(baseHeader, "bpf_rdonly_cast()", "bpf_rdonly_cast() =?utf-8?q?=00=1B[2J?= \x1b]0;owned\x07", 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if strings.ContainsAny(msg, "\x00\x1b\x07") {
					t.Error("control characters reached the reply")
				}
			}},
		{name: "Message-ID with a CR",
			header: strings.Replace(baseHeader, "Message-ID: <h@x>", "Message-ID: <h@x\rBcc: victim@evil.example>", 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["bcc"]) > 0 || len(h["in-reply-to"]) > 0 || strings.Contains(msg, "evil") {
					t.Errorf("an invalid Message-ID was copied: %v %v", h["in-reply-to"], h["bcc"])
				}
			}},
		{name: "encoded CR LF in the sender's name",
			header: strings.Replace(baseHeader, "From: Jane Developer <jane@example.org>",
				"From: =?utf-8?q?Jane=0D=0ABcc:_victim@evil.example=0D?= <jane@example.org>", 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				// net/mail refuses the name: the sender is not parsed, and
				// the reply goes to the list and Cc's only.
				if len(h["bcc"]) > 0 || len(h["to"]) > 0 && !strings.HasSuffix(h["to"][0], "<jane@example.org>") {
					t.Errorf("the sender's name forged a header: To %v, Bcc %v", h["to"], h["bcc"])
				}
				if strings.Contains(strings.Join(rcpt, ","), "evil") {
					t.Errorf("RCPT %v", rcpt)
				}
			}},
		{name: "CR and junk in References and In-Reply-To",
			header: baseHeader + "In-Reply-To: <root@x>\rBcc: victim@evil.example\nReferences: <root@x>\r<bad id@x> <ok@x>\rBcc: v@evil.example\n",
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["bcc"]) > 0 || h["references"][0] != "<root@x> <ok@x> <h@x>" {
					t.Errorf("References %q, Bcc %v", h["references"], h["bcc"])
				}
			}},
		{name: "in-body From and Subject with CR",
			body: "From: Evil <evil@evil.example>\rBcc: victim@evil.example\nSubject: x\rBcc: victim2@evil.example\n\n",
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["bcc"]) > 0 || h["to"][0] != "Jane Developer <jane@example.org>" {
					t.Errorf("in-body lines redirected the reply: To %v Bcc %v", h["to"], h["bcc"])
				}
			}},
		{name: "in-body From is Cc'd only as --cc-deny allows",
			body:  "From: Evil <evil@evil.example>\n\n",
			setup: func(tb *testBot) { tb.cfg.CcDeny = []string{"evil@evil.example"} },
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if strings.Contains(strings.Join(rcpt, ","), "evil") || strings.Contains(msg, "evil@") {
					t.Errorf("a denied in-body author got the reply: %v", rcpt)
				}
				if h["to"][0] != "Jane Developer <jane@example.org>" {
					t.Errorf("To %v", h["to"])
				}
			}},
		{name: "From that does not parse",
			header: strings.Replace(baseHeader, "From: Jane Developer <jane@example.org>", "From: Jane <<jane@example.org, evil@evil.example", 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["to"]) > 0 || strings.Join(rcpt, ",") != "bpf@vger.kernel.org,ast@kernel.org" {
					t.Errorf("unparsed From text became a recipient: To %v, RCPT %v", h["to"], rcpt)
				}
			}},
		{name: "200 KB Subject",
			header: strings.Replace(baseHeader, "bpf_rdonly_cast()", "bpf_rdonly_cast() "+strings.Repeat("long ", 40000), 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if n := len(h["subject"][0]); n > 2*maxSubject {
					t.Errorf("a Subject of %d octets was copied", n)
				}
			}},
		{name: "1,000 References",
			header: baseHeader + manyRefs + "\n",
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if n := strings.Count(h["references"][0], "<"); n > maxReferences {
					t.Errorf("%d References copied", n)
				}
				if !strings.HasPrefix(h["references"][0], "<r0@x>") || !strings.HasSuffix(h["references"][0], "<h@x>") {
					t.Errorf("References lost the root or the answered mail: %.80s", h["references"][0])
				}
			}},
		{name: "2,000 Cc's",
			header: strings.Replace(baseHeader, "Cc: Alexei Starovoitov <ast@kernel.org>", manyCc, 1),
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(rcpt) > DefaultMaxRecipients {
					t.Errorf("%d recipients", len(rcpt))
				}
			}},
		{name: "--cc-allow limits To too",
			setup: func(tb *testBot) { tb.cfg.CcAllow = []string{"ast@kernel.org"} },
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if strings.Join(rcpt, ",") != "bpf@vger.kernel.org,ast@kernel.org" || len(h["to"]) > 0 {
					t.Errorf("RCPT %v, To %v", rcpt, h["to"])
				}
			}},
		{name: "reply is marked auto-replied and names the stable list by label",
			check: func(t *testing.T, msg string, h map[string][]string, rcpt []string) {
				if len(h["auto-submitted"]) != 1 || h["auto-submitted"][0] != "auto-replied" {
					t.Errorf("Auto-Submitted %v", h["auto-submitted"])
				}
				if strings.Contains(msg, "operator-private") || !strings.Contains(msg, "stable list list.txt:1") {
					t.Errorf("the stable list is not named by its label:\n%s", msg)
				}
			}},
		{name: "Auto-Submitted mail is not answered", none: true,
			header: baseHeader + "Auto-Submitted: auto-replied\n"},
		{name: "Auto-Submitted: no is answered",
			header: baseHeader + "Auto-Submitted: no\n",
			check:  func(t *testing.T, msg string, h map[string][]string, rcpt []string) {}},
		{name: "mail from MAILER-DAEMON is not answered", none: true,
			header: strings.Replace(baseHeader, "Jane Developer <jane@example.org>", "Mail Delivery System <MAILER-DAEMON@example.org>", 1)},
		{name: "mail from postmaster is not answered", none: true,
			header: strings.Replace(baseHeader, "Jane Developer <jane@example.org>", "postmaster@example.org", 1)},
		{name: "a bounce is not answered", none: true,
			header: baseHeader + "X-Failed-Recipients: jane@example.org\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startWireSMTP(t)
			tb, a := hostileBot(t, srv)
			if tt.setup != nil {
				tt.setup(tb)
			}
			header := tt.header
			if header == "" {
				header = baseHeader
			}
			a.add(0, hostileMail(t, header, tt.body))
			if err := tb.Once(Source{Inbox: a.dir}); err != nil {
				t.Fatal(err)
			}
			rcpts, msgs := srv.delivered()
			if tt.none {
				if len(msgs) != 0 {
					t.Fatalf("answered:\n%s", msgs[0])
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("%d replies delivered; wire:\n%.2000s", len(msgs), srv.transcript())
			}
			checkWire(t, srv.transcript())
			tt.check(t, msgs[0], headerOf(msgs[0]), rcpts[0])
		})
	}
}

// TestRefusedRecipient: a 5xx for one recipient drops that recipient only;
// temporary refusals are retried with backoff and end "failed".
func TestRefusedRecipient(t *testing.T) {
	srv := startWireSMTP(t)
	tb, a := hostileBot(t, srv)
	srv.rcpt["ast@kernel.org"] = "550 5.1.1 no such user"
	a.add(0, hostileMail(t, baseHeader, ""))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	rcpts, _ := srv.delivered()
	if len(rcpts) != 1 || strings.Join(rcpts[0], ",") != "jane@example.org,bpf@vger.kernel.org" {
		t.Fatalf("delivered to %v", rcpts)
	}
	var state, lastErr string
	tb.store.db.QueryRow(`SELECT state, last_error FROM outbox`).Scan(&state, &lastErr)
	if state != "sent" || !strings.Contains(lastErr, "ast@kernel.org (550") {
		t.Errorf("state %s, last error %q", state, lastErr)
	}

	// Temporary refusals: retried after a backoff, then failed.
	srv2 := startWireSMTP(t)
	tb2, a2 := hostileBot(t, srv2)
	srv2.rcpt["jane@example.org"] = "451 4.3.0 try later"
	a2.add(0, hostileMail(t, baseHeader, ""))
	attempts := 0
	for i := 0; i < 40; i++ {
		if err := tb2.Once(Source{Inbox: a2.dir}); err != nil {
			t.Fatal(err)
		}
		tb2.store.db.QueryRow(`SELECT state, attempts FROM outbox`).Scan(&state, &attempts)
		if state == "failed" {
			break
		}
		if i == 0 {
			// Within the backoff, no new attempt.
			if err := tb2.Once(Source{Inbox: a2.dir}); err != nil {
				t.Fatal(err)
			}
			var again int
			tb2.store.db.QueryRow(`SELECT attempts FROM outbox`).Scan(&again)
			if again != attempts {
				t.Fatalf("retried within the backoff: %d attempts, then %d", attempts, again)
			}
		}
		tb2.now = tb2.now.Add(backoff(attempts) + 1)
	}
	if state != "failed" || attempts != maxDeliveryAttempts {
		t.Errorf("after temporary refusals: state %s after %d attempts", state, attempts)
	}

	// A 5xx to the message itself is final.
	srv3 := startWireSMTP(t)
	tb3, a3 := hostileBot(t, srv3)
	srv3.data = "554 5.6.0 rejected"
	a3.add(0, hostileMail(t, baseHeader, ""))
	if err := tb3.Once(Source{Inbox: a3.dir}); err != nil {
		t.Fatal(err)
	}
	tb3.store.db.QueryRow(`SELECT state, attempts FROM outbox`).Scan(&state, &attempts)
	if state != "failed" || attempts != 1 {
		t.Errorf("after a 554: state %s after %d attempts", state, attempts)
	}
}

// TestEnvelopeAdversarial: header blocks of 1 MB in hostile shapes are
// read in linear time and bounded memory (under a second, 100 MB).
func TestEnvelopeAdversarial(t *testing.T) {
	mb := 1 << 20
	refs := strings.Repeat("<a@b> ", mb/6)
	cc := strings.Repeat("x@example.org, ", mb/15)
	for _, tt := range []struct{ name, header string }{
		{"References", "References: " + refs + "\n"},
		{"unclosed References", "References: " + strings.Repeat("<", mb) + "\n"},
		{"Cc", "Cc: " + cc + "\n"},
		{"unparsable Cc", "Cc: " + strings.Repeat("\"a, ", mb/4) + "\n"},
		{"Subject", "Subject: " + strings.Repeat("=?utf-8?q?=C3=A9?= ", mb/19) + "\n"},
		{"folded Subject", "Subject: x" + strings.Repeat("\n y", mb/3) + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte("From: Jane <jane@example.org>\nMessage-ID: <m@x>\n" + tt.header + "\nbody\n")
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			env := readEnvelope(raw)
			var h strings.Builder
			headerField(&h, "Subject", encodeText(env.Subject))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if took > time.Second {
				t.Errorf("took %s", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if env.MessageID != "m@x" {
				t.Errorf("Message-ID %q", env.MessageID)
			}
		})
	}
}

// TestSilentSMTPServer: a server that accepts the connection and never
// answers does not hold the bot: the attempt times out, the reply waits
// for a retry, and the pass ends.
func TestSilentSMTPServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	srv := &wireSMTP{addr: l.Addr().String()}
	tb, a := hostileBot(t, startWireSMTP(t))
	tb.cfg.SMTP = SMTPConfig{Addr: srv.addr, Security: "none", Timeout: 300 * time.Millisecond}
	a.add(0, hostileMail(t, baseHeader, ""))
	start := time.Now()
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the pass took %s", d)
	}
	var state, lastErr string
	tb.store.db.QueryRow(`SELECT state, coalesce(last_error, '') FROM outbox`).Scan(&state, &lastErr)
	if state != "pending" || !strings.Contains(lastErr, "timeout") {
		t.Errorf("after a silent server: %s %q", state, lastErr)
	}
}

// FuzzEnvelope: whatever a header block holds, what the bot takes from it
// for a reply is clean: ids are valid msg-ids, addresses clean, and the
// header fields written from it hold no CR, LF or control character
// outside folding, with every line under 998 octets.
func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(baseHeader + "\nbody\n"))
	f.Add([]byte("From: =?x?q?a?= \r<a@b.c>\nSubject: =?utf-8?q?=00=1B?=\nReferences: <a@b> <<c@d>\n\n"))
	f.Add([]byte("Subject: " + strings.Repeat("é", 2000) + "\nMessage-ID: <x@[1.2.3.4]>\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		env := readEnvelope(raw)
		for _, id := range append([]string{env.MessageID, env.InReplyTo}, env.Refs...) {
			if id != "" && !validMsgID(id) {
				t.Fatalf("invalid msg-id %q kept", id)
			}
		}
		var h strings.Builder
		headerField(&h, "Subject", encodeText("Re: "+env.Subject))
		if env.From != nil {
			headerField(&h, "To", formatAddress(env.From))
		}
		for _, a := range append(env.To, env.Cc...) {
			headerField(&h, "Cc", formatAddress(a))
		}
		out := h.String()
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if len(l) >= 998 {
				t.Fatalf("line %d of %d octets", i, len(l))
			}
			if i > 0 && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "Subject:") && !strings.HasPrefix(l, "To:") && !strings.HasPrefix(l, "Cc:") {
				t.Fatalf("line %q starts a field of its own", l)
			}
			for _, c := range []byte(l) {
				if c < 0x20 && c != '\t' || c == 0x7f {
					t.Fatalf("control character %#x in %q", c, l)
				}
			}
		}
	})
}
