// SPDX-License-Identifier: GPL-2.0-only

// Package lore fetches a patch thread from a public-inbox server
// (lore.kernel.org) by the Message-ID of any of its messages and assembles
// the series in it as b4 am does: one version (the newest unless asked),
// its parts in order, one message per part, the cover letter apart, the
// review replies left out. Only the series' own author's postings are
// versions of it, as b4 looks for a series' revisions by its author: a
// "[PATCH v9]" that someone else posts into the thread is left out.
//
// Everything read is hostile until bounded: Message-IDs are validated
// before they reach a URL, a redirect to another host is refused, and the
// thread is streamed, never held whole, under a size bound.
package lore

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	netmail "net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
)

// DefaultURL is the public-inbox that holds every kernel list.
const DefaultURL = "https://lore.kernel.org/all"

// DefaultTimeout bounds one fetch, unless the caller gives another.
const DefaultTimeout = 2 * time.Minute

// MaxThread bounds a thread's size, compressed and decompressed.
const MaxThread = 256 << 20

// maxThread is MaxThread; tests lower it.
var maxThread int64 = MaxThread

// MaxPatches bounds the patch messages kept while a thread is read: a
// series has tens of parts, a thread a few versions of it.
const MaxPatches = 2000

// maxIDs bounds the Message-IDs remembered to find the message asked for.
const maxIDs = 200000

// maxIDLen bounds a Message-ID: RFC 5322 lines are at most 998 characters.
const maxIDLen = 512

// ValidMessageID checks a Message-ID (without angle brackets) before it
// is put in a URL: "left@right", printable ASCII without spaces, angle
// brackets, quotes, backslashes or slashes, neither side empty. A
// References header is hostile: "<..>" must not become a
// path that climbs out of the inbox.
func ValidMessageID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("Message-ID %q: empty or longer than %d bytes", oneline.String(trim(id, 80)), maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`<>"\/`, c) >= 0 {
			return fmt.Errorf("Message-ID %q: %q is not allowed in a Message-ID", oneline.String(trim(id, 80)), oneline.String(string(c)))
		}
	}
	// With '/' refused and '@' in it, an id is never a dot-segment.
	if left, right, ok := strings.Cut(id, "@"); !ok || left == "" || right == "" {
		return fmt.Errorf("Message-ID %q is not left@right", oneline.String(trim(id, 80)))
	}
	return nil
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Ref is a thread named on the command line: a Message-ID, and the
// public-inbox to fetch it from when the argument was that inbox's URL
// ("" for the caller's default).
type Ref struct {
	ID    string
	Inbox string
}

// ParseRef reads a command-line argument that names a thread: a bare
// Message-ID, one in angle brackets (as headers and kfunccheck print it),
// or a URL of a message on a public-inbox ("https://HOST/INBOX/ID/...",
// "https://HOST/ID/"), which is fetched from that host and inbox.
// lore.kernel.org/r/ and patch.msgid.link redirect to the list that has
// the message: Inbox is then the caller's default, as a redirect to
// another host is never followed.
func ParseRef(arg string) (Ref, bool) {
	arg = strings.TrimSpace(arg)
	if !strings.HasPrefix(arg, "http://") && !strings.HasPrefix(arg, "https://") {
		id := arg
		if strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") {
			id = id[1 : len(id)-1]
		}
		if ValidMessageID(id) != nil {
			return Ref{}, false
		}
		return Ref{ID: id}, true
	}
	u, err := url.Parse(arg)
	if err != nil || u.Host == "" || u.User != nil {
		return Ref{}, false
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i, s := range segs {
		id, err := url.PathUnescape(s)
		if err != nil || !strings.Contains(id, "@") {
			continue
		}
		id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		if ValidMessageID(id) != nil {
			return Ref{}, false
		}
		ref := Ref{ID: id}
		switch {
		case u.Host == "patch.msgid.link", i == 1 && segs[0] == "r":
			// Redirectors to the list's own inbox: the default inbox.
		case i == 0:
			ref.Inbox = u.Scheme + "://" + u.Host
		default:
			ref.Inbox = u.Scheme + "://" + u.Host + "/" + strings.Join(segs[:i], "/")
		}
		return ref, true
	}
	return Ref{}, false
}

// MessageID returns the Message-ID a command-line argument names (see
// ParseRef).
func MessageID(arg string) (string, bool) {
	r, ok := ParseRef(arg)
	return r.ID, ok
}

// Fetcher downloads threads.
type Fetcher struct {
	// Client is the HTTP client; nil for one with Timeout. Its redirects
	// are held to the host asked.
	Client *http.Client
	// Timeout bounds the whole fetch, body included (DefaultTimeout
	// when 0).
	Timeout time.Duration
	// Progress, when set, is told how many bytes of the compressed
	// thread have arrived, and the total when the server says it (-1
	// otherwise); done is true once, at the end.
	Progress func(read, total int64, done bool)
}

// ErrRedirect is wrapped when a server redirects to another host.
var ErrRedirect = errors.New("redirect to another host refused")

// sameHost refuses redirects that leave the scheme and host asked for: a
// thread is fetched from the public-inbox the user named, never from
// wherever a server sends the request.
func sameHost(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%s -> %s: %w", first.Redacted(), req.URL.Redacted(), ErrRedirect)
	}
	if len(via) >= 5 {
		return fmt.Errorf("%s: more than 5 redirects", first.Redacted())
	}
	return nil
}

// Open starts downloading the thread of msgid from the public-inbox at
// base ("https://lore.kernel.org/all") and returns the mbox as a stream,
// decompressed and bounded by MaxThread; the caller closes it. The
// context and Timeout bound the whole download.
func (f *Fetcher) Open(ctx context.Context, base, msgid string) (io.ReadCloser, error) {
	if err := ValidMessageID(msgid); err != nil {
		return nil, err
	}
	u := strings.TrimRight(base, "/") + "/" + url.PathEscape(msgid) + "/t.mbox.gz"
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("User-Agent", "kfunccheck")
	client := &http.Client{CheckRedirect: sameHost}
	if f.Client != nil {
		c := *f.Client
		c.CheckRedirect = sameHost
		client = &c
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("fetching %s: no answer within %v (--lore-timeout)", u, timeout)
		}
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("fetching %s: %s", u, resp.Status)
	}
	body := &counting{r: &capped{r: resp.Body, left: maxThread, what: u + " (compressed)"}, total: resp.ContentLength, progress: f.Progress}
	zr, err := gzip.NewReader(body)
	if err != nil {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%s: %w", u, wrapTimeout(err, timeout))
	}
	return &stream{r: &capped{r: zr, left: maxThread, what: u}, body: resp.Body, counting: body, cancel: cancel, timeout: timeout}, nil
}

func wrapTimeout(err error, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("not fetched within %v (--lore-timeout)", timeout)
	}
	return err
}

// stream is a thread being downloaded.
type stream struct {
	r        io.Reader
	body     io.Closer
	counting *counting
	cancel   context.CancelFunc
	timeout  time.Duration
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = wrapTimeout(err, s.timeout)
	}
	return n, err
}

func (s *stream) Close() error {
	s.counting.finish()
	s.cancel()
	return s.body.Close()
}

// ErrTooLarge is wrapped when a thread is larger than MaxThread.
var ErrTooLarge = errors.New("thread too large")

// capped fails, rather than cuts, a stream longer than its bound: a thread
// read in part would be judged in part.
type capped struct {
	r    io.Reader
	left int64
	what string
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s: larger than %d bytes: %w", c.what, maxThread, ErrTooLarge)
		}
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fmt.Errorf("%s: larger than %d bytes: %w", c.what, maxThread, ErrTooLarge)
	}
	return n, err
}

// counting tells Progress how far the download is.
type counting struct {
	r        io.Reader
	read     int64
	total    int64
	progress func(read, total int64, done bool)
	done     bool
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.read, c.total, false)
	}
	return n, err
}

func (c *counting) finish() {
	if c.progress != nil && !c.done {
		c.done = true
		c.progress(c.read, c.total, true)
	}
}

// Fetch downloads the thread of msgid from the public-inbox at base with
// a default Fetcher and assembles it (see Assemble).
func Fetch(ctx context.Context, f *Fetcher, base, msgid string, version int) (*Thread, error) {
	if f == nil {
		f = &Fetcher{}
	}
	r, err := f.Open(ctx, base, msgid)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Assemble(r, "<"+msgid+">", msgid, version)
}

// ErrNoSeries is returned for a thread without patches.
var ErrNoSeries = errors.New("no patch in the thread")

// Thread is a series assembled from a thread.
type Thread struct {
	Series *model.Series
	// Versions are the versions of the series its author posted.
	Versions []int
	// Author is the series author's address, "" when the thread does
	// not say.
	Author string
	// Others says what was left out because someone else posted it:
	// "v9 (2 messages) from x@example.org".
	Others []string
}

// key is one part of one version of a series by one author.
type key struct {
	author          string
	version, number int
}

// seen is what is remembered of a message to find the author of the
// series a Message-ID belongs to.
type seen struct {
	inReplyTo, author string
	patch             bool
}

// Assemble streams a thread mbox and picks a series out of it: the
// series of the message anchor (a Message-ID of any of its messages; ""
// for the thread's first patch), by that series' author only; version
// (0 for the newest), its parts by number, the first message of each
// part, and its cover letter.
func Assemble(r io.Reader, source, anchor string, version int) (*Thread, error) {
	sp := mail.NewSplitter(r, 0)
	kept := map[key]*model.Patch{}
	var order []key
	ids := map[string]seen{}
	author, firstAuthor := "", ""
	for n := 1; ; n++ {
		raw, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		// Replies are told from their header alone, without reading
		// their bodies.
		hdr, herr := mail.ReadHeader(raw.Data)
		if herr != nil {
			continue
		}
		sub := mail.ParseSubject(mail.DecodeHeader(hdr.Get("Subject")))
		from := addressOf(mail.DecodeHeader(hdr.Get("From")))
		id := strings.Trim(strings.TrimSpace(hdr.Get("Message-Id")), "<>")
		irt := strings.Trim(strings.TrimSpace(hdr.Get("In-Reply-To")), "<>")
		var p *model.Patch
		if !sub.Reply {
			p = mail.Parse(raw, source, n)
			if !p.HasDiff() && !p.Subject.IsCover() {
				p = nil
			}
		}
		// Until the message asked for is met, each message's parent and
		// sender are remembered (a bounded number of them), to follow
		// it up to the patch or cover letter it belongs to.
		if ids != nil && id != "" && len(ids) < maxIDs {
			ids[id] = seen{inReplyTo: irt, author: from, patch: p != nil}
		}
		if ids != nil && id != "" && id == anchor {
			author = authorOf(ids, id)
			ids = nil
		}
		if p == nil {
			continue
		}
		if firstAuthor == "" {
			firstAuthor = from
		}
		if author != "" && from != author {
			// The author is known: another sender's patch is noted, not kept.
			k := key{from, p.Subject.Version, p.Subject.Number}
			if _, ok := kept[k]; !ok {
				kept[k] = nil
				order = append(order, k)
			}
			continue
		}
		k := key{from, p.Subject.Version, p.Subject.Number}
		if _, ok := kept[k]; ok {
			continue // a resend of the same part: the first one counts
		}
		if len(kept) >= MaxPatches {
			return nil, fmt.Errorf("%s: more than %d patch messages in the thread", source, MaxPatches)
		}
		if id := p.Header.MessageID; id != "" {
			// Each part is known by its own Message-ID.
			p.Source, p.Index = "<"+id+">", 1
		}
		kept[k] = p
		order = append(order, k)
	}
	if author == "" {
		// The message asked for is not in the thread, or answers no
		// patch: the series is the thread's first.
		author = firstAuthor
	}
	t := &Thread{Author: author}
	others := map[string]map[int]int{}
	var otherOrder []string
	for _, k := range order {
		if k.author == author {
			if !slices.Contains(t.Versions, k.version) {
				t.Versions = append(t.Versions, k.version)
			}
			continue
		}
		if others[k.author] == nil {
			others[k.author] = map[int]int{}
			otherOrder = append(otherOrder, k.author)
		}
		others[k.author][k.version]++
	}
	for _, a := range otherOrder {
		var vs []int
		for v := range others[a] {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		for _, v := range vs {
			t.Others = append(t.Others, fmt.Sprintf("v%d (%d message(s)) from %s", v, others[a][v], oneline.String(cmpOr(a, "an unnamed sender"))))
		}
	}
	slices.Sort(t.Versions)
	if len(t.Versions) == 0 {
		return t, fmt.Errorf("%s: %w", source, ErrNoSeries)
	}
	if version == 0 {
		version = t.Versions[len(t.Versions)-1]
	}
	if !slices.Contains(t.Versions, version) {
		return t, fmt.Errorf("%s: no v%d by the series' author in the thread (it has %v)", source, version, t.Versions)
	}
	s := &model.Series{Source: source, Version: version}
	for _, k := range order {
		p := kept[k]
		if k.author != author || k.version != version || p == nil {
			continue
		}
		if p.Subject.IsCover() && !p.HasDiff() {
			if s.Cover == nil {
				s.Cover = p
			}
			continue
		}
		s.Patches = append(s.Patches, p)
	}
	slices.SortStableFunc(s.Patches, func(a, b *model.Patch) int { return a.Subject.Number - b.Subject.Number })
	if len(s.Patches) == 0 {
		return t, fmt.Errorf("%s: v%d has a cover letter but no patch", source, version)
	}
	t.Series = s
	return t, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// authorOf follows In-Reply-To from the message id up to the first patch
// or cover letter, whose sender is the series' author; "" when there is
// none among the messages seen.
func authorOf(ids map[string]seen, id string) string {
	for hops := 0; hops < len(ids)+1; hops++ {
		m, ok := ids[id]
		if !ok {
			return ""
		}
		if m.patch {
			return m.author
		}
		id = m.inReplyTo
	}
	return ""
}

// addressOf returns the lower-cased address of a From header, "" when it
// has none.
func addressOf(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		return strings.ToLower(a.Address)
	}
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		if j := strings.IndexByte(from[i:], '>'); j > 0 {
			return strings.ToLower(strings.TrimSpace(from[i+1 : i+j]))
		}
	}
	return strings.ToLower(strings.TrimSpace(from))
}
