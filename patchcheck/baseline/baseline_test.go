// SPDX-License-Identifier: GPL-2.0-only

package baseline

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStableList(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stable.txt")
	if err := os.WriteFile(p, []byte("# kfuncs we depend on\nbpf_task_acquire\n\n  bpf_cpumask_first   # sched\nbpf_task_acquire\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := LoadStableList(p)
	if err != nil {
		t.Fatal(err)
	}
	if src, ok := l.Stable("bpf_cpumask_first"); !ok || !strings.HasSuffix(src, "stable.txt:4") {
		t.Errorf("Stable = %q %v", src, ok)
	}
	if _, ok := l.Stable("bpf_other"); ok {
		t.Error("unlisted kfunc is stable")
	}
	if len(l.Names()) != 2 {
		t.Errorf("names %v", l.Names())
	}
	if err := os.WriteFile(p, []byte("bpf_ok\nbpf bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadStableList(p); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("bad line: %v", err)
	}
}

type fixed struct{ data string }

func (f fixed) PreImage(string, string) ([]byte, error) { return []byte(f.data), nil }
func (fixed) Stable(string) (string, bool)              { return "", false }
func (fixed) Describe() string                          { return "fixed" }

func TestMulti(t *testing.T) {
	m := Multi{NewStableList("list", []string{"a"}), HunksOnly{}}
	if _, err := m.PreImage("x.c", ""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("PreImage: %v", err)
	}
	if _, ok := m.Stable("a"); !ok {
		t.Error("Stable(a)")
	}
	m = append(m, fixed{"content"})
	if b, err := m.PreImage("x.c", ""); err != nil || string(b) != "content" {
		t.Errorf("PreImage = %q, %v", b, err)
	}
	if d := m.Describe(); !strings.Contains(d, "stable list list") || !strings.Contains(d, "fixed") {
		t.Errorf("Describe %q", d)
	}
}

// FuzzReadStableList: a list is either refused with its line, or every
// name it declares is a C identifier that Stable finds.
func FuzzReadStableList(f *testing.F) {
	f.Add([]byte("# kfuncs we depend on\nbpf_task_acquire\n\n  bpf_cpumask_first   # sched\n"))
	f.Add([]byte("bpf_ok\nbpf bad\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := readStableList("list", bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "stable list list:") {
				t.Fatalf("error without its place: %v", err)
			}
			return
		}
		for _, n := range l.Names() {
			if !nameRE.MatchString(n) {
				t.Fatalf("declared %q", n)
			}
			if _, ok := l.Stable(n); !ok {
				t.Fatalf("%q listed but not stable", n)
			}
		}
	})
}
