// SPDX-License-Identifier: GPL-2.0-only

// Package baseline says what each kfunc was before a patch, from sources
// outside the patch: full pre-images of files (a git repository, later),
// a stable list naming the kfuncs a project depends on, or a built
// kernel's BTF (later). The patch's own hunks are always the fallback.
package baseline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrUnavailable is wrapped when a baseline cannot give a pre-image.
var ErrUnavailable = errors.New("pre-image not available")

// ErrMissing is wrapped (with ErrUnavailable) when a source that should
// hold a pre-image, such as a repository asked for a patch's blob, does
// not: the reports then say what was missing.
var ErrMissing = fmt.Errorf("%w: missing", ErrUnavailable)

// Baseline is a source of knowledge about the tree before a patch.
type Baseline interface {
	// PreImage returns the whole content of path before the patch; blob
	// is the abbreviated blob id of the patch's "index" line, "" when
	// absent. It returns an error wrapping ErrUnavailable when this
	// baseline cannot tell.
	PreImage(path, blob string) ([]byte, error)
	// Stable reports whether this baseline declares kfunc stable, and
	// names where that comes from ("stable list kfuncs.txt:12").
	Stable(kfunc string) (source string, ok bool)
	// Describe names the baseline for reports.
	Describe() string
}

// HunksOnly knows nothing beyond the patch itself.
type HunksOnly struct{}

// PreImage always fails: only the hunks are known.
func (HunksOnly) PreImage(path, _ string) ([]byte, error) {
	return nil, fmt.Errorf("%s: %w (only the patch's hunks)", path, ErrUnavailable)
}

// Stable never declares a kfunc stable.
func (HunksOnly) Stable(string) (string, bool) { return "", false }

// Describe says what this baseline is.
func (HunksOnly) Describe() string { return "the patch's own hunks" }

// StableList declares the kfuncs named in a file stable, for trees that
// carry no KF_STABLE flag.
type StableList struct {
	Path string
	// Label names the list in findings: the file's base name by default,
	// since findings travel in mail and CI logs, where the operator's
	// directories have no business.
	Label string
	names map[string]int
}

var nameRE = regexp.MustCompile(`^[A-Za-z_]\w*$`)

// MaxStableListSize bounds a stable list: a list of every kfunc of a
// kernel is tens of kilobytes.
const MaxStableListSize = 16 << 20

// LoadStableList reads one kfunc name per line; "#" starts a comment.
// A line that is not a C identifier is an error naming its line, and
// never quoting it: the path may not be a stable list at all. A list
// larger than MaxStableListSize is an error.
func LoadStableList(path string) (*StableList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("stable list: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("stable list %s: a directory", path)
	}
	r := &limitedReader{r: f, left: MaxStableListSize, path: path}
	return readStableList(path, r)
}

// limitedReader fails once more than left bytes are read.
type limitedReader struct {
	r    io.Reader
	left int64
	path string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("more than %d bytes, too large for a stable list", MaxStableListSize)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// maxStableListLine bounds a line of a stable list: a kfunc name with a
// comment is far shorter.
const maxStableListLine = 64 << 10

func readStableList(path string, r io.Reader) (*StableList, error) {
	l := &StableList{Path: path, names: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxStableListLine)
	n := 0
	for sc.Scan() {
		n++
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !nameRE.MatchString(line) {
			return nil, fmt.Errorf("stable list %s:%d: not a kfunc name (a C identifier, one per line, # for comments)", path, n)
		}
		if _, dup := l.names[line]; !dup {
			l.names[line] = n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("stable list %s:%d: %w", path, n+1, err)
	}
	return l, nil
}

// NewStableList declares names stable; name says where they come from.
func NewStableList(name string, names []string) *StableList {
	l := &StableList{Path: name, Label: name, names: map[string]int{}}
	for i, n := range names {
		if _, dup := l.names[n]; !dup {
			l.names[n] = i + 1
		}
	}
	return l
}

// PreImage is not known from a stable list.
func (l *StableList) PreImage(path, _ string) ([]byte, error) {
	return nil, fmt.Errorf("%s: %w", path, ErrUnavailable)
}

// Stable reports whether the list names kfunc.
func (l *StableList) Stable(kfunc string) (string, bool) {
	if n, ok := l.names[kfunc]; ok {
		label := l.Label
		if label == "" {
			label = filepath.Base(l.Path)
		}
		return fmt.Sprintf("stable list %s:%d", label, n), true
	}
	return "", false
}

// Names returns the listed kfuncs.
func (l *StableList) Names() []string {
	out := make([]string, 0, len(l.names))
	for k := range l.names {
		out = append(out, k)
	}
	return out
}

// Describe names the list.
func (l *StableList) Describe() string { return "stable list " + l.Path }

// Multi asks each baseline in turn.
type Multi []Baseline

// PreImage returns the first pre-image any baseline has.
func (m Multi) PreImage(path, blob string) ([]byte, error) {
	for _, b := range m {
		if data, err := b.PreImage(path, blob); err == nil {
			return data, nil
		} else if !errors.Is(err, ErrUnavailable) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s: %w", path, ErrUnavailable)
}

// Stable returns the first baseline's declaration.
func (m Multi) Stable(kfunc string) (string, bool) {
	for _, b := range m {
		if s, ok := b.Stable(kfunc); ok {
			return s, true
		}
	}
	return "", false
}

// Describe lists the baselines.
func (m Multi) Describe() string {
	var d []string
	for _, b := range m {
		d = append(d, b.Describe())
	}
	return strings.Join(d, ", ")
}
