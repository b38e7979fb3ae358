// SPDX-License-Identifier: GPL-2.0-only

package oneline

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text\twith a tab", "plain text\twith a tab"},
		{"kernel/bpf/helpers.c", "kernel/bpf/helpers.c"},
		{"a\nAcked-by: x", `a\x0aAcked-by: x`},
		{"\r\nERROR: y", `\x0d\x0aERROR: y`},
		{"\x1b[2J\x07", `\x1b[2J\x07`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b", `c1 \xc2\x9b`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"rlo\u202eisolate\u2066\u2069", `rlo\u202eisolate\u2066\u2069`},
		{"Ünïcödé ✓", "Ünïcödé ✓"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Safe(tt.in) != (tt.in == tt.want) {
			t.Errorf("Safe(%q) = %v", tt.in, Safe(tt.in))
		}
	}
}

// TestStringEveryByte: for every byte value and every two-byte sequence,
// the result holds no line break, no control character but TAB, and is
// valid UTF-8.
func TestStringEveryByte(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			checkSafe(t, string([]byte{'x', byte(a), byte(b), 'y'}))
		}
	}
	for r := rune(0); r < 0x3000; r++ {
		checkSafe(t, "x"+string(r)+"y")
	}
}

func checkSafe(t *testing.T, in string) {
	t.Helper()
	out := String(in)
	if !utf8.ValidString(out) {
		t.Fatalf("String(%q) = %q: not UTF-8", in, out)
	}
	for _, r := range out {
		if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || runeEscaped(r) {
			t.Fatalf("String(%q) = %q holds %U", in, out, r)
		}
	}
	if strings.ContainsAny(out, "\n\r") {
		t.Fatalf("String(%q) = %q breaks the line", in, out)
	}
}

func FuzzString(f *testing.F) {
	f.Add("a\nb\x1b[0m\u202e")
	f.Fuzz(func(t *testing.T, s string) { checkSafe(t, s) })
}

func BenchmarkStringClean(b *testing.B) {
	s := strings.Repeat("kernel/bpf/helpers.c: bpf_cgroup_acquire ", 10)
	for b.Loop() {
		String(s)
	}
}
