// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// fullLines counts a patch's lines as the engine's Result.Lines does
// (checkpatch's "lines checked"): the hunks' lines present in the input.
func fullLines(p *model.Patch) int {
	n := 0
	for _, f := range p.Files {
		for _, h := range f.Hunks {
			n += h.CheckedLines()
		}
	}
	return n
}

// withoutHunkLines copies p's files with their hunks' lines dropped.
func withoutHunkLines(p *model.Patch) *model.Patch {
	c := *p
	c.Files = nil
	for _, f := range p.Files {
		fc := *f
		fc.Hunks = nil
		for _, h := range f.Hunks {
			hc := *h
			hc.Lines = nil
			fc.Hunks = append(fc.Hunks, &hc)
		}
		c.Files = append(c.Files, &fc)
	}
	return &c
}

// compareLight reads every message of data both ways: where the light
// reading accepts one, it must yield the full reading's patch (without
// hunk lines) and line count, and the full reading must have no error.
func compareLight(t *testing.T, name string, data []byte, mayMatter func([]byte) bool) (light, full int) {
	t.Helper()
	lp := &LightParser{MayMatter: mayMatter}
	sp := NewSplitter(bytes.NewReader(data), 1<<24)
	for n := 1; ; n++ {
		raw, err := sp.Next()
		if err != nil {
			return light, full
		}
		want := Parse(raw, name, n)
		got, lines, ok := lp.Parse(raw, name, n)
		if !ok {
			full++
			continue
		}
		light++
		if len(want.Errors) > 0 {
			t.Errorf("%s #%d: read lightly, but the full reading reports %v", name, n, want.Errors)
			continue
		}
		if wl := fullLines(want); lines != wl {
			t.Errorf("%s #%d: light reading counts %d lines, full %d", name, n, lines, wl)
		}
		if w := withoutHunkLines(want); !reflect.DeepEqual(got, w) {
			t.Errorf("%s #%d: light reading differs:\n got %+v\nwant %+v", name, n, got, w)
			for i := range min(len(got.Files), len(w.Files)) {
				if !reflect.DeepEqual(got.Files[i], w.Files[i]) {
					t.Errorf("file %d: got %+v want %+v", i, got.Files[i], w.Files[i])
				}
			}
		}
	}
}

func walkFiles(t *testing.T, root string, fn func(path string, data []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, "README.md") || strings.HasSuffix(path, ".gz") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLightMatchesFull compares both readings on the fixtures and, when
// present, the real patches of ../shared.
func TestLightMatchesFull(t *testing.T) {
	roots := []string{"testdata", "../../testdata", "../../rules/testdata"}
	corpus := "../../../shared/corpus/real-patches"
	if _, err := os.Stat(corpus); err == nil {
		roots = append(roots, corpus)
	} else {
		t.Logf("corpus not present (%v): fixtures only", err)
	}
	for _, root := range roots {
		light, full := 0, 0
		walkFiles(t, root, func(path string, data []byte) {
			l, f := compareLight(t, path, data, nil)
			light, full = light+l, full+f
		})
		t.Logf("%s: %d messages read lightly, %d left to the full reading", root, light, full)
		if root == corpus && light < 10*full {
			t.Errorf("%s: only %d of %d messages read lightly", root, light, light+full)
		}
	}
}

// TestLightGivesUp lists inputs the light reading must leave to the full
// one, which reports a problem or keeps what the light one cannot.
func TestLightGivesUp(t *testing.T) {
	head := "From: A <a@example.org>\nSubject: [PATCH] x\n\nmsg\n---\n"
	diff := "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n"
	for name, in := range map[string]string{
		"short hunk":         head + diff + "@@ -1,3 +1,3 @@\n a\n-b\n+c\nnot a hunk line\n",
		"signature in hunk":  head + diff + "@@ -1,5 +1,5 @@\n a\n-b\n+c\n-- \n2.39.5\n",
		"too much lost":      head + diff + "@@ -1,5 +1,5 @@\n a\n",
		"lost mid-file":      head + diff + "@@ -1,4 +1,4 @@\n a\n-b\n+c\n@@ -10,2 +10,2 @@\n-x\n+y\n",
		"cut off":            head + diff + "@@ -1 +1 @@\n-a\n+b",
		"marker":             head + diff + "@@ -1 +1 @@\n-a\n+BTF_ID_FLAGS(func, f)\n",
		"base64":             "From: A <a@example.org>\nSubject: x\nContent-Transfer-Encoding: base64\n\nZm9v\n",
		"binary":             head + "diff --git a/x.bin b/x.bin\nindex 1..2\nGIT binary patch\nliteral 1\nA\n\n",
		"rename only":        head + "diff --git a/x.c b/y.c\nsimilarity index 100%\nrename from x.c\nrename to y.c\n",
		"dashes before hunk": head + diff + "@@ -1,2 +1,2 @@\n---a\n+++b\n@@ -5 +5 @@\n-c\n+d\n",
		"no diff":            head,
		"carriage return":    head + diff + "@@ -1 +1 @@\n-a\r\n+b\r\n",
		"bad header":         head + diff + "@@ -1,x +1 @@\n-a\n+b\n",
		"huge count":         head + diff + "@@ -1,99999999999 +1 @@\n-a\n+b\n",
	} {
		raw := NewRaw([]byte(in))
		raw.Unterminated = !strings.HasSuffix(in, "\n")
		lp := &LightParser{MayMatter: func(b []byte) bool { return bytes.Contains(b, []byte("BTF_ID")) }}
		if _, _, ok := lp.Parse(raw, name, 1); ok {
			t.Errorf("%s: read lightly", name)
		}
	}
}

// TestLightRepairsLostContext checks GNU patch's repair of trailing
// context lines lost in transit at the end of input, the way the full
// reading does it. (A "-- " signature inside a hunk's count is a deleted
// line, so lines lost before one are a short hunk.)
func TestLightRepairsLostContext(t *testing.T) {
	head := "Subject: [PATCH] x\n\nmsg\n---\ndiff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n"
	for _, in := range []string{
		head + "@@ -1,4 +1,4 @@\n a\n-b\n+c\n",
		head + "@@ -1,5 +1,5 @@\n a\n-b\n+c\n",
		head + "@@ -1,3 +1,3 @@\n a\n-b\n+c\n\\ No newline at end of file\n",
	} {
		light, _ := compareLight(t, "repair", []byte(in), nil)
		if light != 1 {
			t.Errorf("not read lightly:\n%s", in)
		}
	}
}

// TestLightOddHeaders checks headers the light reading hands to go-diff:
// quoted names, timestamps, diff -up lines.
func TestLightOddHeaders(t *testing.T) {
	head := "From: A <a@example.org>\nSubject: [PATCH] x\n\nmsg\n---\n"
	for _, in := range []string{
		head + "diff --git \"a/x y.c\" \"b/x y.c\"\n--- \"a/x y.c\"\n+++ \"b/x y.c\"\n@@ -1 +1 @@\n-a\n+b\n",
		head + "--- a/x.c\t2020-01-01 00:00:00.000000000 +0100\n+++ b/x.c\t2020-01-02 00:00:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n",
		head + "diff -up a/x.c b/x.c\n--- a/x.c\t2020-01-01 00:00:00.000000000 +0100\n+++ b/x.c\t2020-01-02 00:00:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n",
	} {
		if light, _ := compareLight(t, "odd", []byte(in), nil); light != 1 {
			t.Errorf("not read lightly:\n%s", in)
		}
	}
}

// FuzzLight compares the light reading with the full one on any input.
func FuzzLight(f *testing.F) {
	for _, n := range []string{"../../testdata/examples/0004-bpf-Deprecate-bpf_cpumask_first.patch", "../../testdata/examples/thread-v1-v2.mbox"} {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Subject: x\n\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		compareLight(t, "fuzz", data, nil)
	})
}

// TestBytesSplitterMatchesSplitter compares the in-memory splitter with
// the streaming one.
func TestBytesSplitterMatchesSplitter(t *testing.T) {
	for _, in := range []string{
		"", "\n\n", "  \nFrom x\nSubject: a\n\nbody\n", "From a\nb", "From a",
		"From a\nx\n\nFrom b\ny\n", "From a\nFrom b\nFrom c\n\nFrom d\n",
		"From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001\nS\nFrom 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001\nT\n",
		"Subject: x\n\nFrom a\n\nFrom b\n", ">From x\n", "a\r\nb\r\n", "\nFrom a\n\n\nFrom b",
	} {
		compareSplitters(t, []byte(in))
	}
	walkFiles(t, "../../testdata", func(path string, data []byte) { compareSplitters(t, data) })
}

func compareSplitters(t *testing.T, data []byte) {
	t.Helper()
	a, b := NewSplitter(bytes.NewReader(data), 1<<20), NewBytesSplitter(data, 1<<20)
	for {
		ra, ea := a.Next()
		rb, eb := b.Next()
		if (ea == nil) != (eb == nil) || ea != nil && ea.Error() != eb.Error() {
			t.Fatalf("%q: errors %v and %v", data, ea, eb)
		}
		if ea != nil {
			return
		}
		if !bytes.Equal(ra.Data, rb.Data) || ra.StartLine != rb.StartLine || ra.FromLine != rb.FromLine || ra.Unterminated != rb.Unterminated {
			t.Fatalf("%q: streaming %+v (%q), in memory %+v (%q)", data, ra, ra.Data, rb, rb.Data)
		}
		if ea == io.EOF {
			return
		}
	}
}

// FuzzBytesSplitter compares both splitters on any input.
func FuzzBytesSplitter(f *testing.F) {
	f.Add([]byte("From a\nx\n\nFrom b\ny\n"))
	f.Fuzz(func(t *testing.T, data []byte) { compareSplitters(t, data) })
}
