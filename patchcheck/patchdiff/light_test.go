// SPDX-License-Identifier: GPL-2.0-only

package patchdiff

import (
	"reflect"
	"testing"
)

// compareLight reads text from its diff start both ways: where ParseLight
// accepts it, ParseInput must report nothing and yield the same files
// (hunk lines apart) and as many hunk lines.
func compareLight(t *testing.T, text string) bool {
	t.Helper()
	var bl ByteLines
	bl.Reset([]byte(text), 1)
	start := FindStartBytes(&bl)
	full := lines(text)
	if text == "" || text == "\n" {
		full = nil
	}
	if got := FindStart(full); got != start {
		t.Fatalf("FindStartBytes %d, FindStart %d", start, got)
	}
	if start < 0 {
		return false
	}
	files, n, ok := ParseLight(&bl, start)
	if !ok {
		return false
	}
	want, _, errs := ParseInput(full[start:], false)
	if len(errs) > 0 {
		t.Fatalf("read lightly, but ParseInput reports %v", errs)
	}
	// checkpatch's "lines checked": the hunks' lines present in the
	// input (not those GNU patch's repair restores).
	wantN := 0
	for _, f := range want {
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.PatchLine != 0 {
					wantN++
				}
			}
			h.Lines = nil
		}
	}
	if n != wantN {
		t.Errorf("light reading counts %d lines, full %d", n, wantN)
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files differ")
		for i := range min(len(files), len(want)) {
			t.Errorf("got %+v\nwant %+v", files[i], want[i])
		}
	}
	return true
}

func TestParseLight(t *testing.T) {
	ok := 0
	for _, in := range []string{
		"diff --git a/x.c b/x.c\nindex 1..2 100644\n--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@ f\n a\n-b\n+c\n d\n",
		"--- a/x.c\t2020-01-01 00:00:00.000000000 +0100\n+++ b/x.c\t2020-01-01 00:00:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of file\n",
		"diff --git a/x.c b/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,2 @@\n+a\n+b\n-- \n2.39.5\n",
		"diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,4 +1,4 @@\n a\n-b\n+c\n",
		"text\ndiff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\nOnly in x: y\ndiff --git a/y.c b/y.c\n--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-a\n+b\n",
		"diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n\tctx\n-a\n+b\n",
	} {
		if compareLight(t, in) {
			ok++
		}
	}
	if ok != 6 {
		t.Errorf("%d of 6 read lightly", ok)
	}
}

// FuzzParseLight compares ParseLight with ParseInput on any text.
func FuzzParseLight(f *testing.F) {
	f.Add("diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n")
	f.Add("--- a\n+++ b\n@@ -1,2 +1,2 @@\n---a\n+++b\n@@ -3 +3 @@\n-x\n+y\n")
	f.Fuzz(func(t *testing.T, text string) {
		compareLight(t, text)
	})
}
