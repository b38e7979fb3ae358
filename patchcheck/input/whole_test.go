// SPDX-License-Identifier: GPL-2.0-only

package input

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// TestWholeFileMatchesStream checks that a file read whole and split in
// memory yields what the same bytes streamed on standard input yield
// (sources apart), and that a buffer reused for the next file leaves the
// patches already read intact.
func TestWholeFileMatchesStream(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(examples, "*"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no examples", err)
	}
	var buf []byte
	var kept [][]*model.Series
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // a directory
		}
		whole, werr := readSeries(t, path, Options{Buffer: &buf})
		stream, serr := readSeries(t, "-", Options{Stdin: bytes.NewReader(data)})
		if (werr == nil) != (serr == nil) {
			t.Errorf("%s: errors %v and %v", path, werr, serr)
		}
		for _, ss := range stream {
			ss.Source = path
			for _, p := range append(ss.Patches, ss.Cover) {
				if p != nil {
					p.Source = path
				}
			}
		}
		if !reflect.DeepEqual(whole, stream) {
			t.Errorf("%s: read whole and streamed differ", path)
		}
		kept = append(kept, whole)
	}
	// Read everything again without a shared buffer: what was kept must
	// not have changed when the buffer was reused.
	i := 0
	for _, path := range paths {
		if _, err := os.ReadFile(path); err != nil {
			continue
		}
		again, _ := readSeries(t, path, Options{})
		if !reflect.DeepEqual(kept[i], again) {
			t.Errorf("%s: patches changed after the buffer was reused", path)
		}
		i++
	}
}
