// SPDX-License-Identifier: GPL-2.0-only

package lore

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRef(t *testing.T) {
	const id = "20230117212731.442859-1-toke@redhat.com"
	tests := []struct {
		arg   string
		want  Ref
		valid bool
	}{
		{id, Ref{ID: id}, true},
		{"<" + id + ">", Ref{ID: id}, true},
		{" <" + id + "> ", Ref{ID: id}, true},
		{"https://lore.kernel.org/bpf/" + id + "/", Ref{ID: id, Inbox: "https://lore.kernel.org/bpf"}, true},
		{"https://lore.kernel.org/all/" + id + "/T/#u", Ref{ID: id, Inbox: "https://lore.kernel.org/all"}, true},
		{"https://lore.kernel.org/r/" + id, Ref{ID: id}, true},
		{"https://patch.msgid.link/" + id, Ref{ID: id}, true},
		{"http://127.0.0.1:8080/bpf/" + id + "/t.mbox.gz", Ref{ID: id, Inbox: "http://127.0.0.1:8080/bpf"}, true},
		{"https://inbox.example.org/" + id + "/", Ref{ID: id, Inbox: "https://inbox.example.org"}, true},
		{"https://lore.kernel.org/bpf/%3C" + id + "%3E/", Ref{ID: id, Inbox: "https://lore.kernel.org/bpf"}, true},
		{"https://user:pw@lore.kernel.org/bpf/" + id + "/", Ref{}, false},
		{"0001-bpf-thing.patch", Ref{}, false},
		{"dir/with@at/file", Ref{}, false},
		{"..@..", Ref{ID: "..@.."}, true},
		{"<..>", Ref{}, false},
		{"a@b/../../etc", Ref{}, false},
		{"a b@c", Ref{}, false},
		{"", Ref{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseRef(tt.arg)
		if got != tt.want || ok != tt.valid {
			t.Errorf("%q: %+v %v, want %+v %v", tt.arg, got, ok, tt.want, tt.valid)
		}
	}
}

func TestValidMessageID(t *testing.T) {
	for _, id := range []string{"a@b", "20230117212731.442859-1-toke@redhat.com", "x+y=z@[127.0.0.1]"} {
		if err := ValidMessageID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "..", ".", "a", "@b", "a@", "<a@b>", "a/b@c", "a@b/..", `a\b@c`, "a b@c", "a@b\n", "a\x00@b", "\"a\"@b", strings.Repeat("a", 600) + "@b"} {
		if err := ValidMessageID(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

func assemble(t *testing.T, mbox []byte, anchor string, version int) (*Thread, error) {
	t.Helper()
	return Assemble(bytes.NewReader(mbox), "thread", anchor, version)
}

func fixture(t *testing.T) []byte {
	t.Helper()
	mbox, err := os.ReadFile("../../testdata/examples/thread-v1-v2.mbox")
	if err != nil {
		t.Fatal(err)
	}
	return mbox
}

// TestAssemble: a thread with v1, a review and v2 gives v2 in order, and
// v1 when asked for.
func TestAssemble(t *testing.T) {
	mbox := fixture(t)
	th, err := assemble(t, mbox, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s := th.Series
	if s.Version != 2 || len(th.Versions) != 2 || s.Cover == nil || len(s.Patches) != 2 || th.Author != "jane@example.org" ||
		!strings.Contains(s.Patches[0].Subject.Raw, "v2 1/2") || !strings.Contains(s.Patches[1].Subject.Raw, "v2 2/2") {
		t.Errorf("newest: v%d %v cover %v patches %d", s.Version, th.Versions, s.Cover != nil, len(s.Patches))
	}
	th, err = assemble(t, mbox, "", 1)
	if err != nil || th.Series.Version != 1 || len(th.Series.Patches) != 2 {
		t.Errorf("v1: %v %+v", err, th)
	}
	if _, err := assemble(t, mbox, "", 3); err == nil {
		t.Error("v3 assembled from a thread without it")
	}
	if _, err := assemble(t, []byte("From x\nSubject: hello\n\nno patch\n"), "", 0); !errors.Is(err, ErrNoSeries) {
		t.Errorf("a thread without patches: %v", err)
	}
}

// foreignPatch is a "[PATCH v9]" that someone other than the series'
// author posts into the thread, in reply to its cover letter.
func foreignPatch(t *testing.T, mbox []byte, from, id string) []byte {
	t.Helper()
	// The body of v2 2/2, sent by someone else as v9.
	i := bytes.Index(mbox, []byte("Subject: [PATCH bpf-next v2 2/2]"))
	if i < 0 {
		t.Fatal("fixture changed")
	}
	body := mbox[i:]
	body = bytes.Replace(body, []byte("[PATCH bpf-next v2 2/2]"), []byte("[PATCH bpf-next v9 1/1]"), 1)
	return []byte(fmt.Sprintf("From mallory Mon Mar  9 11:00:00 2026\nFrom: Mallory <%s>\nMessage-ID: <%s>\nIn-Reply-To: <reply-1@example.org>\n%s", from, id, body))
}

// TestAssembleAuthorOnly: a "[PATCH v9]" posted into the thread by a third
// party is not the series' newest version, whichever message of the
// series is asked for; it is named as left out. Asked for by its own
// Message-ID, it is the series asked for.
func TestAssembleAuthorOnly(t *testing.T) {
	mbox := fixture(t)
	thread := append(append([]byte(nil), mbox...), foreignPatch(t, mbox, "mallory@evil.example", "v9@evil.example")...)
	for _, anchor := range []string{"", "reply-1@example.org", "nosuch@example.org"} {
		th, err := assemble(t, thread, anchor, 0)
		if err != nil {
			t.Fatalf("anchor %q: %v", anchor, err)
		}
		if th.Series.Version != 2 || th.Author != "jane@example.org" || len(th.Versions) != 2 ||
			len(th.Others) != 1 || !strings.Contains(th.Others[0], "v9 (1 message(s)) from mallory@evil.example") {
			t.Errorf("anchor %q: v%d by %s, versions %v, others %v", anchor, th.Series.Version, th.Author, th.Versions, th.Others)
		}
	}
	th, err := assemble(t, thread, "", 9)
	if err == nil || !strings.Contains(err.Error(), "no v9 by the series' author") {
		t.Errorf("v9 asked for: %v %+v", err, th)
	}
	th, err = assemble(t, thread, "v9@evil.example", 0)
	if err != nil || th.Series.Version != 9 || th.Author != "mallory@evil.example" {
		t.Errorf("mallory's own message asked for: %v %+v", err, th)
	}
}

// TestAssembleStreams: a thread of 100,000 review replies and a series is
// read in bounded memory and time, without being held whole.
func TestAssembleStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const replies = 100000
	mbox := fixture(t)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(mbox)
		var b bytes.Buffer
		for i := 0; i < replies; i++ {
			b.Reset()
			fmt.Fprintf(&b, "From r%d Mon Mar  9 11:00:00 2026\nFrom: R <r%d@example.org>\nMessage-ID: <r%d@example.org>\nIn-Reply-To: <reply-1@example.org>\nSubject: Re: [PATCH bpf-next v2 1/2] bpf: Deprecate\n\n%s\n",
				i, i, i, strings.Repeat("> quoted review text of some length\n", 20))
			pw.Write(b.Bytes())
		}
		pw.Close()
	}()
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	start := time.Now()
	th, err := Assemble(pr, "thread", "", 0)
	close(stop)
	if err != nil || th.Series.Version != 2 {
		t.Fatalf("%v %+v", err, th)
	}
	// The thread is about 80 MB; held whole, with its ids, it took 1.29
	// GB for a 100,000-message one.
	if p := peak.Load(); p > 96<<20 {
		t.Errorf("peak heap %d MiB for a streamed thread", p>>20)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("100,000 replies: %v, peak heap %d MiB", time.Since(start).Round(time.Millisecond), peak.Load()>>20)
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// TestFetch serves threads on loopback: fetched and assembled with
// progress; a redirect to another host refused; one on the same host
// followed; a thread larger than the bound refused, not cut; a slow
// server given up after the timeout, saying which flag sets it.
func TestFetch(t *testing.T) {
	mbox := fixture(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(gz(mbox))
	}))
	defer other.Close()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/away/"):
			http.Redirect(w, r, other.URL+"/all/"+strings.TrimPrefix(r.URL.Path, "/away/"), http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			http.Redirect(w, r, "/all/"+strings.TrimPrefix(r.URL.Path, "/moved/"), http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/huge/"):
			w.Write(gz(make([]byte, 3<<20)))
		case strings.HasPrefix(r.URL.Path, "/slow/"):
			time.Sleep(2 * time.Second)
		case r.URL.Path == "/all/a@b/t.mbox.gz":
			w.Write(gz(mbox))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	var calls, done int
	f := &Fetcher{Progress: func(read, total int64, last bool) {
		calls++
		if last {
			done++
		}
	}}
	th, err := Fetch(ctx, f, srv.URL+"/all", "a@b", 0)
	if err != nil || th.Series.Version != 2 || calls < 2 || done != 1 {
		t.Fatalf("fetch: %v, progress calls %d, done %d", err, calls, done)
	}
	if _, err := Fetch(ctx, nil, srv.URL+"/away", "a@b", 0); !errors.Is(err, ErrRedirect) {
		t.Errorf("redirect to another host: %v", err)
	}
	if th, err := Fetch(ctx, nil, srv.URL+"/moved", "a@b", 0); err != nil || th.Series == nil {
		t.Errorf("redirect on the same host: %v", err)
	}
	maxThread = 1 << 20
	_, err = Fetch(ctx, nil, srv.URL+"/huge", "a@b", 0)
	maxThread = MaxThread
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("a thread beyond the bound: %v", err)
	}
	_, err = Fetch(ctx, &Fetcher{Timeout: 200 * time.Millisecond}, srv.URL+"/slow", "a@b", 0)
	if err == nil || !strings.Contains(err.Error(), "--lore-timeout") {
		t.Errorf("slow server: %v", err)
	}
	before := hits.Load()
	if _, err := Fetch(ctx, nil, srv.URL+"/all", "..", 0); err == nil || hits.Load() != before {
		t.Errorf("an invalid Message-ID reached the server: %v", err)
	}
}

func FuzzMessageID(f *testing.F) {
	f.Add("<20230117212731.442859-1-toke@redhat.com>")
	f.Add("https://lore.kernel.org/bpf/a@b/T/#u")
	f.Add("https://h/x/%2e%2e@a/")
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseRef(s)
		if ok && (ValidMessageID(r.ID) != nil || strings.ContainsAny(r.ID, "<>/ \t\n")) {
			t.Fatalf("%q gave %+v", s, r)
		}
		if ok && r.Inbox != "" && !strings.HasPrefix(r.Inbox, "http") {
			t.Fatalf("%q gave inbox %q", s, r.Inbox)
		}
	})
}
