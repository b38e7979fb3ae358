// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
)

// IsPattern reports whether a revision argument is a tag pattern
// ("v6.1.*") rather than one revision.
func IsPattern(rev string) bool { return strings.ContainsAny(rev, "*?[") }

// Tags lists the tags of the repository whose refs are in commonDir (a
// bare repository, or a work tree's .git, or a linked worktree's common
// git dir) that match pattern (as path.Match does: "*" stops at no dot,
// only at "/"), in version order.
func Tags(commonDir, pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, err
	}
	names, err := gitrepo.TagNames(commonDir)
	var out []string
	for _, name := range names {
		if ok, _ := path.Match(pattern, name); ok {
			out = append(out, name)
		}
	}
	SortVersions(out)
	return out, err
}

// SortVersions sorts release names in version order: numbers compare as
// numbers (v6.9 < v6.12), and a release candidate comes before its
// release (v6.2-rc1 < v6.2).
func SortVersions(names []string) {
	slices.SortStableFunc(names, CompareVersions)
}

// CompareVersions orders two release names; see SortVersions.
func CompareVersions(a, b string) int {
	ta, tb := versionTokens(a), versionTokens(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		x, y := ta[i], tb[i]
		nx, errx := strconv.Atoi(x)
		ny, erry := strconv.Atoi(y)
		switch {
		case errx == nil && erry == nil:
			if nx != ny {
				return nx - ny
			}
			continue
		case preRelease(x) && !preRelease(y):
			return -1
		case preRelease(y) && !preRelease(x):
			return 1
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case len(ta) == len(tb):
		return 0
	case len(ta) > len(tb):
		if preRelease(ta[len(tb)]) {
			return -1
		}
		return 1
	}
	if preRelease(tb[len(ta)]) {
		return 1
	}
	return -1
}

// preRelease tells a token that starts a release candidate's suffix.
func preRelease(tok string) bool {
	return strings.HasPrefix(tok, "-rc") || strings.HasPrefix(tok, "-pre")
}

// versionTokens splits a name into runs of digits and of other bytes.
func versionTokens(s string) []string {
	var out []string
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || isDigit(s[i]) != isDigit(s[i-1]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
