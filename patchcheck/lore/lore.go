// SPDX-License-Identifier: GPL-2.0-only

// Package lore fetches a patch thread from a public-inbox server
// (lore.kernel.org) by the Message-ID of any of its messages and assembles
// the series in it as b4 am does: one version (the newest unless asked),
// its parts in order, one message per part, the cover letter apart, the
// review replies left out.
package lore

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// DefaultURL is the public-inbox that holds every kernel list.
const DefaultURL = "https://lore.kernel.org/all"

// MaxThread bounds a thread's size once decompressed.
const MaxThread = 256 << 20

var (
	msgidRE = regexp.MustCompile(`^<?([^<>\s/@]+@[^<>\s/@]+)>?$`)
	// A lore (or patch.msgid.link) URL: .../[inbox/]<msgid>[/...].
	urlRE = regexp.MustCompile(`^https?://[^/]+/(?:(?:r|all|[a-z0-9._-]+)/)?([^/\s]+@[^/\s]+)(?:/.*)?$`)
)

// MessageID returns the Message-ID a command-line argument names: a bare
// id, one in angle brackets, or a lore or patch.msgid.link URL.
func MessageID(arg string) (string, bool) {
	if m := msgidRE.FindStringSubmatch(strings.TrimSpace(arg)); m != nil {
		return m[1], true
	}
	if m := urlRE.FindStringSubmatch(strings.TrimSpace(arg)); m != nil {
		id, err := url.PathUnescape(m[1])
		if err == nil && msgidRE.MatchString(id) {
			return strings.Trim(id, "<>"), true
		}
	}
	return "", false
}

// Fetch downloads the thread of msgid from the public-inbox at base
// ("https://lore.kernel.org/all") as an mbox.
func Fetch(ctx context.Context, client *http.Client, base, msgid string) ([]byte, error) {
	u := strings.TrimRight(base, "/") + "/" + url.PathEscape(msgid) + "/t.mbox.gz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "kfunccheck")
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: %s", u, resp.Status)
	}
	zr, err := gzip.NewReader(io.LimitReader(resp.Body, MaxThread))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxThread+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if len(data) > MaxThread {
		return nil, fmt.Errorf("%s: thread larger than %d bytes", u, MaxThread)
	}
	return data, nil
}

// ErrNoSeries is returned for a thread without patches.
var ErrNoSeries = errors.New("no patch in the thread")

// Assemble picks a series out of a thread mbox: version (0 for the
// newest), its parts by number, the first message of each part, and its
// cover letter. It also returns every version the thread holds.
func Assemble(mbox []byte, source string, version int) (*model.Series, []int, error) {
	sp := mail.NewSplitter(bytes.NewReader(mbox), 0)
	byVersion := map[int][]*model.Patch{}
	for n := 1; ; n++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", source, err)
		}
		p := mail.Parse(raw, source, n)
		sub := p.Subject
		if sub.Reply || !p.HasDiff() && !sub.IsCover() {
			continue // reviews and other mail of the thread
		}
		byVersion[sub.Version] = append(byVersion[sub.Version], p)
	}
	var versions []int
	for v := range byVersion {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	if len(versions) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", source, ErrNoSeries)
	}
	if version == 0 {
		version = versions[len(versions)-1]
	}
	parts, ok := byVersion[version]
	if !ok {
		return nil, versions, fmt.Errorf("%s: no v%d in the thread (it has %v)", source, version, versions)
	}
	s := &model.Series{Source: source, Version: version}
	seen := map[int]bool{}
	for _, p := range parts {
		num := p.Subject.Number
		if seen[num] {
			continue // a resend of the same part: the first one counts
		}
		seen[num] = true
		if id := p.Header.MessageID; id != "" {
			// Each part is known by its own Message-ID.
			p.Source, p.Index = "<"+id+">", 1
		}
		if p.Subject.IsCover() && !p.HasDiff() {
			s.Cover = p
			continue
		}
		s.Patches = append(s.Patches, p)
	}
	slices.SortStableFunc(s.Patches, func(a, b *model.Patch) int { return a.Subject.Number - b.Subject.Number })
	if len(s.Patches) == 0 {
		return nil, versions, fmt.Errorf("%s: v%d has a cover letter but no patch", source, version)
	}
	return s, versions, nil
}
