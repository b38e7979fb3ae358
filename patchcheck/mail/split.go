// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bytes"
	"io"
)

// BytesSplitter is a Splitter for an input held in memory: the messages
// it returns point into the input instead of being copied line by line.
// It returns the same messages as a Splitter reading the same bytes; an
// input it cannot cut without rewriting lines (carriage returns, mboxrd
// quoting) or larger than the message limit is handed to a Splitter.
type BytesSplitter struct {
	data    []byte
	off     int // start of the next line to read
	line    int // lines before off
	started bool
	mbox    bool
	slow    *Splitter
}

// NewBytesSplitter returns a splitter over data; max bounds one message
// as in NewSplitter. data must not change while the splitter is used.
func NewBytesSplitter(data []byte, max int) *BytesSplitter {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	s := &BytesSplitter{data: data}
	if len(data) > max || bytes.IndexByte(data, '\r') >= 0 || bytes.Contains(data, []byte(">From ")) {
		s.slow = NewSplitter(bytes.NewReader(data), max)
	}
	return s
}

// lineEnd returns the index of the newline ending the line at off, or
// len(data).
func (s *BytesSplitter) lineEnd(off int) int {
	if i := bytes.IndexByte(s.data[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(s.data)
}

// Next returns the next message, or io.EOF after the last one. The
// message's Data points into the input, except for a last line without
// a newline, which is given one in a copy, as Splitter does.
func (s *BytesSplitter) Next() (*Raw, error) {
	if s.slow != nil {
		return s.slow.Next()
	}
	data := s.data
	if !s.started {
		s.started = true
		// Skip leading empty lines, then decide on the format.
		for s.off < len(data) {
			end := s.lineEnd(s.off)
			if len(bytes.TrimSpace(data[s.off:end])) != 0 {
				break
			}
			s.off, s.line = end+1, s.line+1
		}
		s.mbox = bytes.HasPrefix(data[min(s.off, len(data)):], []byte("From "))
	}
	if s.off >= len(data) {
		return nil, io.EOF
	}
	msg := &Raw{StartLine: s.line + 1}
	start, stop := s.off, len(data)
	if s.mbox {
		end := s.lineEnd(start)
		msg.FromLine = string(data[start:end])
		msg.StartLine++
		start = min(end+1, len(data))
		stop = s.nextFrom(start)
	}
	body := data[start:stop]
	s.line += bytes.Count(data[s.off:stop], []byte("\n"))
	s.off = stop
	if stop == len(data) && len(data) > 0 && data[len(data)-1] != '\n' {
		msg.Unterminated = true
		if len(body) > 0 {
			body = append(body[:len(body):len(body)], '\n')
		}
	}
	msg.Data = body
	return msg, nil
}

// nextFrom returns where the mbox message whose body starts at start
// ends: at the next "From " line that follows an empty line or is a
// format-patch separator, or at the end of the input.
func (s *BytesSplitter) nextFrom(start int) int {
	data := s.data
	for p := start; p < len(data); {
		i := bytes.Index(data[p:], []byte("From "))
		if i < 0 {
			break
		}
		q := p + i
		p = q + 1
		if q == 0 || data[q-1] != '\n' {
			continue // not at the start of a line
		}
		// The line before is an empty line of this message.
		prevBlank := q-1 >= start && q >= 2 && data[q-2] == '\n'
		if prevBlank || formatPatchFrom.Match(data[q:s.lineEnd(q)]) {
			return q
		}
	}
	return len(data)
}
