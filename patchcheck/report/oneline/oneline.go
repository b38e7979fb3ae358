// SPDX-License-Identifier: GPL-2.0-only

// Package oneline renders a value taken from outside (a file name, a
// subject, a Message-ID, a quoted line, an error about an input) as text
// that stays on one line and cannot drive a terminal: a newline in a
// C-quoted path must not put "Acked-by:" or "ERROR:" at the start of a
// line of a report or a public reply, and an ESC or BEL must not reach
// the reader's terminal. Every text formatter renders outside values
// through String.
package oneline

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns s with every character that could break the line or
// drive a terminal escaped: C0 controls but TAB, DEL, C1 controls and
// bytes that are not UTF-8 as \xNN (one per byte); Unicode's line and
// paragraph separators and the bidirectional overrides and isolates
// ("Trojan Source", which reorder what a reader sees) as \uNNNN. Text
// without them is returned as it is, without a copy.
func String(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case byteEscaped(r, size):
			for j := 0; j < size; j++ {
				b.WriteString(`\x`)
				b.WriteByte(hex[s[i+j]>>4])
				b.WriteByte(hex[s[i+j]&0xf])
			}
		case runeEscaped(r):
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatInt(int64(r), 16))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Safe reports whether s is shown as it is.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

const hex = "0123456789abcdef"

func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if byteEscaped(r, size) || runeEscaped(r) {
			return i
		}
		i += size
	}
	return -1
}

// byteEscaped: a control character (C0 but TAB, DEL, C1) or a byte that is
// not UTF-8, shown byte by byte.
func byteEscaped(r rune, size int) bool {
	return r == utf8.RuneError && size == 1 || r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0
}

// runeEscaped: characters that end a line or reorder text on display.
func runeEscaped(r rune) bool {
	switch {
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}
