// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
)

// alternatesPath is where a repository names other object directories it
// borrows objects from (git's "alternates"; public-inbox epochs cloned
// with --reference or sharing objects use them).
var alternatesPath = filepath.Join("objects", "info", "alternates")

// alternatesFS is a repository filesystem whose alternates file is read
// the way git reads it. go-git resolves a relative entry from its
// filesystem's root, not from the objects directory as git does, and
// cannot leave its root for an absolute one; this view rewrites every
// entry to an absolute path, and go-git is given the whole filesystem to
// find them in (see alternatesRoot).
type alternatesFS struct {
	billy.Filesystem
	objects string // the repository's objects directory, absolute
}

// withAlternates wraps the filesystem of a repository whose objects are in
// commonDir/objects.
func withAlternates(fs billy.Filesystem, commonDir string) billy.Filesystem {
	abs, err := filepath.Abs(filepath.Join(commonDir, "objects"))
	if err != nil {
		return fs
	}
	return &alternatesFS{Filesystem: fs, objects: abs}
}

// alternatesRoot is the filesystem absolute alternates are found in.
func alternatesRoot() billy.Filesystem { return osfs.New(string(filepath.Separator)) }

// Open serves the alternates file rewritten; everything else as it is.
func (a *alternatesFS) Open(name string) (billy.File, error) {
	if filepath.Clean(name) != alternatesPath {
		return a.Filesystem.Open(name)
	}
	data, err := readAll(a.Filesystem, name)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		// git skips empty lines and comments.
		if line == "" || line[0] == '#' {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(a.objects, line)
		}
		out.WriteString(filepath.Clean(line) + "\n")
	}
	mem := memfs.New()
	f, err := mem.Create("alternates")
	if err != nil {
		return nil, err
	}
	f.Write(out.Bytes())
	f.Close()
	return mem.Open("alternates")
}

func readAll(fs billy.Filesystem, name string) ([]byte, error) {
	f, err := fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		return nil, err
	}
	if b.Len() == 0 {
		return nil, os.ErrNotExist
	}
	return b.Bytes(), nil
}
