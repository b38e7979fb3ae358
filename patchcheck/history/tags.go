// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
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
// only at "/"), in version order. Tags whose names git would refuse are
// left out (ListTags says which).
func Tags(commonDir, pattern string) ([]string, error) {
	tags, _, err := ListTags(commonDir, pattern)
	var out []string
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out, err
}

// Tag is one tag: its name and the object its ref holds, peeled to the
// commit when packed-refs says so ("" when unknown).
type Tag struct {
	Name, ID, Peeled string
}

// maxPackedRefs bounds the packed-refs file read: the Linux repository's
// is a few MB.
const maxPackedRefs = 256 << 20

// ListTags reads the tags matching pattern from the refs themselves
// (loose refs under refs/tags, then packed-refs), in version order. It
// needs no object, so it reads SHA-1 and SHA-256 repositories alike. A
// name git would refuse to create (a space, a control character, "..",
// see ValidRefName) is hostile: it is left out and named in skipped (as
// read: escape it to show it), and the other tags are listed.
func ListTags(commonDir, pattern string) (tags []Tag, skipped []string, err error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, nil, err
	}
	if st, err := os.Stat(filepath.Join(commonDir, "reftable")); err == nil && st.IsDir() {
		// The reftable format: let the git reader list them.
		names, err := gitrepo.TagNames(commonDir)
		for _, n := range names {
			if ok, _ := path.Match(pattern, n); ok {
				tags = append(tags, Tag{Name: n})
			}
		}
		slices.SortStableFunc(tags, func(a, b Tag) int { return CompareVersions(a.Name, b.Name) })
		return tags, nil, err
	}
	byName := map[string]Tag{}
	if err := readPackedTags(filepath.Join(commonDir, "packed-refs"), byName); err != nil {
		return nil, nil, err
	}
	root := filepath.Join(commonDir, "refs", "tags")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
		id := strings.TrimSpace(line)
		if !isObjectID(id) {
			// A symbolic ref, or not a ref at all.
			return nil
		}
		// A loose ref wins over its packed entry (and its peeled id).
		byName[filepath.ToSlash(rel)] = Tag{Name: filepath.ToSlash(rel), ID: id}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for name, t := range byName {
		if !ValidRefName("refs/tags/" + name) {
			skipped = append(skipped, name)
			continue
		}
		if ok, _ := path.Match(pattern, name); ok {
			tags = append(tags, t)
		}
	}
	slices.Sort(skipped)
	slices.SortStableFunc(tags, func(a, b Tag) int {
		if c := CompareVersions(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return tags, skipped, nil
}

// ResolveTag returns the commit a tag names: the id packed-refs peeled
// it to, its own id when that is a commit (a lightweight tag), else
// whatever the repository resolves refs/tags/NAME to.
func ResolveTag(repo gitrepo.Repository, t Tag) (string, error) {
	switch {
	case t.Peeled != "":
		return t.Peeled, nil
	case t.ID != "" && repo.HasCommit(t.ID):
		return t.ID, nil
	}
	return repo.Resolve("refs/tags/" + t.Name)
}

// readPackedTags reads the tags of a packed-refs file: "ID refs/tags/NAME"
// lines, each maybe followed by "^PEELED".
func readPackedTags(file string, into map[string]Tag) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxPackedRefs))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	last := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "^") {
			if t, ok := into[last]; ok && isObjectID(line[1:]) {
				t.Peeled = line[1:]
				into[last] = t
			}
			continue
		}
		last = ""
		id, ref, ok := strings.Cut(line, " ")
		name, isTag := strings.CutPrefix(ref, "refs/tags/")
		if !ok || !isTag || !isObjectID(id) {
			continue
		}
		into[name] = Tag{Name: name, ID: id}
		last = name
	}
	return sc.Err()
}

// isObjectID tells a full SHA-1 or SHA-256 object id in hex.
func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidRefName applies git's rules for ref names (git check-ref-format,
// refs.c check_refname_component): no control character, space, "~",
// "^", ":", "?", "*", "[" or "\\"; no "..", "@{" or "//"; no component
// that starts with "." or ends with ".lock"; not ending with "." or "/".
func ValidRefName(name string) bool {
	if name == "" || name == "@" || strings.HasSuffix(name, ".") || strings.HasSuffix(name, "/") ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if comp == "" || strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	return true
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
