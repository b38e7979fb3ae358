// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"mime"
	netmail "net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
)

// Everything a reply takes from incoming mail is hostile until cleaned:
// a header value may carry CR, LF or NUL (which would forge header fields
// or SMTP commands), terminal escapes, or be 200 KB long. The helpers here
// turn such values into safe ones; compose uses nothing else.

// Limits on what a reply copies from the mail it answers.
const (
	maxSubject    = 400 // characters of the Subject copied
	maxMsgID      = 250 // octets of a Message-ID (RFC 5322 sets none; real ones are < 100)
	maxReferences = 12  // the thread root plus the last ones before the answered mail
	maxAddress    = 254 // octets of an address (RFC 5321 path limit)
	maxBodyLine   = 900 // octets of a body line (SMTP allows 998)
	headerFold    = 78  // preferred header line length (RFC 5322 2.1.1)
)

// DefaultMaxRecipients caps the envelope recipients of a reply: the
// sender, the list and a few Cc's; a mail Cc'ing 2,000 addresses must not
// turn the bot into a mass mailer.
const DefaultMaxRecipients = 16

// cleanText makes header text from incoming mail safe: invalid UTF-8 and
// every control character (C0 but TAB, DEL, C1, and the line and paragraph
// separators) are dropped, runs of white space become one space, and the
// result is cut to max runes.
func cleanText(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for i := 0; i < len(s) && n < max; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case r == '\t' || r == ' ' || r == '\r' || r == '\n' || r == 0x2028 || r == 0x2029 || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) && r != 0x200d:
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// cleanBodyLine makes one line of reply body from incoming text: control
// characters (escape sequences that would drive a reader's terminal, NUL,
// bare CR) are dropped, TAB is kept, and the line is cut to fit SMTP.
func cleanBodyLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
		default:
			b.WriteRune(r)
		}
		if b.Len() > maxBodyLine {
			return truncateUTF8(b.String(), maxBodyLine-4) + " ..."
		}
	}
	return b.String()
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cleanBody applies cleanBodyLine to every line of a composed body.
func cleanBody(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = cleanBodyLine(l)
	}
	return strings.Join(lines, "\n")
}

// atext is RFC 5322's atom characters.
func atext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// dotAtom reports whether s is an RFC 5322 dot-atom-text.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !atext(s[i]) {
			return false
		}
	}
	return true
}

// validMsgID reports whether id (without angle brackets) is an RFC 5322
// msg-id: dot-atom-text "@" (dot-atom-text or a [no-fold-literal]).
func validMsgID(id string) bool {
	if len(id) == 0 || len(id) > maxMsgID {
		return false
	}
	at := strings.LastIndexByte(id, '@')
	if at <= 0 || !dotAtom(id[:at]) {
		return false
	}
	right := id[at+1:]
	if len(right) >= 2 && right[0] == '[' && right[len(right)-1] == ']' {
		for i := 1; i < len(right)-1; i++ {
			if c := right[i]; c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
				return false
			}
		}
		return true
	}
	return dotAtom(right)
}

// msgIDs reads the msg-ids of a header value (Message-ID, In-Reply-To,
// References): each between angle brackets, or bare when the value has no
// brackets at all; anything that is not a valid msg-id is dropped.
func msgIDs(v string) []string {
	var out []string
	if !strings.Contains(v, "<") {
		for _, f := range strings.Fields(v) {
			if validMsgID(f) {
				out = append(out, f)
			}
		}
		return out
	}
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); validMsgID(id) {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
}

// cleanAddress returns a's address when it is one the bot may send to: a
// dot-atom local part (no quoting, no comma, no space), a dot-atom domain
// with a dot, no control character, within the SMTP length limit; ""
// otherwise.
func cleanAddress(a string) string {
	a = strings.ToLower(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || len(a) > maxAddress || !dotAtom(a[:at]) || !dotAtom(a[at+1:]) || !strings.Contains(a[at+1:], ".") && a[at+1:] != "localhost" {
		return ""
	}
	return a
}

// envelope is what the bot reads from the header block of incoming mail
// itself, rather than from the parsed patch: the patch's From and Subject
// may come from in-body lines (git am's "From:" and "Subject:"), which say
// who wrote the change, not who sent the mail.
type envelope struct {
	From      *netmail.Address // nil when the From field does not parse
	Subject   string           // decoded, cleaned
	MessageID string           // "" when absent or not a valid msg-id
	InReplyTo string
	Refs      []string
	To, Cc    []*netmail.Address
	// Auto says why the mail must never be answered ("" when it may):
	// an auto-reply, a bounce, mail from a mailer daemon.
	Auto string
	// Bot is set when the mail carries the bot's own header.
	Bot bool
	// Date is the Date field as written; Plain is set when the body is
	// one text part (not multipart, not encoded).
	Date  string
	Plain bool
}

// readEnvelope parses the header block of a raw message.
func readEnvelope(raw []byte) envelope {
	var e envelope
	h, err := mail.ReadHeader(raw)
	if err != nil {
		return e
	}
	if list, err := netmail.ParseAddressList(h.Get("From")); err == nil && len(list) == 1 && cleanAddress(list[0].Address) != "" {
		e.From = list[0]
	}
	e.Subject = cleanText(mail.DecodeHeader(h.Get("Subject")), maxSubject)
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		e.MessageID = ids[0]
	}
	if ids := msgIDs(h.Get("In-Reply-To")); len(ids) > 0 {
		e.InReplyTo = ids[0]
	}
	e.Refs = msgIDs(strings.Join(h["References"], " "))
	e.To = parseAddresses(h["To"])
	e.Cc = parseAddresses(h["Cc"])
	e.Bot = len(h[Header]) > 0
	e.Auto = autoReason(h, e.From)
	e.Date = h.Get("Date")
	ct, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	e.Plain = (h.Get("Content-Type") == "" || err == nil && ct == "text/plain") &&
		(cte == "" || cte == "7bit" || cte == "8bit")
	return e
}

// parseAddresses keeps only the addresses that parse and are clean. A list
// net/mail refuses as a whole is tried one comma-separated part at a time.
func parseAddresses(vals []string) []*netmail.Address {
	var out []*netmail.Address
	for _, v := range vals {
		list, err := netmail.ParseAddressList(v)
		if err != nil {
			list = nil
			for _, part := range strings.Split(v, ",") {
				if a, err := netmail.ParseAddress(part); err == nil {
					list = append(list, a)
				}
			}
		}
		for _, a := range list {
			if cleanAddress(a.Address) != "" {
				out = append(out, a)
			}
		}
	}
	return out
}

// autoReason says why a mail is automatic (RFC 3834): an Auto-Submitted
// value other than "no", a delivery report, or a mailer daemon's mail.
func autoReason(h netmail.Header, from *netmail.Address) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" {
		if v, _, _ = strings.Cut(v, ";"); strings.TrimSpace(v) != "no" {
			return "Auto-Submitted: " + cleanText(v, 40)
		}
	}
	if ct, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && ct == "multipart/report" {
		return "a delivery report (multipart/report)"
	}
	if h.Get("X-Failed-Recipients") != "" {
		return "a bounce (X-Failed-Recipients)"
	}
	if from != nil {
		local, _, _ := strings.Cut(strings.ToLower(from.Address), "@")
		if local == "mailer-daemon" || local == "postmaster" {
			return "mail from " + local
		}
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return "a bounce (null Return-Path)"
	}
	return ""
}

// headerField writes "Name: value" folded at spaces so that each line
// stays under headerFold octets where a space allows, and always under
// 998; a run without spaces longer than that is split (only cleaned text
// reaches here, and encoded words are at most 75 octets).
func headerField(b *strings.Builder, name, value string) {
	line := name + ":"
	for _, w := range strings.Fields(value) {
		for len(w) > 900 {
			cut := 900
			for cut > 0 && !utf8.RuneStart(w[cut]) {
				cut--
			}
			b.WriteString(line + "\n")
			line = " " + w[:cut]
			w = w[cut:]
		}
		if len(line)+1+len(w) > headerFold && strings.TrimSpace(line) != name+":" && len(line) > 1 {
			b.WriteString(line + "\n")
			line = ""
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// encodeText encodes cleaned text for a header: as it is when it is
// printable ASCII, as RFC 2047 encoded words (at most 75 octets each)
// otherwise.
func encodeText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f {
			return mime.QEncoding.Encode("utf-8", s)
		}
	}
	return s
}

// formatAddress writes an address with its cleaned display name: bare
// when it has none, "Name <addr>" when the name is plain words, quoted or
// RFC 2047-encoded (by net/mail) otherwise.
func formatAddress(a *netmail.Address) string {
	name, addr := cleanText(a.Name, 100), cleanAddress(a.Address)
	if name == "" {
		return addr
	}
	for i := 0; i < len(name); i++ {
		if name[i] != ' ' && !atext(name[i]) {
			return (&netmail.Address{Name: name, Address: addr}).String()
		}
	}
	return name + " <" + addr + ">"
}
