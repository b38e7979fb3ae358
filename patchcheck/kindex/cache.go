// SPDX-License-Identifier: GPL-2.0-only

package kindex

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The verdict of a blob (kfunc code or not) never changes, so it is kept
// between runs: a kernel tree's first walk reads some 60,000 blobs, later
// runs read only those they have not seen. The cache lives in the user's
// cache directory, one file per repository, never inside the repository.

const cacheVersion = "kfunccheck-kindex-v1"

// maxCacheBytes bounds the cache file read back; a larger one is ignored.
const maxCacheBytes = 256 << 20

// CachePath returns the verdict cache file of the repository at gitDir,
// "" when the user has no cache directory.
func CachePath(gitDir string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(gitDir)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "kfunccheck", "kindex", hex.EncodeToString(sum[:12]))
}

// Load reads the verdicts a previous run saved at path; a missing,
// foreign or damaged file is ignored (the verdicts are read again).
func (x *Index) Load(path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() > maxCacheBytes {
		return
	}
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != cacheVersion {
		return
	}
	loaded := map[string]*blobInfo{}
	for sc.Scan() {
		id, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || (len(id) != 40 && len(id) != 64) || (v != "0" && v != "1") {
			return
		}
		loaded[id] = &blobInfo{kfunc: v == "1"}
	}
	if sc.Err() != nil {
		return
	}
	x.mu.Lock()
	for id, info := range loaded {
		if _, ok := x.blob[id]; !ok {
			x.blob[id] = info
		}
	}
	x.loaded = len(loaded)
	x.mu.Unlock()
}

// Save writes the verdicts to path when this run learnt new ones, through
// a temporary file renamed into place.
func (x *Index) Save(path string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if path == "" || len(x.blob) == x.loaded {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(cacheVersion + "\n")
	for id, info := range x.blob {
		v := "0"
		if info.kfunc {
			v = "1"
		}
		fmt.Fprintf(&b, "%s %s\n", id, v)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kindex-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
