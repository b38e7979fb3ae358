// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgress(&b, "checking commits")
	p.start, p.now = clock, func() time.Time { return clock }
	p.update(1, 1000) // too early to bother
	if b.Len() != 0 {
		t.Fatalf("progress shown at once: %q", b.String())
	}
	clock = clock.Add(2 * time.Second)
	p.update(450, 1000)
	p.update(451, 1000) // within the update interval
	clock = clock.Add(time.Second)
	p.update(1000, 1000)
	want := "\rkfunccheck: checking commits:  45% (450/1000)\rkfunccheck: checking commits: 100% (1000/1000), done.\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	// A short run shows nothing at all.
	b.Reset()
	q := newProgress(&b, "x")
	q.update(3, 3)
	if b.Len() != 0 {
		t.Errorf("a short run shows %q", b.String())
	}
}
