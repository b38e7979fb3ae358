// SPDX-License-Identifier: GPL-2.0-only

package input

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

const examples = "../../testdata/examples"

func readSeries(t *testing.T, path string, opt Options) ([]*model.Series, error) {
	t.Helper()
	var out []*model.Series
	err := Read(path, opt, func(s *model.Series) { out = append(out, s) })
	return out, err
}

func TestThreadMboxSeries(t *testing.T) {
	for _, name := range []string{"thread-v1-v2.mbox", "thread-v1-v2.mbox.gz"} {
		t.Run(name, func(t *testing.T) {
			ss, err := readSeries(t, filepath.Join(examples, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ss) != 2 {
				t.Fatalf("%d series, want v1 and v2", len(ss))
			}
			for i, s := range ss {
				if s.Version != i+1 || s.Cover == nil || len(s.Patches) != 2 {
					t.Errorf("series %d: version %d cover %v patches %d", i, s.Version, s.Cover != nil, len(s.Patches))
				}
				for j, p := range s.Patches {
					if p.Subject.Number != j+1 || p.Subject.Reply {
						t.Errorf("series %d patch %d: %q", i, j, p.Subject.Raw)
					}
				}
			}
		})
	}
}

func TestDirectorySeries(t *testing.T) {
	ss, err := readSeries(t, filepath.Join(examples, "series-deprecate-then-remove"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].Cover == nil || len(ss[0].Patches) != 2 {
		t.Fatalf("got %+v", ss)
	}
}

func TestStdinAndErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := readSeries(t, "-", Options{Stdin: bytes.NewReader(data)})
	if err != nil || len(ss) != 1 || ss[0].Patches[0].Source != "-" {
		t.Fatalf("stdin: %v %+v", err, ss)
	}
	_, err = readSeries(t, "-", Options{Stdin: strings.NewReader("just some text\nwith no diff\n")})
	if !errors.Is(err, ErrNoPatch) {
		t.Errorf("text without a diff: %v", err)
	}
	_, err = readSeries(t, filepath.Join(t.TempDir(), "missing.patch"), Options{})
	var ie *Error
	if !errors.As(err, &ie) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := readSeries(t, t.TempDir(), Options{}); !errors.Is(err, ErrNoPatch) {
		t.Errorf("empty directory: %v", err)
	}
}

// TestGzipBomb feeds a stream that expands without bound: reading must
// stop with an error while memory stays at the message limit.
func TestGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for i := 0; i < 80; i++ {
		zw.Write(chunk)
	}
	zw.Close()
	_, err := readSeries(t, "-", Options{Stdin: &buf, MaxMessage: 8 << 20})
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("gzip bomb: err = %v", err)
	}
}

func TestQuiltDiff(t *testing.T) {
	ss, err := readSeries(t, filepath.Join(examples, "quilt-flags-breaking.diff"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := ss[0].Patches[0]
	if p.Mail || len(p.Files) != 1 || p.Files[0].Path() != "kernel/bpf/helpers.c" {
		t.Errorf("quilt patch: mail=%v files=%+v", p.Mail, p.Files)
	}
}

func FuzzRead(f *testing.F) {
	for _, n := range []string{"thread-v1-v2.mbox", "quilt-flags-breaking.diff", "0004-bpf-Deprecate-bpf_cpumask_first.patch"} {
		if b, err := os.ReadFile(filepath.Join(examples, n)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Read("-", Options{Stdin: bytes.NewReader(data), MaxMessage: 1 << 20}, func(s *model.Series) {
			if len(s.Patches) == 0 && s.Cover == nil {
				t.Fatal("empty series emitted")
			}
		})
	})
}
