// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bytes"
	netmail "net/mail"
)

// HeaderEnd returns the length of raw's header block, up to and including
// the empty line that ends it, or len(raw) when no empty line does.
func HeaderEnd(raw []byte) int {
	for off := 0; off < len(raw); {
		nl := bytes.IndexByte(raw[off:], '\n')
		if nl < 0 {
			return len(raw)
		}
		line := raw[off : off+nl]
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return off + nl + 1
		}
		off += nl + 1
	}
	return len(raw)
}

// ReadHeader parses the header block of a raw message, after an mbox
// "From " line if there is one, without reading or copying its body.
func ReadHeader(raw []byte) (netmail.Header, error) {
	if bytes.HasPrefix(raw, []byte("From ")) {
		// An mbox separator line is not a header field.
		if nl := bytes.IndexByte(raw, '\n'); nl >= 0 {
			raw = raw[nl+1:]
		}
	}
	hdr := bytes.TrimRight(raw[:HeaderEnd(raw)], "\r\n")
	// The header ends in exactly one empty line for net/mail. hdr is cut
	// to its length first: appending in place would write over what
	// follows it in raw (a CRLF body's first bytes, the next message of
	// an mbox held whole, a blob in go-git's object cache).
	m, err := netmail.ReadMessage(bytes.NewReader(append(hdr[:len(hdr):len(hdr)], "\n\n"...)))
	if err != nil {
		return nil, err
	}
	return m.Header, nil
}
