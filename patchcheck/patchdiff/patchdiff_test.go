// SPDX-License-Identifier: GPL-2.0-only

package patchdiff

import (
	"errors"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func lines(s string) []model.Line {
	var out []model.Line
	for i, t := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		out = append(out, model.Line{N: i + 1, Text: t})
	}
	return out
}

type wantFile struct {
	old, new string
	status   model.FileStatus
	binary   bool
	hunks    int
	oldBlob  string
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		files   []wantFile
		end     int // index of the first line after the diff
		wantErr error
		check   func(t *testing.T, fs []*model.FileDiff)
	}{
		{
			name: "signature after the last hunk",
			in: `diff --git a/kernel/bpf/helpers.c b/kernel/bpf/helpers.c
index 1111111..2222222 100644
--- a/kernel/bpf/helpers.c
+++ b/kernel/bpf/helpers.c
@@ -1,3 +1,3 @@
 a
-b
+c
 d
-- 
2.39.5
`,
			files: []wantFile{{"kernel/bpf/helpers.c", "kernel/bpf/helpers.c", model.Modified, false, 1, "1111111"}},
			end:   9,
		},
		{
			name: "a deleted line that reads like a signature stays in the hunk",
			in: `diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -1,3 +1,2 @@
 a
-- 
 c
-- 
sig
`,
			files: []wantFile{{"x.c", "x.c", model.Modified, false, 1, ""}},
			end:   7,
			check: func(t *testing.T, fs []*model.FileDiff) {
				h := fs[0].Hunks[0]
				if len(h.Lines) != 3 || h.Lines[1].Op != '-' || h.Lines[1].Text != "- " {
					t.Errorf("hunk lines = %+v", h.Lines)
				}
				if h.Lines[2].OldLine != 3 || h.Lines[2].NewLine != 2 {
					t.Errorf("line numbers of last context line: old %d new %d", h.Lines[2].OldLine, h.Lines[2].NewLine)
				}
			},
		},
		{
			name: "binary patch then a text file",
			in: `diff --git a/fw.bin b/fw.bin
new file mode 100644
index 0000000..e69de29
GIT binary patch
literal 12
TcmZ?wbhEHbRA5kGU|;|M2nYbE

literal 0
HcmV?d00001

diff --git a/y.c b/y.c
--- a/y.c
+++ b/y.c
@@ -1 +1 @@
-old
+new
`,
			files: []wantFile{
				{"", "fw.bin", model.Added, true, 0, "0000000"},
				{"y.c", "y.c", model.Modified, false, 1, ""},
			},
			end: 16,
		},
		{
			name: "pure rename, mode change, deletion",
			in: `diff --git a/old name.c b/new name.c
similarity index 100%
rename from old name.c
rename to new name.c
diff --git a/script.sh b/script.sh
old mode 100644
new mode 100755
diff --git a/gone.h b/gone.h
deleted file mode 100644
index 3333333..0000000
--- a/gone.h
+++ /dev/null
@@ -1,2 +0,0 @@
-#define A 1
-#define B 2
`,
			files: []wantFile{
				{"old name.c", "new name.c", model.Renamed, false, 0, ""},
				{"script.sh", "script.sh", model.Modified, false, 0, ""},
				{"gone.h", "", model.Deleted, false, 1, "3333333"},
			},
			end: 15,
			check: func(t *testing.T, fs []*model.FileDiff) {
				if fs[1].OldMode != "100644" || fs[1].NewMode != "100755" {
					t.Errorf("modes %q %q", fs[1].OldMode, fs[1].NewMode)
				}
			},
		},
		{
			name: "quoted names and no newline at end of file",
			in: `diff --git "a/\303\274n\303\257.c" "b/\303\274n\303\257.c"
--- "a/\303\274n\303\257.c"
+++ "b/\303\274n\303\257.c"
@@ -1,2 +1,2 @@
 keep
-last
\ No newline at end of file
+last2
\ No newline at end of file
`,
			files: []wantFile{{"ünï.c", "ünï.c", model.Modified, false, 1, ""}},
			end:   9,
			check: func(t *testing.T, fs []*model.FileDiff) {
				h := fs[0].Hunks[0]
				if !h.OldNoNewline || !h.NewNoNewline {
					t.Errorf("no-newline markers: old %v new %v", h.OldNoNewline, h.NewNoNewline)
				}
			},
		},
		{
			name: "counts that lie",
			in: `diff --git a/z.c b/z.c
--- a/z.c
+++ b/z.c
@@ -1,5 +1,5 @@
 a
-b
+c
diff --git a/w.c b/w.c
--- a/w.c
+++ b/w.c
@@ -1 +1 @@
-x
+y
`,
			wantErr: ErrBadHunk,
			files: []wantFile{
				{"z.c", "z.c", model.Modified, false, 1, ""},
				{"w.c", "w.c", model.Modified, false, 1, ""},
			},
			end: 13,
		},
		{
			name: "quilt style with Index lines",
			in: `Index: linux/kernel/bpf/helpers.c
===================================================================
--- linux.orig/kernel/bpf/helpers.c
+++ linux/kernel/bpf/helpers.c
@@ -10,2 +10,3 @@ BTF_KFUNCS_START(generic_btf_ids)
 a
+b
 c
`,
			files: []wantFile{{"kernel/bpf/helpers.c", "kernel/bpf/helpers.c", model.Modified, false, 1, ""}},
			end:   8,
			check: func(t *testing.T, fs []*model.FileDiff) {
				if s := fs[0].Hunks[0].Section; s != "BTF_KFUNCS_START(generic_btf_ids)" {
					t.Errorf("section %q", s)
				}
			},
		},
		{
			name:  "diff -rup with timestamps and an empty context line",
			in:    "diff -rup a/fs/x.c b/fs/x.c\n--- a/fs/x.c\t2019-01-01 00:00:00.000000000 +0100\n+++ b/fs/x.c\t2019-01-02 00:00:00.000000000 +0100\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n",
			files: []wantFile{{"fs/x.c", "fs/x.c", model.Modified, false, 1, ""}},
			end:   8,
		},
		{
			name:  "trailing context lost in transit is padded",
			in:    "--- a/q.c\n+++ b/q.c\n@@ -1,3 +1,3 @@\n-a\n+b\n c\n",
			files: []wantFile{{"q.c", "q.c", model.Modified, false, 1, ""}},
			end:   6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := lines(tt.in)
			files, end, errs := Parse(ls)
			if tt.wantErr != nil {
				if len(errs) == 0 || !errors.Is(errs[0], tt.wantErr) {
					t.Fatalf("errors = %v, want %v", errs, tt.wantErr)
				}
				var pe *Error
				if !errors.As(errs[0], &pe) || pe.Line == 0 {
					t.Errorf("error %v carries no line", errs[0])
				}
			} else if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if end != tt.end {
				t.Errorf("end = %d, want %d", end, tt.end)
			}
			if len(files) != len(tt.files) {
				t.Fatalf("got %d files, want %d: %+v", len(files), len(tt.files), files)
			}
			for i, w := range tt.files {
				f := files[i]
				if f.OldPath != w.old || f.NewPath != w.new || f.Status != w.status || f.Binary != w.binary || len(f.Hunks) != w.hunks || f.OldBlob != w.oldBlob {
					t.Errorf("file %d = {%q %q %s bin=%v hunks=%d blob=%q}, want %+v", i, f.OldPath, f.NewPath, f.Status, f.Binary, len(f.Hunks), f.OldBlob, w)
				}
			}
			if tt.check != nil {
				tt.check(t, files)
			}
		})
	}
}

func TestFindStartPrefersGitDiffAfterSeparator(t *testing.T) {
	ls := lines(`Subject line

The message quotes a diff:
--- a/x
+++ b/x
@@ -1 +1 @@
-a
+b
---
 x | 2 +-
diff --git a/x b/x
`)
	if got := FindStart(ls); got != 10 {
		t.Errorf("FindStart = %d, want 10", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n-- \n2.1\n")
	f.Add("--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n")
	f.Add("diff --git a/b b/b\nGIT binary patch\nliteral 3\nabc\n\n")
	f.Add("Index: a/b\n====\n--- a/b\n+++ b/b\n@@ -1 +1,2 @@ sec\n x\n+y\n\\ No newline at end of file\n")
	f.Fuzz(func(t *testing.T, s string) {
		ls := lines(s)
		files, end, _ := Parse(ls)
		if end < 0 || end > len(ls) {
			t.Fatalf("end %d out of range", end)
		}
		for _, fd := range files {
			for _, h := range fd.Hunks {
				old, nw := 0, 0
				for _, l := range h.Lines {
					if l.Op != '+' {
						old++
					}
					if l.Op != '-' {
						nw++
					}
				}
				if old > h.OldCount || nw > h.NewCount {
					t.Fatalf("hunk body exceeds its counts: %d/%d vs %d/%d", old, nw, h.OldCount, h.NewCount)
				}
			}
		}
	})
}

// TestParseInputCutOff: an input that ends without a newline inside a hunk
// was cut off, even where GNU patch would restore lost context lines.
func TestParseInputCutOff(t *testing.T) {
	const head = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,4 +1,4 @@\n a\n-b\n+c\n"
	tests := []struct {
		name, in     string
		unterminated bool
		cut          bool
	}{
		{"whole", head + " d\n e\n", false, false},
		{"lost empty context, newline kept", head + " d\n", false, false},
		{"cut inside a context line", head + " d", true, true},
		{"cut inside the last context line", head + " d\n e", true, true},
		{"cut inside an added line", "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,2 @@\n a\n+BTF_ID_FL", true, true},
		{"no newline marker last", head + " d\n e\n\\ No newline at end of file", true, false},
		{"signature last", head + " d\n e\n-- \n2.39.5", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, errs := ParseInput(lines(tt.in), tt.unterminated)
			cut := false
			for _, e := range errs {
				if errors.Is(e, ErrCutOff) {
					cut = true
				}
			}
			if cut != tt.cut {
				t.Errorf("cut-off error %v, want %v (errors %v)", cut, tt.cut, errs)
			}
		})
	}
}
