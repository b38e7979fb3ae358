// SPDX-License-Identifier: GPL-2.0-only

package model

import "strings"

// Line is one line of text with the 1-based line number it has in the input
// it was read from (0 when unknown).
type Line struct {
	N    int
	Text string
}

// Header is the subset of RFC 5322 header fields kfunccheck reads, already
// decoded from RFC 2047 encoded words.
type Header struct {
	From       string
	To         []string
	Cc         []string
	Subject    string
	Date       string
	MessageID  string
	InReplyTo  string
	References []string
}

// Recipients returns the To and Cc addresses together.
func (h Header) Recipients() []string {
	return append(append([]string(nil), h.To...), h.Cc...)
}

// Subject is a parsed patch subject such as
// "[RFC PATCH bpf-next v3 2/5] bpf: do things".
type Subject struct {
	Raw      string
	Title    string   // the subject without the bracketed prefix and Re:
	Prefixes []string // words inside the brackets that are not version or counter: PATCH, RFC, bpf-next
	Version  int      // 1 when no vN is given
	Number   int      // m of m/N; 0 when absent
	Total    int      // N of m/N; 0 when absent
	Reply    bool     // starts with Re: (or Aw:, Sv:, ...)
	RFC      bool
}

// IsCover reports whether the subject is a series cover letter (0/N).
func (s Subject) IsCover() bool { return s.Total > 0 && s.Number == 0 }

// Trailer is a "Key: value" line of the commit message's trailer block.
type Trailer struct {
	Key   string
	Value string
	Line  int
}

// Patch is one commit as it arrived: a mail, a format-patch file, a plain
// diff or (later) a git commit.
type Patch struct {
	Source    string // input name: a path, "-" for stdin
	Index     int    // 1-based message number inside Source
	StartLine int    // line of Source where this message starts
	Mail      bool   // the input carried RFC 5322 headers
	Commit    string // commit id from a format-patch "From <sha>" line
	// FromRepo names the repository a commit was read from; "" for
	// patches read from files, mail or stdin.
	FromRepo string
	Header   Header
	Subject  Subject
	// SubjectLine is the input line of the Subject header (0 when none).
	SubjectLine int
	Message     []Line // commit message body, without the subject
	Notes       []Line // text between "---" and the diff
	Trailers    []Trailer
	Files       []*FileDiff
	// Errors are problems met while reading this patch; the patch still
	// carries what could be read.
	Errors []error
}

// Name is how reports introduce the patch: its subject, or its source.
func (p *Patch) Name() string {
	if p.Subject.Raw != "" {
		return p.Subject.Raw
	}
	return p.Source
}

// MessageText returns the commit message body joined with newlines.
func (p *Patch) MessageText() string {
	var b strings.Builder
	for _, l := range p.Message {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// HasDiff reports whether the patch carries at least one file diff.
func (p *Patch) HasDiff() bool { return len(p.Files) > 0 }

// Series is an ordered group of patches sent together, with its cover
// letter kept apart.
type Series struct {
	Source  string
	Version int
	Cover   *Patch
	Patches []*Patch
}
