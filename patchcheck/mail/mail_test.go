// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func TestParseSubject(t *testing.T) {
	tests := []struct {
		in   string
		want model.Subject
	}{
		{"[PATCH bpf-next v3 2/5] bpf: Do things", model.Subject{Title: "bpf: Do things", Prefixes: []string{"PATCH", "bpf-next"}, Version: 3, Number: 2, Total: 5}},
		{"[RFC PATCH v2 0/7] bpf: cover", model.Subject{Title: "bpf: cover", Prefixes: []string{"RFC", "PATCH"}, Version: 2, Number: 0, Total: 7, RFC: true}},
		{"Re: [PATCH 1/2] x", model.Subject{Title: "x", Prefixes: []string{"PATCH"}, Version: 1, Number: 1, Total: 2, Reply: true}},
		{"RE: AW: [PATCH] y", model.Subject{Title: "y", Prefixes: []string{"PATCH"}, Version: 1, Reply: true}},
		{"[RFC][PATCH V4 03/10] z", model.Subject{Title: "z", Prefixes: []string{"RFC", "PATCH"}, Version: 4, Number: 3, Total: 10, RFC: true}},
		{"plain subject", model.Subject{Title: "plain subject", Version: 1}},
	}
	for _, tt := range tests {
		got := ParseSubject(tt.in)
		tt.want.Raw = tt.in
		if got.Title != tt.want.Title || got.Version != tt.want.Version || got.Number != tt.want.Number ||
			got.Total != tt.want.Total || got.Reply != tt.want.Reply || got.RFC != tt.want.RFC ||
			!slices.Equal(got.Prefixes, tt.want.Prefixes) {
			t.Errorf("ParseSubject(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if !ParseSubject("[PATCH v2 0/3] c").IsCover() || ParseSubject("[PATCH 1/3] c").IsCover() {
		t.Error("IsCover wrong")
	}
}

func readAll(t *testing.T, r io.Reader, name string) []*model.Patch {
	t.Helper()
	sp := NewSplitter(r, 0)
	var out []*model.Patch
	for n := 1; ; n++ {
		raw, err := sp.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, Parse(raw, name, n))
	}
}

// TestEncodings reads the same promotion patch sent in every encoding the
// generator produces; each must give the same commit message and diff.
func TestEncodings(t *testing.T) {
	ref, err := os.ReadFile("../../rules/testdata/STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, strings.NewReader(string(ref)), "ref")[0]
	files, _ := filepath.Glob("testdata/promotion-*.eml")
	if len(files) < 5 {
		t.Fatalf("want the 5 generated encodings, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ps := readAll(t, strings.NewReader(string(data)), f)
			if len(ps) != 1 {
				t.Fatalf("%d patches", len(ps))
			}
			p := ps[0]
			if len(p.Errors) > 0 {
				t.Fatalf("errors: %v", p.Errors)
			}
			if !p.Mail || !strings.HasSuffix(p.Subject.Title, want.Subject.Title) {
				t.Errorf("subject %q, want suffix %q", p.Subject.Title, want.Subject.Title)
			}
			if !slices.Contains(p.Header.To, "bpf@vger.kernel.org") {
				t.Errorf("To = %v", p.Header.To)
			}
			if len(p.Files) != 1 || len(p.Files[0].Hunks) != len(want.Files[0].Hunks) {
				t.Fatalf("files %+v", p.Files)
			}
			for i, h := range p.Files[0].Hunks {
				wh := want.Files[0].Hunks[i]
				if len(h.Lines) != len(wh.Lines) {
					t.Fatalf("hunk %d: %d lines, want %d", i, len(h.Lines), len(wh.Lines))
				}
				for j := range h.Lines {
					if h.Lines[j].Text != wh.Lines[j].Text || h.Lines[j].Op != wh.Lines[j].Op {
						t.Errorf("hunk %d line %d: %q, want %q", i, j, h.Lines[j].Text, wh.Lines[j].Text)
					}
				}
			}
			if strings.Contains(f, "latin1") {
				if !strings.Contains(p.Header.Subject, "René") || !strings.Contains(p.MessageText(), "René Développeur") {
					t.Errorf("latin-1 not decoded: %q / %q", p.Header.Subject, p.MessageText())
				}
			}
		})
	}
}

func TestMboxSplitting(t *testing.T) {
	mbox := "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nSubject: [PATCH 1/2] one\n\nbody\n>From quoted\n>>From twice\nFrom inside a paragraph stays\n\n" +
		"From b@c Mon Jan  1 00:00:00 2024\nFrom: b@c\nSubject: [PATCH 2/2] two\n\nbody2\n"
	ps := readAll(t, strings.NewReader(mbox), "m")
	if len(ps) != 2 {
		t.Fatalf("%d messages", len(ps))
	}
	msg := ps[0].MessageText()
	for _, want := range []string{"\nFrom quoted\n", "\n>From twice\n", "From inside a paragraph stays"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message 1 lacks %q:\n%s", want, msg)
		}
	}
	if ps[1].Subject.Number != 2 || ps[1].StartLine != 11 {
		t.Errorf("message 2: number %d start line %d", ps[1].Subject.Number, ps[1].StartLine)
	}
}

func TestBodySplit(t *testing.T) {
	msg := `From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001
From: Dev <dev@example.org>
Subject: [PATCH] bpf: thing

Explain it.
--- not the separator, a commit message line

Link: https://example.org/x
Signed-off-by: Dev <dev@example.org>
---
v2: changed
 x.c | 1 +
diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -1 +1,2 @@
 a
+b
-- 
2.39.5
`
	p := readAll(t, strings.NewReader(msg), "m")[0]
	if p.Commit != "1234567890123456789012345678901234567890" {
		t.Errorf("commit %q", p.Commit)
	}
	if got := p.MessageText(); !strings.Contains(got, "--- not the separator") || strings.Contains(got, "v2: changed") {
		t.Errorf("message = %q", got)
	}
	if len(p.Notes) != 2 || p.Notes[0].Text != "v2: changed" {
		t.Errorf("notes = %+v", p.Notes)
	}
	if len(p.Trailers) != 2 || p.Trailers[0].Key != "Link" {
		t.Errorf("trailers = %+v", p.Trailers)
	}
	if len(p.Files) != 1 || len(p.Files[0].Hunks[0].Lines) != 2 {
		t.Errorf("files = %+v", p.Files)
	}
	if p.Message[0].N != 5 {
		t.Errorf("first message line number %d, want 5", p.Message[0].N)
	}
}

func TestLimits(t *testing.T) {
	huge := "From: a@b\nSubject: x\n\n" + strings.Repeat("x", 2<<20) + "\n"
	sp := NewSplitter(strings.NewReader(huge), 1<<20)
	if _, err := sp.Next(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	nul := "From: a@b\nSubject: x\n\nbinary\x00data\n"
	p := readAll(t, strings.NewReader(nul), "nul")[0]
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Error(), "NUL") {
		t.Errorf("errors %v", p.Errors)
	}
}

func FuzzMessage(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From x\nSubject: =?utf-8?q?a?=\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ndiff --git a/x b/x\n--b--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sp := NewSplitter(strings.NewReader(string(data)), 1<<20)
		for n := 1; n < 1000; n++ {
			raw, err := sp.Next()
			if err != nil {
				return
			}
			p := Parse(raw, "fuzz", n)
			for _, e := range p.Errors {
				if e.Error() == "" {
					t.Fatal("empty error")
				}
			}
		}
	})
}

// TestParseRawCRLF reads a CRLF mail handed over whole (as SMTP or an
// archive blob gives it, without the mbox splitter): the header must be
// read as a header, not taken for a body.
func TestParseRawCRLF(t *testing.T) {
	data, err := os.ReadFile("testdata/promotion-crlf.eml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\r\n\r\n") {
		t.Fatal("the fixture is not CRLF mail")
	}
	want := readAll(t, strings.NewReader(string(data)), "split")[0]
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"whole", data},
		{"lf", []byte(strings.ReplaceAll(string(data), "\r\n", "\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Parse(NewRaw(tc.data), "raw", 1)
			if len(p.Errors) > 0 {
				t.Fatalf("errors: %v", p.Errors)
			}
			if !p.Mail || p.Header.Date == "" || p.Header.Date != want.Header.Date || !slices.Equal(p.Header.Cc, want.Header.Cc) {
				t.Errorf("Date %q Cc %v, want %q %v (mail %v)", p.Header.Date, p.Header.Cc, want.Header.Date, want.Header.Cc, p.Mail)
			}
			if p.Header.Subject != want.Header.Subject || !slices.Equal(p.Header.To, want.Header.To) {
				t.Errorf("header %+v, want %+v", p.Header, want.Header)
			}
			if len(p.Files) != len(want.Files) || p.MessageText() != want.MessageText() {
				t.Errorf("body differs: %d files, message %q", len(p.Files), p.MessageText())
			}
		})
	}
}

// TestAdversarialShapes: a 1 MB mail of a hostile shape is read in linear
// time and bounded memory (under a second and 100 MB of allocations).
func TestAdversarialShapes(t *testing.T) {
	nested := func(levels int) []byte {
		var b bytes.Buffer
		b.WriteString("From: a@example.org\nSubject: [PATCH] x\nMIME-Version: 1.0\n")
		for i := 0; i < levels; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nbody\n")
		for i := levels - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
		return b.Bytes()
	}
	wide := func(parts int) []byte {
		var b bytes.Buffer
		b.WriteString("From: a@example.org\nSubject: [PATCH] x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n")
		for i := 0; i < parts; i++ {
			b.WriteString("--b\nContent-Type: text/plain\n\nx\n")
		}
		b.WriteString("--b--\n")
		return b.Bytes()
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"nested multipart", nested(15000)},
		{"wide multipart", wide(30000)},
		{"long header line", []byte("From: a@example.org\nSubject: [PATCH] " + strings.Repeat("x", 1<<20) + "\n\nbody\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) < 900<<10 {
				t.Fatalf("input of %d bytes, want about 1 MB", len(tt.data))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			p := Parse(NewRaw(tt.data), "hostile", 1)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if took > time.Second {
				t.Errorf("took %s", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if p == nil {
				t.Fatal("no patch")
			}
		})
	}
}

// TestSplitterSkipsTooLarge: in an mbox, a message over the limit (or
// with a line over it) is skipped with an error of its own, and the
// messages after it are still read.
func TestSplitterSkipsTooLarge(t *testing.T) {
	msg := func(id, body string) string {
		return "From a@example.org Mon Mar  2 10:00:00 2026\nMessage-ID: <" + id + ">\nSubject: x\n\n" + body + "\n\n"
	}
	for _, big := range []string{strings.Repeat("line\n", 400), strings.Repeat("x", 5000)} {
		in := msg("1@x", "small") + msg("2@x", big) + msg("3@x", "small")
		sp := NewSplitter(strings.NewReader(in), 1000)
		var got []string
		skipped := 0
		for {
			raw, err := sp.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTooLarge) || sp.Failed() {
					t.Fatalf("error %v, failed %v", err, sp.Failed())
				}
				skipped++
				continue
			}
			got = append(got, strings.Fields(string(raw.Data))[1])
		}
		if skipped != 1 || strings.Join(got, " ") != "<1@x> <3@x>" {
			t.Errorf("read %v, skipped %d", got, skipped)
		}
	}
}

// TestReadHeader: the header of a message is read, folded fields and CRLF
// included, after an mbox From line, and the message is left as it was:
// a CRLF header's end and what follows a body-less message are not
// overwritten.
func TestReadHeader(t *testing.T) {
	for _, tc := range []struct {
		name, raw, id string
	}{
		{"LF", "From: a@b\nMessage-ID: <1@x>\n\nbody\n", "<1@x>"},
		{"CRLF", "From: a@b\r\nMessage-ID:\r\n <2@x>\r\n\r\nbody\r\n", "<2@x>"},
		{"mbox From line", "From x@y Mon Mar  2 10:00:00 2026\nMessage-ID: <3@x>\n\n", "<3@x>"},
		{"no body", "Message-ID: <4@x>\n", "<4@x>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The message is held inside a larger buffer, as an mbox read
			// whole holds it: what follows must stay.
			whole := []byte(tc.raw + "NEXT MESSAGE")
			raw := whole[:len(tc.raw)]
			h, err := ReadHeader(raw)
			if err != nil || h.Get("Message-Id") != tc.id {
				t.Errorf("Message-Id %q, %v; want %q", h.Get("Message-Id"), err, tc.id)
			}
			if string(whole) != tc.raw+"NEXT MESSAGE" {
				t.Errorf("the buffer was written to: %q", whole)
			}
		})
	}
	if _, err := ReadHeader([]byte("not a header line\n\nbody\n")); err == nil {
		t.Error("a malformed header reads without error")
	}
}
