// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Object is one BPF object read for its kfunc calls.
type Object struct {
	Path string
	Uses []*Use
	// ProgTypes are its programs' types, from their section names;
	// UnknownSections the executable sections libbpf gives no type.
	ProgTypes, UnknownSections []string
	// Refused says why libbpf would refuse to open the object (an extern
	// without BTF it can place): it loads nowhere. "" when it would open.
	Refused string
	// Err is why the object could not be read; the others are read all
	// the same.
	Err error
}

// ReadObjects reads many BPF objects at once, in order: each file is
// read whole once (objects are small, and bounded by maxObjectSize) and
// parsed by as many workers as there are CPUs. One object that cannot be
// read is that object's Err, never the others'.
func ReadObjects(paths []string) []Object {
	out := make([]Object, len(paths))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = readObject(paths[i])
			}
		}()
	}
	for i := range paths {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

func readObject(path string) Object {
	o := Object{Path: path}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		o.Err = err
		return o
	case !st.Mode().IsRegular():
		o.Err = fmt.Errorf("%s: not a regular file", path)
		return o
	case st.Size() > maxObjectSize:
		o.Err = fmt.Errorf("%s: %d bytes, more than a BPF object holds (%d)", path, st.Size(), maxObjectSize)
		return o
	}
	data, err := os.ReadFile(path)
	if err != nil {
		o.Err = err
		return o
	}
	r := bytes.NewReader(data)
	if o.Uses, o.Refused, o.Err = usesFromReader(r, path); o.Err != nil {
		return o
	}
	o.ProgTypes, o.UnknownSections, o.Err = ProgTypesFromReader(r, path)
	return o
}
