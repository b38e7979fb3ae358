// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// DefaultMaxMessage bounds the size of one message: memory use is bounded
// by it, whatever the size of the input.
const DefaultMaxMessage = 64 << 20

// ErrTooLarge is wrapped when a message exceeds the size limit.
var ErrTooLarge = errors.New("message too large")

// Raw is one undecoded message split off an input.
type Raw struct {
	Data      []byte // the message with CRLF turned into LF, mbox quoting undone
	StartLine int    // 1-based line of the input where the message starts
	FromLine  string // the mbox "From " separator, "" when none
	// Unterminated is set when the input ended in the middle of the
	// message's last line (no newline after it): a cut-off message.
	Unterminated bool
}

// Splitter streams messages out of an mbox (mboxo or mboxrd) or returns a
// single message when the input has no "From " separator first.
type Splitter struct {
	br      *bufio.Reader
	max     int
	line    int // lines consumed so far
	pending []byte
	pendLn  int
	mbox    bool
	started bool
	done    bool
	err     error
	buf     bytes.Buffer // reused: a Raw's Data is valid until the next Next
	noLF    bool         // the last line read had no newline
}

// NewSplitter returns a Splitter reading r; max bounds one message
// (DefaultMaxMessage when 0). A *bufio.Reader is used as it is.
func NewSplitter(r io.Reader, max int) *Splitter {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &Splitter{br: br, max: max}
}

var formatPatchFrom = regexp.MustCompile(`^From [0-9a-f]{40}(?:[0-9a-f]{24})? `)

// readLine returns the next line without its LF (and CR), or io.EOF. The
// line may point into the reader's buffer: it is valid until the next
// read. A line longer than the message limit is an error.
func (s *Splitter) readLine() ([]byte, error) {
	var long []byte
	for {
		frag, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, frag...)
			if len(long) > s.max {
				return nil, fmt.Errorf("line %d: %w: a line longer than %d bytes", s.line+1, ErrTooLarge, s.max)
			}
			continue
		}
		if long != nil {
			frag = append(long, frag...)
		}
		if err == io.EOF && len(frag) == 0 {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", s.line+1, err)
		}
		s.line++
		s.noLF = !bytes.HasSuffix(frag, []byte("\n"))
		frag = bytes.TrimSuffix(frag, []byte("\n"))
		frag = bytes.TrimSuffix(frag, []byte("\r"))
		return frag, nil
	}
}

// Next returns the next message, or io.EOF after the last one. The
// message's Data is only valid until the next call.
func (s *Splitter) Next() (*Raw, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.done {
		return nil, io.EOF
	}
	if !s.started {
		s.started = true
		// Skip leading empty lines, then decide on the format.
		for {
			l, err := s.readLine()
			if err == io.EOF {
				s.done = true
				return nil, io.EOF
			}
			if err != nil {
				s.err = err
				return nil, err
			}
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			s.pending, s.pendLn = bytes.Clone(l), s.line
			s.mbox = bytes.HasPrefix(l, []byte("From "))
			break
		}
	}
	msg := &Raw{StartLine: s.pendLn}
	buf := &s.buf
	buf.Reset()
	first := s.pending
	s.pending = nil
	if s.mbox {
		msg.FromLine = string(first)
		msg.StartLine++
	} else {
		buf.Write(first)
		buf.WriteByte('\n')
	}
	prevBlank := false
	for {
		l, err := s.readLine()
		if err == io.EOF {
			s.done = true
			msg.Unterminated = s.noLF && s.line > 0
			break
		}
		if err != nil {
			return nil, s.fail(err)
		}
		if s.mbox && bytes.HasPrefix(l, []byte("From ")) && (prevBlank || formatPatchFrom.Match(l)) {
			s.pending, s.pendLn = bytes.Clone(l), s.line
			break
		}
		if s.mbox {
			l = unquoteFrom(l)
		}
		prevBlank = len(l) == 0
		if buf.Len()+len(l) > s.max {
			return nil, s.fail(fmt.Errorf("line %d: %w: message starting at line %d exceeds %d bytes", s.line, ErrTooLarge, msg.StartLine, s.max))
		}
		buf.Write(l)
		buf.WriteByte('\n')
	}
	msg.Data = buf.Bytes()
	return msg, nil
}

// fail handles an error met inside a message. In an mbox, a message too
// large (or with a line too long) is skipped up to the next "From "
// separator, and the error is returned for that message alone: one huge
// mail must not make the rest of a list unreadable. Other errors, and any
// error outside an mbox, end the input (Failed reports it).
func (s *Splitter) fail(err error) error {
	if !s.mbox || !errors.Is(err, ErrTooLarge) {
		s.err = err
		return err
	}
	prevBlank := false
	for {
		l, rerr := s.readLine()
		switch {
		case rerr == io.EOF:
			s.done = true
			return err
		case errors.Is(rerr, ErrTooLarge):
			prevBlank = false
			continue
		case rerr != nil:
			s.err = rerr
			return rerr
		}
		if bytes.HasPrefix(l, []byte("From ")) && (prevBlank || formatPatchFrom.Match(l)) {
			s.pending, s.pendLn = bytes.Clone(l), s.line
			return err
		}
		prevBlank = len(l) == 0
	}
}

// Failed reports whether the input cannot be read further: after an error
// from Next, the splitter either skipped one message (false: call Next
// again) or stopped (true).
func (s *Splitter) Failed() bool { return s.err != nil }

// unquoteFrom undoes mboxrd quoting (">From " with any number of ">"),
// which also covers mboxo's single level.
func unquoteFrom(l []byte) []byte {
	i := 0
	for i < len(l) && l[i] == '>' {
		i++
	}
	if i > 0 && bytes.HasPrefix(l[i:], []byte("From ")) {
		return l[1:]
	}
	return l
}

// NewRaw wraps one message held in memory, taking off a leading mbox
// "From " line the way the Splitter does.
func NewRaw(data []byte) *Raw {
	raw := &Raw{Data: data, StartLine: 1}
	if i := bytes.IndexByte(data, '\n'); i > 0 && bytes.HasPrefix(data, []byte("From ")) {
		raw.FromLine, raw.Data = string(data[:i]), data[i+1:]
	}
	return raw
}
