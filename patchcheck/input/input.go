// SPDX-License-Identifier: GPL-2.0-only

// Package input opens what the user names on the command line (a patch
// file, a raw mail, an mbox, a gzip-compressed mbox, a directory holding a
// series, or standard input) and streams its patches grouped into series.
package input

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// MaxDecompressed bounds what a gzip input may expand to.
const MaxDecompressed = 2 << 30

// ErrNoPatch is returned for an input that holds no diff at all.
var ErrNoPatch = errors.New("no patch found (not a unified diff, mail or mbox)")

// Error is an input-level problem: the input could not be read further.
type Error struct {
	Input string
	Err   error
}

func (e *Error) Error() string { return e.Input + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Options tune reading.
type Options struct {
	// MaxMessage bounds one message (mail.DefaultMaxMessage when 0).
	MaxMessage int
	// Stdin is read for the input "-".
	Stdin io.Reader
	// Parse turns each message into a patch; mail.Parse when nil. A
	// reader that keeps less of a message (mail.LightParser) plugs in
	// here.
	Parse func(raw *mail.Raw, source string, index int) *model.Patch
	// Buffer, when not nil, holds the files read whole and is kept for
	// the next input, which saves allocating and clearing memory for
	// each. Messages point into it only while they are parsed, as they
	// point into a Splitter's buffer.
	Buffer *[]byte
}

// wholeFileMax bounds the files read into memory in one piece and split
// there without copying; larger ones (big mboxes) are streamed, so that
// memory stays bounded by a message rather than by an input.
const wholeFileMax = 16 << 20

// Read streams the series of one input to fn, in order. It returns an
// *Error when the input cannot be read (its patches read so far have been
// handed to fn).
func Read(path string, opt Options, fn func(*model.Series)) error {
	if path == "-" {
		in := opt.Stdin
		if in == nil {
			in = os.Stdin
		}
		return readStream(in, "-", opt, fn)
	}
	max := maxMessage(opt)
	if data, ok, err := readRegular(path, int64(min(max, wholeFileMax)), opt.Buffer); ok {
		if err != nil {
			return &Error{Input: path, Err: &os.PathError{Op: "read", Path: path, Err: err}}
		}
		return readWholeFile(data, path, max, opt, fn)
	}
	// Open first and stat the open file: one system call fewer per
	// input than stat then open, which shows on thousands of small files.
	f, err := os.Open(path)
	if err != nil {
		if _, serr := os.Stat(path); serr != nil {
			err = serr // name the problem as stat does
		}
		return &Error{Input: path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &Error{Input: path, Err: err}
	}
	if st.IsDir() {
		f.Close()
		return readDir(path, opt, fn)
	}
	if st.Mode().IsRegular() && st.Size() > 0 && st.Size() <= int64(min(max, wholeFileMax)) {
		data, err := readWhole(f, st.Size(), opt.Buffer)
		if err != nil {
			return &Error{Input: path, Err: err}
		}
		return readWholeFile(data, path, max, opt, fn)
	}
	return readStream(f, path, opt, fn)
}

// readWholeFile reads the messages of a file held in memory: split there
// without copies, unless it is compressed.
func readWholeFile(data []byte, path string, max int, opt Options, fn func(*model.Series)) error {
	if isGzip(data) {
		return readStream(bytes.NewReader(data), path, opt, fn)
	}
	return readMessages(mail.NewBytesSplitter(data, max), path, opt, fn)
}

// buffer returns size bytes, from *keep when it is not nil (grown when
// too small): the memory of the last file is reused for the next.
func buffer(keep *[]byte, size int64) []byte {
	if keep == nil {
		return make([]byte, size)
	}
	if int64(cap(*keep)) < size {
		*keep = make([]byte, size)
	}
	return (*keep)[:size]
}

func maxMessage(opt Options) int {
	if opt.MaxMessage > 0 {
		return opt.MaxMessage
	}
	return mail.DefaultMaxMessage
}

// readWhole reads the size bytes stat gave for a regular file (less if
// it shrank since), into *keep when it is not nil.
func readWhole(f *os.File, size int64, keep *[]byte) ([]byte, error) {
	buf := buffer(keep, size)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:n], err
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// limitedReader fails, instead of ending quietly, past its limit.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("decompressed data exceeds %d bytes (gzip bomb?)", int64(MaxDecompressed))
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// open detects gzip by its magic number.
func open(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	magic, _ := br.Peek(2)
	if isGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return bufio.NewReaderSize(&limitedReader{r: zr, left: MaxDecompressed}, 32<<10), nil
	}
	return br, nil
}

func readStream(r io.Reader, name string, opt Options, fn func(*model.Series)) error {
	rd, err := open(r)
	if err != nil {
		return &Error{Input: name, Err: err}
	}
	return readMessages(mail.NewSplitter(rd, opt.MaxMessage), name, opt, fn)
}

// splitter is mail.Splitter or mail.BytesSplitter.
type splitter interface {
	Next() (*mail.Raw, error)
}

func readMessages(sp splitter, name string, opt Options, fn func(*model.Series)) error {
	parse := opt.Parse
	if parse == nil {
		parse = mail.Parse
	}
	g := &grouper{source: name, emit: fn}
	n, diffs := 0, 0
	for {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			g.flush()
			return &Error{Input: name, Err: err}
		}
		n++
		p := parse(raw, name, n)
		if p.HasDiff() || len(p.Errors) > 0 || p.Subject.IsCover() && !p.Subject.Reply {
			diffs++
		}
		g.add(p)
	}
	g.flush()
	if diffs == 0 {
		return &Error{Input: name, Err: ErrNoPatch}
	}
	return nil
}

// readDir reads a directory as one series: its files in name order, the
// cover letter kept apart.
func readDir(dir string, opt Options, fn func(*model.Series)) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &Error{Input: dir, Err: err}
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	s := &model.Series{Source: dir}
	var errs []error
	for _, n := range names {
		path := filepath.Join(dir, n)
		err := Read(path, opt, func(sub *model.Series) {
			if sub.Cover != nil && s.Cover == nil {
				s.Cover = sub.Cover
			}
			s.Patches = append(s.Patches, sub.Patches...)
			if s.Version == 0 {
				s.Version = sub.Version
			}
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(s.Patches) > 0 {
		fn(s)
	}
	if len(s.Patches) == 0 && len(errs) == 0 {
		return &Error{Input: dir, Err: ErrNoPatch}
	}
	return errors.Join(errs...)
}

// grouper gathers consecutive patches of one series: the same version and
// total with increasing numbers. Only one series is held at a time, so
// memory stays bounded by the largest series, not the input.
type grouper struct {
	source string
	cur    *model.Series
	last   int
	emit   func(*model.Series)
}

func (g *grouper) add(p *model.Patch) {
	sub := p.Subject
	if sub.Reply && !p.HasDiff() {
		return // review replies carry no patch
	}
	if !p.HasDiff() && len(p.Errors) == 0 && !sub.IsCover() {
		return
	}
	if g.cur != nil && sub.Total > 0 && !sub.Reply && sub.Version == g.cur.Version &&
		sub.Total == g.total() && sub.Number > g.last {
		g.place(p)
		return
	}
	g.flush()
	g.cur = &model.Series{Source: g.source, Version: sub.Version}
	g.last = -1
	g.place(p)
}

func (g *grouper) total() int {
	if g.cur.Cover != nil {
		return g.cur.Cover.Subject.Total
	}
	if len(g.cur.Patches) > 0 {
		return g.cur.Patches[0].Subject.Total
	}
	return 0
}

func (g *grouper) place(p *model.Patch) {
	if p.Subject.IsCover() && !p.HasDiff() {
		g.cur.Cover = p
	} else {
		g.cur.Patches = append(g.cur.Patches, p)
	}
	g.last = p.Subject.Number
	if p.Subject.Total == 0 {
		g.flush() // a lone patch is a series of one
	}
}

func (g *grouper) flush() {
	if g.cur != nil && (len(g.cur.Patches) > 0 || g.cur.Cover != nil) {
		g.emit(g.cur)
	}
	g.cur = nil
}
