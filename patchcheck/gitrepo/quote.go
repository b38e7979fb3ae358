// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"fmt"
	"strings"
)

// QuotePath returns prefix+path as git writes a path name in a patch
// (core.quotePath, its default): as it is when every byte is printable
// ASCII other than '"' and '\', C-quoted between double quotes otherwise,
// with \a \b \t \n \v \f \r \" \\ and three-digit octal escapes. A path of
// an untrusted repository can hold a newline (which would forge patch
// lines) or a terminal escape; quoted, it holds neither.
func QuotePath(prefix, path string) string {
	name := prefix + path
	if !needsQuote(name) {
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}
