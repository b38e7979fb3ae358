// SPDX-License-Identifier: GPL-2.0-only

package lore

import (
	"os"
	"strings"
	"testing"
)

func TestMessageID(t *testing.T) {
	tests := []struct {
		arg, want string
		ok        bool
	}{
		{"20230117212731.442859-1-toke@redhat.com", "20230117212731.442859-1-toke@redhat.com", true},
		{"<20230117212731.442859-1-toke@redhat.com>", "20230117212731.442859-1-toke@redhat.com", true},
		{"https://lore.kernel.org/bpf/20230117212731.442859-1-toke@redhat.com/", "20230117212731.442859-1-toke@redhat.com", true},
		{"https://lore.kernel.org/all/20230117212731.442859-1-toke@redhat.com/T/#u", "20230117212731.442859-1-toke@redhat.com", true},
		{"https://lore.kernel.org/r/20230117212731.442859-1-toke@redhat.com", "20230117212731.442859-1-toke@redhat.com", true},
		{"https://patch.msgid.link/20230117212731.442859-1-toke@redhat.com", "20230117212731.442859-1-toke@redhat.com", true},
		{"0001-bpf-thing.patch", "", false},
		{"dir/with@at/file", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := MessageID(tt.arg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: %q %v, want %q %v", tt.arg, got, ok, tt.want, tt.ok)
		}
	}
}

// TestAssemble: a thread with v1, a review and v2 gives v2 in order, and
// v1 when asked for.
func TestAssemble(t *testing.T) {
	mbox, err := os.ReadFile("../../testdata/examples/thread-v1-v2.mbox")
	if err != nil {
		t.Fatal(err)
	}
	s, versions, err := Assemble(mbox, "thread", 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 2 || len(versions) != 2 || s.Cover == nil || len(s.Patches) != 2 ||
		!strings.Contains(s.Patches[0].Subject.Raw, "v2 1/2") || !strings.Contains(s.Patches[1].Subject.Raw, "v2 2/2") {
		t.Errorf("newest: v%d %v cover %v patches %d", s.Version, versions, s.Cover != nil, len(s.Patches))
	}
	s, _, err = Assemble(mbox, "thread", 1)
	if err != nil || s.Version != 1 || len(s.Patches) != 2 {
		t.Errorf("v1: %v %+v", err, s)
	}
	if _, _, err := Assemble(mbox, "thread", 3); err == nil {
		t.Error("v3 assembled from a thread without it")
	}
	if _, _, err := Assemble([]byte("From x\nSubject: hello\n\nno patch\n"), "t", 0); err == nil {
		t.Error("a thread without patches assembled")
	}
}

func FuzzMessageID(f *testing.F) {
	f.Add("<20230117212731.442859-1-toke@redhat.com>")
	f.Add("https://lore.kernel.org/bpf/a@b/T/#u")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := MessageID(s)
		if ok && (id == "" || strings.ContainsAny(id, "<>/ \t\n")) {
			t.Fatalf("%q gave %q", s, id)
		}
	})
}
