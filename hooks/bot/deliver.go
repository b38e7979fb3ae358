// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SMTPConfig says how replies are delivered.
type SMTPConfig struct {
	Addr string // host:port
	// Security is "starttls" (required), "tls" (implicit, port 465) or
	// "none" (loopback test servers only).
	Security string
	User     string
	Password string
	// TLS overrides the TLS settings (tests with their own CA).
	TLS *tls.Config
	// Timeout bounds one delivery, connection to QUIT
	// (DefaultSMTPTimeout when 0): a server that stops answering must
	// not hold the bot forever.
	Timeout time.Duration
}

// DefaultSMTPTimeout is SMTPConfig.Timeout when it is not set.
const DefaultSMTPTimeout = 2 * time.Minute

// LoadCredentials reads "user:password" from the first line of file, or,
// when file is "", from KFUNCCHECK_SMTP_USER and KFUNCCHECK_SMTP_PASSWORD.
// Credentials never come from flags, and are never logged.
func LoadCredentials(file string) (user, password string, err error) {
	if file == "" {
		return os.Getenv("KFUNCCHECK_SMTP_USER"), os.Getenv("KFUNCCHECK_SMTP_PASSWORD"), nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", "", fmt.Errorf("smtp credentials: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return "", "", fmt.Errorf("smtp credentials %s: empty", file)
	}
	u, p, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
	if !ok {
		return "", "", fmt.Errorf("smtp credentials %s: want user:password on the first line", file)
	}
	return u, p, nil
}

// Send delivers one message. accepted runs as soon as the server has
// accepted it (the 250 reply to DATA), before QUIT's round trip, so that
// the moment between "the server has it" and "the bot knows" stays as
// short as a database commit.
//
// A recipient the server refuses for good is left out and listed in
// refused; the message goes to the others. An error that retrying cannot
// cure (every recipient refused, the message refused with 5xx) is marked
// permanent (see IsPermanent).
func (c SMTPConfig) Send(from string, to []string, raw []byte, accepted func() error) (refused []string, err error) {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
	}
	tlsConf := c.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	deadline := time.Now().Add(timeout)
	var cl *smtp.Client
	switch c.Security {
	case "tls":
		conn, err := tls.DialWithDialer(&net.Dialer{Deadline: deadline}, "tcp", c.Addr, tlsConf)
		if err != nil {
			return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		conn.SetDeadline(deadline)
		if cl, err = smtp.NewClient(conn, host); err != nil {
			conn.Close()
			return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
	default:
		conn, err := (&net.Dialer{Deadline: deadline}).Dial("tcp", c.Addr)
		if err != nil {
			return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		// Covers STARTTLS too: the TLS connection wraps this one.
		conn.SetDeadline(deadline)
		if cl, err = smtp.NewClient(conn, host); err != nil {
			conn.Close()
			return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		if c.Security != "none" {
			if ok, _ := cl.Extension("STARTTLS"); !ok {
				cl.Close()
				return refused, fmt.Errorf("smtp %s: the server offers no STARTTLS", c.Addr)
			}
			if err := cl.StartTLS(tlsConf); err != nil {
				cl.Close()
				return refused, fmt.Errorf("smtp %s: starttls: %w", c.Addr, err)
			}
		}
	}
	defer cl.Close()
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, host)); err != nil {
			return refused, fmt.Errorf("smtp %s: auth: %w", c.Addr, err)
		}
	}
	if err := cl.Mail(from); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return nil, permanent{fmt.Errorf("smtp %s: MAIL FROM: %w", c.Addr, err)}
		}
		return nil, fmt.Errorf("smtp %s: MAIL FROM: %w", c.Addr, err)
	}
	// A recipient refused for good (5xx) is dropped and the others still
	// get the reply; a temporary refusal (4xx) fails the attempt, to be
	// retried whole.
	var ok []string
	for _, r := range to {
		err := cl.Rcpt(r)
		var te *textproto.Error
		switch {
		case err == nil:
			ok = append(ok, r)
		case errors.As(err, &te) && te.Code >= 500:
			refused = append(refused, fmt.Sprintf("%s (%d %s)", r, te.Code, cleanText(te.Msg, 200)))
		default:
			return refused, fmt.Errorf("smtp %s: RCPT TO %s: %w", c.Addr, r, err)
		}
	}
	if len(ok) == 0 {
		return refused, permanent{fmt.Errorf("smtp %s: every recipient refused: %s", c.Addr, strings.Join(refused, "; "))}
	}
	w, err := cl.Data()
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return refused, permanent{fmt.Errorf("smtp %s: DATA: %w", c.Addr, err)}
		}
		return refused, fmt.Errorf("smtp %s: DATA: %w", c.Addr, err)
	}
	if _, err := w.Write(raw); err != nil {
		return refused, fmt.Errorf("smtp %s: %w", c.Addr, err)
	}
	if err := w.Close(); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			if te.Code >= 500 {
				return refused, permanent{fmt.Errorf("smtp %s: message refused: %w", c.Addr, err)}
			}
			return refused, fmt.Errorf("smtp %s: message refused: %w", c.Addr, err)
		}
		// The end of data was written, or partly, and no reply came
		// back: the server may have the message.
		return refused, errUncertain{fmt.Errorf("smtp %s: no answer to the end of the message: %w", c.Addr, err)}
	}
	if err := accepted(); err != nil {
		return refused, errAccepted{err}
	}
	cl.Quit() // the message is delivered; a failed QUIT changes nothing
	return refused, nil
}

// errUncertain is a delivery that may or may not have reached the server.
type errUncertain struct{ err error }

func (e errUncertain) Error() string { return e.err.Error() }
func (e errUncertain) Unwrap() error { return e.err }

// permanent is a delivery failure that retrying cannot cure.
type permanent struct{ err error }

func (e permanent) Error() string { return e.err.Error() }
func (e permanent) Unwrap() error { return e.err }

// IsPermanent reports whether a delivery error is final (a 5xx answer).
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// errAccepted wraps a failure to record an accepted message.
type errAccepted struct{ err error }

func (e errAccepted) Error() string { return "recording a delivered reply: " + e.err.Error() }
func (e errAccepted) Unwrap() error { return e.err }

// WriteMaildir writes a message into a Maildir (tmp/, then new/), under a
// name derived from its Message-ID, so that writing it twice is harmless.
func WriteMaildir(dir, messageID string, raw []byte) (string, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256([]byte(messageID))
	name := "kfunccheck." + hex.EncodeToString(sum[:12])
	// Already delivered: in new/, or in cur/ where a reader moved it
	// (with or without the ":2," info suffix readers add).
	for _, p := range []string{filepath.Join(dir, "new", name), filepath.Join(dir, "cur", name), filepath.Join(dir, "cur", name+":2,")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	tmp := filepath.Join(dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "new", name)
	return dst, os.Rename(tmp, dst)
}

// ErrRateLimited is returned when the hourly rate or the daily cap stops
// the drain; the remaining replies wait for the next pass.
var ErrRateLimited = errors.New("reply rate limit reached")

// Drain delivers the outbox: every reply goes to the Maildir outbox when
// one is set, and through SMTP with --send. A reply is marked "sending"
// before SMTP and "sent" once the server accepted it. A reply left
// "sending" (the bot was killed, or the server's answer to the message was
// lost) may have been delivered: it is marked sent as soon as its
// Message-ID comes back through the list archive, and sent again only when
// it has not come back within ResendAfter. A failed attempt waits a
// backoff; a reply that fails for good, or too often, ends "failed".
func (b *Bot) Drain() (int, error) {
	items, err := b.store.Deliveries(b.cfg.Now())
	if err != nil {
		return 0, err
	}
	done := 0
	for _, it := range items {
		if it.State == "sending" {
			seen, err := b.store.InArchive(it.ID)
			if err != nil {
				return done, err
			}
			if seen {
				b.logf("reply %s is already in the archive: marked sent", it.ID)
				if err := b.store.Sent(it.ID, b.cfg.Now()); err != nil {
					return done, err
				}
				continue
			}
			if wait := it.AttemptAt.Add(b.cfg.ResendAfter).Sub(b.cfg.Now()); wait > 0 {
				b.logf("reply %s: delivery was interrupted; waiting %s for the archive before sending again",
					it.ID, wait.Round(time.Second))
				continue
			}
		}
		raw, err := b.store.Raw(it.ID)
		if err != nil {
			return done, err
		}
		if b.cfg.Outbox != "" {
			if _, err := WriteMaildir(b.cfg.Outbox, it.ID, raw); err != nil {
				return done, fmt.Errorf("outbox %s: %w", b.cfg.Outbox, err)
			}
		}
		if !b.cfg.Send {
			if err := b.store.Written(it.ID); err != nil {
				return done, err
			}
			done++
			continue
		}
		if err := b.rateOK(); err != nil {
			return done, err
		}
		if err := b.store.Claim(it.ID, b.cfg.Now()); err != nil {
			return done, err
		}
		refused, err := b.cfg.SMTP.Send(it.From, it.Recipients, raw, func() error {
			return b.store.Sent(it.ID, b.cfg.Now())
		})
		if len(refused) > 0 {
			why := "refused for good: " + strings.Join(refused, "; ")
			b.logf("reply %s: %s", it.ID, why)
			if err == nil {
				if rerr := b.store.Refused(it.ID, why); rerr != nil {
					return done, rerr
				}
			}
		}
		var acc errAccepted
		var unsure errUncertain
		switch {
		case errors.As(err, &acc):
			// Delivered but not recorded: stop, so that the next pass
			// decides (the reply stays "sending").
			return done, err
		case errors.As(err, &unsure):
			b.logf("reply %s: %v; it stays \"sending\" until the archive shows it or %s passed",
				it.ID, err, b.cfg.ResendAfter)
			continue
		case err != nil:
			state, rerr := b.store.Retry(it.ID, err, IsPermanent(err), b.cfg.Now())
			if rerr != nil {
				return done, rerr
			}
			if state == "failed" {
				b.logf("reply %s: %v; delivery failed for good", it.ID, err)
			} else {
				b.logf("reply %s: %v; will retry", it.ID, err)
			}
			continue
		}
		done++
	}
	return done, nil
}

func (b *Bot) rateOK() error {
	now := b.cfg.Now().Unix()
	for _, lim := range []struct {
		n      int
		window int64
	}{{b.cfg.PerHour, 3600}, {b.cfg.PerDay, 86400}} {
		if lim.n <= 0 {
			continue
		}
		sent, err := b.store.SentSince(time.Unix(now-lim.window, 0))
		if err != nil {
			return err
		}
		if sent >= lim.n {
			return fmt.Errorf("%w: %d replies in the last %d hours", ErrRateLimited, sent, lim.window/3600)
		}
	}
	return nil
}
