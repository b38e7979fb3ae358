// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"golang.org/x/text/encoding/htmlindex"
)

// Error is a problem met while reading a message, with its place.
type Error struct {
	Source string
	Line   int
	Err    error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Source, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var headerStart = regexp.MustCompile(`^[!-9;-~]+:`)

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii" {
		return r, nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(r), nil
}

// Parse turns one raw message into a patch. source names the input and
// index is the message's 1-based number in it. Problems are recorded in
// the patch's Errors; the patch carries what could be read.
func Parse(raw *Raw, source string, index int) *model.Patch {
	p := &model.Patch{Source: source, Index: index, StartLine: raw.StartLine}
	if m := formatPatchFrom.FindString(raw.FromLine); m != "" {
		p.Commit = strings.Fields(m)[1]
	}
	errf := func(line int, format string, a ...any) {
		p.Errors = append(p.Errors, &Error{Source: source, Line: line, Err: fmt.Errorf(format, a...)})
	}
	if bytes.IndexByte(raw.Data, 0) >= 0 {
		errf(raw.StartLine, "message contains NUL bytes: not a text patch")
		return p
	}
	data := raw.Data
	bodyLine := raw.StartLine // input line of the first body line
	var text []byte
	if n := headerBlock(data); n > 0 {
		msg, err := netmail.ReadMessage(bytes.NewReader(data[:n]))
		if err != nil {
			errf(raw.StartLine, "mail header: %v", err)
			text = data
		} else {
			p.Mail = true
			bodyLine += bytes.Count(data[:n], []byte("\n"))
			readHeader(p, msg.Header)
			p.SubjectLine = fieldLine(data[:n], "subject:", raw.StartLine)
			b, derr := decodeBody(msg.Header, data[n:], 0)
			if derr != nil {
				errf(bodyLine, "mail body: %v", derr)
			}
			text = b
		}
	} else {
		text = data
	}
	if bytes.Contains(text, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	lines := toLines(text, bodyLine)
	splitBody(p, lines, raw.Unterminated || len(text) > 0 && text[len(text)-1] != '\n')
	return p
}

// headerBlock returns the length of the RFC 5322 header block at the start
// of data, including the empty line that ends it, or 0 when data does not
// start with one. Text that merely starts with "Word:" and runs on without
// an empty line is a plain patch's description, not a header.
func headerBlock(data []byte) int {
	off := 0
	for off < len(data) {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		// Mail handed over by SMTP, or stored as it came, ends its
		// lines with CRLF.
		line := bytes.TrimSuffix(data[off:off+end], []byte("\r"))
		next := off + end + 1
		switch {
		case len(line) == 0:
			if off == 0 {
				return 0
			}
			return min(next, len(data))
		case line[0] == ' ' || line[0] == '\t':
			if off == 0 {
				return 0
			}
		case !headerStart.Match(line):
			return 0
		}
		off = next
	}
	return len(data)
}

// fieldLine returns the input line of the header field with the given
// lower-case "name:" prefix.
func fieldLine(header []byte, name string, first int) int {
	for i, l := range strings.Split(string(header), "\n") {
		if len(l) >= len(name) && strings.EqualFold(l[:len(name)], name) {
			return first + i
		}
	}
	return 0
}

func toLines(text []byte, first int) []model.Line {
	s := string(text)
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "\n")
	out := make([]model.Line, len(parts))
	for i, t := range parts {
		out[i] = model.Line{N: first + i, Text: t}
	}
	return out
}

// DecodeHeader decodes the RFC 2047 encoded words of a header value and
// joins its white space; a value that does not decode is returned as it
// is (callers that put it in mail must clean it).
func DecodeHeader(v string) string { return decodeHeader(v) }

func decodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return strings.Join(strings.Fields(d), " ")
}

func readHeader(p *model.Patch, h netmail.Header) {
	p.Header.From = decodeHeader(h.Get("From"))
	p.Header.Subject = decodeHeader(h.Get("Subject"))
	p.Header.Date = h.Get("Date")
	p.Header.MessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	p.Header.InReplyTo = strings.Trim(strings.TrimSpace(h.Get("In-Reply-To")), "<>")
	for _, r := range strings.Fields(h.Get("References")) {
		p.Header.References = append(p.Header.References, strings.Trim(r, "<>"))
	}
	p.Header.To = addresses(h["To"])
	p.Header.Cc = addresses(h["Cc"])
	p.Subject = ParseSubject(p.Header.Subject)
}

// addresses reads address lists leniently: a list netmail cannot parse
// (kernel mail is full of odd display names) is split on commas instead.
func addresses(vals []string) []string {
	var out []string
	for _, v := range vals {
		v = decodeHeader(v)
		if list, err := netmail.ParseAddressList(v); err == nil {
			for _, a := range list {
				out = append(out, strings.ToLower(a.Address))
			}
			continue
		}
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if i, j := strings.LastIndex(part, "<"), strings.LastIndex(part, ">"); i >= 0 && j > i {
				part = part[i+1 : j]
			}
			if part != "" {
				out = append(out, strings.ToLower(part))
			}
		}
	}
	return out
}

type header interface{ Get(string) string }

// maxMultipartDepth bounds multipart nesting. Real patch mail nests two
// or three levels (a signed message holding a mixed one holding the
// patch); MUAs stop far below this.
const maxMultipartDepth = 16

// decodeBody undoes the transfer encoding and charset of a body and, for
// multipart mail, collects the text parts and patch attachments in order.
// A plain UTF-8 or 8-bit body is returned as it is, without a copy.
//
// Nesting is bounded (maxMultipartDepth): each level copies and rescans
// what it holds, so unbounded nesting made a 1 MB mail cost gigabytes.
func decodeBody(h header, body []byte, depth int) ([]byte, error) {
	ctype := h.Get("Content-Type")
	mediatype, params, err := mime.ParseMediaType(ctype)
	if ctype == "" || err != nil {
		mediatype, params = "text/plain", map[string]string{}
	}
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if strings.HasPrefix(mediatype, "multipart/") {
		if depth >= maxMultipartDepth {
			return nil, fmt.Errorf("multipart: nested deeper than %d levels; the inner parts are not read", maxMultipartDepth)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return body, nil
		}
		var out bytes.Buffer
		mr := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			part, perr := mr.NextRawPart()
			if perr == io.EOF {
				break
			}
			if perr != nil {
				return out.Bytes(), fmt.Errorf("multipart: %w", perr)
			}
			raw, rerr := readAllLimited(part)
			if rerr != nil {
				return out.Bytes(), rerr
			}
			b, derr := decodeBody(part.Header, raw, depth+1)
			if derr != nil {
				return out.Bytes(), derr
			}
			if b == nil {
				continue
			}
			if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteByte('\n')
			}
			out.Write(b)
		}
		return out.Bytes(), nil
	}
	if !isPatchText(mediatype) {
		return nil, nil
	}
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	plainCS := cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii"
	if (cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary") && plainCS {
		return body, nil
	}
	var r io.Reader = bytes.NewReader(body)
	switch cte {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &stripSpace{r: bufio.NewReader(r)})
	}
	if !plainCS {
		cr, cerr := charsetReader(cs, r)
		if cerr != nil {
			b, _ := readAllLimited(r)
			return b, cerr
		}
		r = cr
	}
	return readAllLimited(r)
}

func isPatchText(mediatype string) bool {
	switch mediatype {
	case "text/plain", "text/x-patch", "text/x-diff", "application/x-patch", "text/x-c", "text/x-csrc", "application/octet-stream", "text/x-c-code":
		return true
	}
	return false
}

func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, DefaultMaxMessage+1))
	if err != nil {
		return b, err
	}
	if len(b) > DefaultMaxMessage {
		return b[:DefaultMaxMessage], ErrTooLarge
	}
	return b, nil
}

// stripSpace drops line breaks and spaces inside base64 text.
type stripSpace struct{ r *bufio.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c == '\n' || c == '\r' || c == ' ' || c == '\t' {
			continue
		}
		p[n] = c
		n++
	}
	return n, nil
}
