// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
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
}

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
func (c SMTPConfig) Send(from string, to []string, raw []byte, accepted func() error) error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", c.Addr, err)
	}
	tlsConf := c.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host}
	}
	var cl *smtp.Client
	switch c.Security {
	case "tls":
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 30 * time.Second}, "tcp", c.Addr, tlsConf)
		if err != nil {
			return fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		if cl, err = smtp.NewClient(conn, host); err != nil {
			conn.Close()
			return fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
	default:
		conn, err := net.DialTimeout("tcp", c.Addr, 30*time.Second)
		if err != nil {
			return fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		if cl, err = smtp.NewClient(conn, host); err != nil {
			conn.Close()
			return fmt.Errorf("smtp %s: %w", c.Addr, err)
		}
		if c.Security != "none" {
			if ok, _ := cl.Extension("STARTTLS"); !ok {
				cl.Close()
				return fmt.Errorf("smtp %s: the server offers no STARTTLS", c.Addr)
			}
			if err := cl.StartTLS(tlsConf); err != nil {
				cl.Close()
				return fmt.Errorf("smtp %s: starttls: %w", c.Addr, err)
			}
		}
	}
	defer cl.Close()
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, host)); err != nil {
			return fmt.Errorf("smtp %s: auth: %w", c.Addr, err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", c.Addr, err)
	}
	for _, r := range to {
		if err := cl.Rcpt(r); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", c.Addr, r, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", c.Addr, err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp %s: %w", c.Addr, err)
	}
	if err := w.Close(); err != nil {
		var refused *textproto.Error
		if errors.As(err, &refused) {
			return fmt.Errorf("smtp %s: message refused: %w", c.Addr, err)
		}
		// The end of data was written, or partly, and no reply came
		// back: the server may have the message.
		return errUncertain{fmt.Errorf("smtp %s: no answer to the end of the message: %w", c.Addr, err)}
	}
	if err := accepted(); err != nil {
		return errAccepted{err}
	}
	cl.Quit() // the message is delivered; a failed QUIT changes nothing
	return nil
}

// errUncertain is a delivery that may or may not have reached the server.
type errUncertain struct{ err error }

func (e errUncertain) Error() string { return e.err.Error() }
func (e errUncertain) Unwrap() error { return e.err }

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
// it has not come back within ResendAfter.
func (b *Bot) Drain() (int, error) {
	rows, err := b.store.db.Query(`SELECT message_id, envelope_from, recipients, raw, state, coalesce(attempt_at, 0) FROM outbox
		WHERE state IN ('pending', 'sending') ORDER BY created, message_id`)
	if err != nil {
		return 0, err
	}
	type item struct {
		id, from, rcpt, state string
		raw                   []byte
		attempt               int64
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.from, &it.rcpt, &it.raw, &it.state, &it.attempt); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	set := func(id, state string, extra string, args ...any) error {
		return b.store.tx(func(tx *sql.Tx) error {
			_, err := tx.Exec(`UPDATE outbox SET state = ?`+extra+` WHERE message_id = ?`, append(append([]any{state}, args...), id)...)
			return err
		})
	}
	done := 0
	for _, it := range items {
		if it.state == "sending" {
			var seen int
			if err := b.store.db.QueryRow(`SELECT count(*) FROM message WHERE message_id = ?`, it.id).Scan(&seen); err != nil {
				return done, err
			}
			if seen > 0 {
				b.logf("reply %s is already in the archive: marked sent", it.id)
				if err := set(it.id, "sent", ", sent_at = ?", b.cfg.Now().Unix()); err != nil {
					return done, err
				}
				continue
			}
			if wait := time.Unix(it.attempt, 0).Add(b.cfg.ResendAfter).Sub(b.cfg.Now()); wait > 0 {
				b.logf("reply %s: delivery was interrupted; waiting %s for the archive before sending again",
					it.id, wait.Round(time.Second))
				continue
			}
		}
		if b.cfg.Outbox != "" {
			if _, err := WriteMaildir(b.cfg.Outbox, it.id, it.raw); err != nil {
				return done, fmt.Errorf("outbox %s: %w", b.cfg.Outbox, err)
			}
		}
		if !b.cfg.Send {
			if err := set(it.id, "written", ""); err != nil {
				return done, err
			}
			done++
			continue
		}
		if err := b.rateOK(); err != nil {
			return done, err
		}
		if err := set(it.id, "sending", ", attempts = attempts + 1, attempt_at = ?", b.cfg.Now().Unix()); err != nil {
			return done, err
		}
		err := b.cfg.SMTP.Send(it.from, strings.Split(it.rcpt, ","), it.raw, func() error {
			return set(it.id, "sent", ", sent_at = ?", b.cfg.Now().Unix())
		})
		var acc errAccepted
		var unsure errUncertain
		switch {
		case errors.As(err, &acc):
			// Delivered but not recorded: stop, so that the next pass
			// decides (the reply stays "sending").
			return done, err
		case errors.As(err, &unsure):
			b.logf("reply %s: %v; it stays \"sending\" until the archive shows it or %s passed",
				it.id, err, b.cfg.ResendAfter)
			continue
		case err != nil:
			b.logf("reply %s: %v", it.id, err)
			if err := set(it.id, "pending", ", last_error = ?", err.Error()); err != nil {
				return done, err
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
		var sent int
		if err := b.store.db.QueryRow(`SELECT count(*) FROM outbox WHERE state = 'sent' AND sent_at > ?`, now-lim.window).Scan(&sent); err != nil {
			return err
		}
		if sent >= lim.n {
			return fmt.Errorf("%w: %d replies in the last %d hours", ErrRateLimited, sent, lim.window/3600)
		}
	}
	return nil
}
