// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bufio"
	"bytes"
	"mime"
	netmail "net/mail"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/patchdiff"
)

// LightParser reads the messages a check has no use for in full: those
// whose body holds nothing the extraction reads. It yields what Parse
// yields, verified the same way (every hunk against its counts), except
// that the hunks keep their headers and not their lines, which is where
// the time and memory of a full reading go.
//
// It reads only messages it can judge cheaply: a body sent as it is
// (no transfer encoding, no charset to convert), with a diff whose file
// headers are plain and whose hunks all match their counts. For any other
// message, and for any message with a problem to report, it says so and
// the caller uses Parse, which finds and places the problem.
//
// A LightParser reuses its buffers: it is not safe for concurrent use.
type LightParser struct {
	// MayMatter reports whether a decoded body may hold something a full
	// reading is needed for; such a message is left to Parse. Nil means
	// no body matters.
	MayMatter func(body []byte) bool
	lines     patchdiff.ByteLines
	// Reused readers: net/mail takes a *bufio.Reader as it is, instead of
	// allocating one per message.
	header bytes.Reader
	br     *bufio.Reader
}

// Parse reads raw as Parse(raw, source, index) would, without the hunks'
// lines. It returns the patch, the number of lines checkpatch's "lines
// checked" counts (the hunks' lines present in the input), and ok; when
// ok is false, read raw with Parse instead.
func (lp *LightParser) Parse(raw *Raw, source string, index int) (p *model.Patch, lines int, ok bool) {
	if raw.Unterminated || bytes.IndexByte(raw.Data, 0) >= 0 || bytes.IndexByte(raw.Data, '\r') >= 0 {
		return nil, 0, false
	}
	p = &model.Patch{Source: source, Index: index, StartLine: raw.StartLine}
	if m := formatPatchFrom.FindString(raw.FromLine); m != "" {
		p.Commit = strings.Fields(m)[1]
	}
	data := raw.Data
	bodyLine := raw.StartLine
	text := data
	if n := headerBlock(data); n > 0 {
		lp.header.Reset(data[:n])
		if lp.br == nil {
			lp.br = bufio.NewReader(&lp.header)
		} else {
			lp.br.Reset(&lp.header)
		}
		msg, err := netmail.ReadMessage(lp.br)
		if err != nil || !plainBody(msg.Header) {
			return nil, 0, false
		}
		p.Mail = true
		bodyLine += bytes.Count(data[:n], []byte("\n"))
		readHeader(p, msg.Header)
		p.SubjectLine = subjectLine(data[:n], raw.StartLine)
		text = data[n:]
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, 0, false
	}
	if lp.MayMatter != nil && lp.MayMatter(text) {
		return nil, 0, false
	}
	lp.lines.Reset(text, bodyLine)
	defer lp.lines.Reset(nil, 0) // do not hold on to the message
	// splitBody finds the diff after the in-body headers; those are
	// never file headers, "---" lines or diff lines, so the diff starts
	// at the same line of the whole body.
	start := patchdiff.FindStartBytes(&lp.lines)
	if start < 0 {
		return nil, 0, false
	}
	files, hunkLines, ok := patchdiff.ParseLight(&lp.lines, start)
	if !ok {
		return nil, 0, false
	}
	// What follows is splitBody's reading of the text before the diff.
	pre := inBodyHeaders(p, lp.lines.Lines(0, start))
	splitMessage(p, pre)
	p.Files = files
	return p, hunkLines, true
}

// plainBody reports whether decodeBody returns a body with these headers
// as it is: a single text part, neither transfer-encoded nor in a charset
// to convert.
func plainBody(h netmail.Header) bool {
	ctype := h.Get("Content-Type")
	mediatype, params, err := mime.ParseMediaType(ctype)
	if ctype == "" || err != nil {
		mediatype, params = "text/plain", nil
	}
	if !isPatchText(mediatype) {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "", "7bit", "8bit", "binary":
	default:
		return false
	}
	switch strings.ToLower(strings.TrimSpace(params["charset"])) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return true
	}
	return false
}

// subjectLine is fieldLine(header, "subject:", first) without splitting
// the header into strings.
func subjectLine(header []byte, first int) int {
	for i := 0; len(header) > 0; i++ {
		line := header
		if j := bytes.IndexByte(header, '\n'); j >= 0 {
			line, header = header[:j], header[j+1:]
		} else {
			header = nil
		}
		if len(line) >= len("subject:") && bytes.EqualFold(line[:len("subject:")], []byte("subject:")) {
			return first + i
		}
	}
	return 0
}
