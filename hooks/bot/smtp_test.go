// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// smtpServer is a real SMTP server on loopback (go-smtp) that requires TLS
// and AUTH PLAIN, and records what it accepts.
type smtpServer struct {
	mu       sync.Mutex
	received []received
	addr     string
	client   *tls.Config
	// list, when set, gets each accepted message before the server
	// answers 250: the mailing list that archives it.
	list func(data string)
}

type received struct {
	from string
	to   []string
	data string
	user string
}

type backend struct{ s *smtpServer }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s   *smtpServer
	cur received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "bot" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.cur.user = user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.cur.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.s.mu.Lock()
	s.s.received = append(s.s.received, s.cur)
	s.s.mu.Unlock()
	if s.s.list != nil {
		s.s.list(s.cur.data)
	}
	return nil
}
func (s *session) Reset()        { s.cur = received{user: s.cur.user} }
func (s *session) Logout() error { return nil }

// testTLS makes a CA-signed certificate for 127.0.0.1.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func startSMTP(t testing.TB, implicit bool) *smtpServer {
	t.Helper()
	srvTLS, cliTLS := testTLS(t)
	s := &smtpServer{client: cliTLS}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = srvTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srvTLS)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

func TestSMTPDelivery(t *testing.T) {
	for _, implicit := range []bool{false, true} {
		name := "starttls"
		if implicit {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			srv := startSMTP(t, implicit)
			a := newArchive(t)
			a.add(0, review("start@x", "none@x", "[PATCH] start"))
			tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
			tb.cfg.Send = true
			tb.cfg.SMTP = SMTPConfig{Addr: srv.addr, Security: name, User: "bot", Password: "s3cret", TLS: srv.client}
			src := Source{Inbox: a.dir}
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			got := srv.got()
			if len(got) != 1 {
				t.Fatalf("%d messages received", len(got))
			}
			m := got[0]
			if m.from != "bot@example.org" || strings.Join(m.to, ",") != "jane@example.org,bpf@vger.kernel.org,ast@kernel.org" {
				t.Errorf("envelope %s -> %v", m.from, m.to)
			}
			for _, want := range []string{"In-Reply-To: <rm@x>", "Subject: Re: [PATCH bpf-next] bpf: Remove bpf_rdonly_cast()",
				"ERROR STABLE_REMOVAL: bpf_rdonly_cast", "\r\n"} {
				if !strings.Contains(m.data, want) {
					t.Errorf("message lacks %q:\n%s", want, m.data)
				}
			}
			// The outbox knows it was sent: no second send.
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			if len(srv.got()) != 1 {
				t.Error("a sent reply was sent again")
			}
			// Wrong credentials: the reply stays pending with its error.
			a.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "dm@x", "", ""))
			tb.cfg.SMTP.Password = "wrong"
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			var state, lastErr string
			if err := tb.store.db.QueryRow(`SELECT state, last_error FROM outbox WHERE series_key = 'dm@x#v1'`).Scan(&state, &lastErr); err != nil || state != "pending" || !strings.Contains(lastErr, "auth") {
				t.Errorf("after a refused login: %s %q %v", state, lastErr, err)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	srv := startSMTP(t, false)
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.cfg.Send, tb.cfg.PerHour = true, 1
	tb.cfg.SMTP = SMTPConfig{Addr: srv.addr, Security: "starttls", User: "bot", Password: "s3cret", TLS: srv.client}
	src := Source{Inbox: a.dir}
	tb.Once(src)
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	a.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "dm@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.got()); n != 1 {
		t.Fatalf("%d sent within the hourly limit of 1", n)
	}
	tb.now = tb.now.Add(61 * time.Minute)
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.got()); n != 2 {
		t.Fatalf("%d sent after the hour", n)
	}
}

// TestPatchwork posts checks to a server that enforces patchwork's REST
// API: token auth, the msgid lookup, the check fields and states.
func TestPatchwork(t *testing.T) {
	var mu sync.Mutex
	var posts []map[string]string
	ids := map[string]int{"rm@x": 11, "good@x": 12}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/api/1.2/patches/":
			id, ok := ids[r.URL.Query().Get("msgid")]
			if !ok {
				w.Write([]byte("[]"))
				return
			}
			json.NewEncoder(w).Encode([]map[string]int{{"id": id}})
		case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/api/1.2/patches/") && strings.HasSuffix(r.URL.Path, "/checks/"):
			if r.Header.Get("Authorization") != "Token t0ken" {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			var c map[string]string
			if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			switch c["state"] {
			case "pending", "success", "warning", "fail":
			default:
				http.Error(w, "bad state", http.StatusBadRequest)
				return
			}
			if c["context"] != Context || c["description"] == "" {
				http.Error(w, "bad check", http.StatusBadRequest)
				return
			}
			c["path"] = r.URL.Path
			mu.Lock()
			posts = append(posts, c)
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	tb.cfg.Patchwork = &Patchwork{URL: srv.URL, Token: "t0ken", TargetURL: "https://lore.kernel.org/bpf/", AllowHTTP: true}
	src := Source{Inbox: a.dir}
	tb.Once(src)
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	a.add(0, mailOf(t, "clean/promote-good.patch", "good@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	byPath := map[string]string{}
	for _, p := range posts {
		byPath[p["path"]] = p["state"]
	}
	if len(posts) != 2 || byPath["/api/1.2/patches/11/checks/"] != "fail" || byPath["/api/1.2/patches/12/checks/"] != "success" {
		t.Fatalf("posts %+v", posts)
	}
	// Reporting the same state again is skipped; a new state is posted.
	res := &patchcheck.Result{Patch: &model.Patch{Header: model.Header{MessageID: "rm@x"}},
		Findings: []model.Finding{{Rule: "STABLE_REMOVAL", Severity: model.SeverityError}}}
	if err := tb.cfg.Patchwork.Report(tb.store, res, model.SeverityError); err != nil || len(posts) != 2 {
		t.Fatalf("same state posted again: %d posts, %v", len(posts), err)
	}
	res.Findings = nil
	if err := tb.cfg.Patchwork.Report(tb.store, res, model.SeverityError); err != nil || len(posts) != 3 || posts[2]["state"] != "success" {
		t.Fatalf("new state: %+v, %v", posts, err)
	}
}

// TestPatchworkPlainHTTP: the token never goes over plain http:// unless
// the operator allows it, also not through a redirect from https.
func TestPatchworkPlainHTTP(t *testing.T) {
	var mu sync.Mutex
	var tokens []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Method == "GET" {
			w.Write([]byte(`[{"id": 1}]`))
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer plain.Close()
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			w.Write([]byte(`[{"id": 1}]`))
			return
		}
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	store, err := OpenStore(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	res := &patchcheck.Result{Patch: &model.Patch{Header: model.Header{MessageID: "rm@x"}}}
	for _, tt := range []struct {
		name  string
		pw    *Patchwork
		token bool // whether the plain server may see the token
	}{
		{"plain http", &Patchwork{URL: plain.URL, Token: "t0ken"}, false},
		{"redirect to plain http", &Patchwork{URL: redirect.URL, Token: "t0ken", Client: redirect.Client()}, false},
		{"plain http allowed", &Patchwork{URL: plain.URL, Token: "t0ken", AllowHTTP: true}, true},
	} {
		mu.Lock()
		tokens = nil
		mu.Unlock()
		err := tt.pw.Report(store, res, model.SeverityError)
		mu.Lock()
		sent := strings.Contains(strings.Join(tokens, ","), "t0ken")
		mu.Unlock()
		if sent != tt.token || (err == nil) != tt.token {
			t.Errorf("%s: token sent %v, error %v", tt.name, sent, err)
		}
		if !tt.token && !errors.Is(err, ErrPlainHTTP) {
			t.Errorf("%s: error %v, want ErrPlainHTTP", tt.name, err)
		}
	}
}

// lossySMTP is a minimal SMTP server whose answer to the end of a message
// can be lost: with drop set, it keeps the message and closes the
// connection without its 250, as when a connection breaks at that moment.
type lossySMTP struct {
	mu   sync.Mutex
	drop bool
	got  []string
	addr string
}

func startLossySMTP(t *testing.T) *lossySMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &lossySMTP{addr: l.Addr().String()}
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

func (s *lossySMTP) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 127.0.0.1 ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		switch verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); verb {
		case "EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, string(data))
			drop := s.drop
			s.mu.Unlock()
			if drop {
				return
			}
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not here")
		}
	}
}

func (s *lossySMTP) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// TestLostAnswer: a reply whose 250 never came may have been delivered.
// It is not sent again at once; it is marked sent when the archive shows
// it, and sent again only when the archive has not shown it within
// ResendAfter.
func TestLostAnswer(t *testing.T) {
	for _, archived := range []bool{true, false} {
		t.Run(fmt.Sprintf("archived=%v", archived), func(t *testing.T) {
			srv := startLossySMTP(t)
			srv.drop = true
			a := newArchive(t)
			a.add(0, review("start@x", "none@x", "[PATCH] start"))
			tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
			tb.cfg.Send, tb.cfg.ResendAfter = true, 30*time.Minute
			tb.cfg.SMTP = SMTPConfig{Addr: srv.addr, Security: "none"}
			src := Source{Inbox: a.dir}
			tb.Once(src)
			a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			outboxState := func() string {
				var st string
				if err := tb.store.db.QueryRow(`SELECT state FROM outbox WHERE series_key = 'rm@x#v1'`).Scan(&st); err != nil {
					t.Fatal(err)
				}
				return st
			}
			if got := srv.received(); len(got) != 1 || outboxState() != "sending" {
				t.Fatalf("after a lost answer: %d received, state %s", len(got), outboxState())
			}
			srv.mu.Lock()
			srv.drop = false
			srv.mu.Unlock()
			tb.now = tb.now.Add(10 * time.Minute)
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.received()); n != 1 {
				t.Fatalf("sent again within ResendAfter: %d received", n)
			}
			if archived {
				a.add(0, srv.received()[0])
			}
			tb.now = tb.now.Add(30 * time.Minute)
			if err := tb.Once(src); err != nil {
				t.Fatal(err)
			}
			want := 2
			if archived {
				want = 1
			}
			if n := len(srv.received()); n != want || outboxState() != "sent" {
				t.Errorf("after ResendAfter: %d received, want %d; state %s", n, want, outboxState())
			}
		})
	}
}
