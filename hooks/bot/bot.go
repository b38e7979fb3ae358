// SPDX-License-Identifier: GPL-2.0-only

// Package bot is kfunccheck's mailing-list bot: it follows a list archive
// (public-inbox v2, read with go-git; or an mbox or Maildir), groups the
// posted patches into series, checks each series version once when it is
// complete (or after a grace time), and answers the author on the list
// when the stable-kfunc process is not followed, the way the kernel test
// robot answers build failures. Its state lives in one SQLite file.
//
// The steps read as the guarantees they keep. Reading (run.go) never
// stops on one message: an unreadable one is skipped and recorded.
// Recording (Store.Batch: remember, skip, open a series, add to it) moves
// the cursor with the messages. Judging (Judge) takes the series that are
// ready (complete, or past their grace time counted from the mails'
// dates), records a failure with backoff instead of stopping, and closes
// each series with its verdict and reply in one transaction, dropping its
// raw mail. Replying (compose, reply.go) uses only cleaned values of the
// answered mail (headers.go) and withholds, with a logged reason, what
// must not be sent. Delivering (Drain, deliver.go) claims, sends and
// finishes each reply, with per-recipient refusals and a bounded retry.
package bot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Header is the header the bot sets on its replies; a mail carrying it is
// never checked nor answered (the loop guard, with the bot's own From).
const Header = "X-Kfunccheck-Bot"

// Config is everything a bot run needs.
type Config struct {
	// Check holds the policy, stable lists and baseline (--repo).
	Check patchcheck.Options
	// ListCheck holds the check options of the lists that have their
	// own policy or stable lists, by List.ID; the others use Check.
	// Lists that share options share the pointer: a series is judged
	// once per distinct pointer among its lists (see judgeAll).
	ListCheck map[string]*patchcheck.Options
	// ReplyLevel is the lowest severity that earns a reply (error).
	ReplyLevel model.Severity
	// Grace is how long an incomplete series waits for its missing
	// patches before it is checked with what arrived.
	Grace time.Duration
	// From is the bot's address, as a mail From: header.
	From string
	// Operator says how to reach whoever runs the bot (footer).
	Operator string
	// CcAllow, when not empty, limits every recipient of a reply but the
	// list (the sender, the Cc's copied from the original, an in-body
	// author) to these addresses; CcDeny removes addresses.
	CcAllow, CcDeny []string
	// MaxRecipients caps a reply's envelope recipients
	// (DefaultMaxRecipients when 0).
	MaxRecipients int
	// StableLabels names stable lists in replies, by path; a list not
	// named here is called by its base name. A reply never shows the
	// operator's file paths.
	StableLabels map[string]string
	// PerHour and PerDay cap replies (0: no cap).
	PerHour, PerDay int
	// Send delivers through SMTP; otherwise replies only go to Outbox.
	Send bool
	SMTP SMTPConfig
	// ResendAfter is how long a reply whose delivery was cut off (a
	// killed bot, a connection lost after the message was handed over)
	// waits to show up in the list archive before it is sent again.
	// SMTP cannot say whether such a reply arrived; the archive can.
	ResendAfter time.Duration
	// Outbox is a Maildir that receives every reply (for review).
	Outbox string
	// Patchwork, when set, receives one check per patch.
	Patchwork *Patchwork
	// Now is the clock (tests set it).
	Now func() time.Time
	Log io.Writer
	// ListAddresses are the addresses of the lists the bot follows
	// (besides each policy's list): a reply goes to every one of them the
	// series was sent to, whatever --cc-allow, --cc-deny and the
	// recipient cap say.
	ListAddresses []string
	// Progress, when set, hears after each batch how far a list's read
	// has come (messages read this pass, the archive time reached), and
	// once with done at the end of each pass: the CLI draws it on a
	// terminal.
	Progress func(list string, messages int, at time.Time, done bool)
}

// DefaultResendAfter is Config.ResendAfter when it is not set: lore shows
// a list mail within minutes.
const DefaultResendAfter = 30 * time.Minute

// Bot runs passes over an archive.
type Bot struct {
	cfg   Config
	store *Store
	addr  string // the bot's own address, lower case
	// check is the engine (patchcheck.CheckSeries; tests make it fail).
	check func(*model.Series, patchcheck.Options) []*patchcheck.Result
	// recent keeps the patches parsed at ingest for the judging that
	// usually follows within a few batches, so that most mail is parsed
	// once; bounded (recentMax), only the reading goroutine touches it.
	recent      map[string]*model.Patch
	recentOrder []string
	// logMu orders the log lines of the lists' readers.
	logMu sync.Mutex
}

// recentMax bounds the parsed patches kept between ingest and judging.
const recentMax = 512

// remember keeps a parsed patch for its judging.
func (b *Bot) remember(msgID string, number int, p *model.Patch) {
	if b.recent == nil {
		b.recent = map[string]*model.Patch{}
	}
	if len(b.recentOrder) >= recentMax {
		delete(b.recent, b.recentOrder[0])
		b.recentOrder = b.recentOrder[1:]
	}
	// As judge would parse it: named by its Message-ID and part number.
	p.Source, p.Index = msgID, number
	for _, e := range p.Errors {
		if me, ok := e.(*mail.Error); ok {
			me.Source = msgID
		}
	}
	b.recent[msgID] = p
	b.recentOrder = append(b.recentOrder, msgID)
}

// parsedOf returns a message's patch, parsed at ingest when still kept
// (once: the engine may change what it is given), or parsed now.
func (b *Bot) parsedOf(m StoredMessage) *model.Patch {
	if p, ok := b.recent[m.ID]; ok {
		delete(b.recent, m.ID)
		return p
	}
	return mail.Parse(mail.NewRaw(m.Raw), m.ID, m.Number)
}

// New returns a bot over an open store.
func New(cfg Config, store *Store) (*Bot, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Grace == 0 {
		cfg.Grace = 6 * time.Hour
	}
	if cfg.ResendAfter == 0 {
		cfg.ResendAfter = DefaultResendAfter
	}
	a, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("bot address %q: %w", cfg.From, err)
	}
	if cleanAddress(a.Address) == "" {
		return nil, fmt.Errorf("bot address %q: not an address the bot can send from", cfg.From)
	}
	cfg.From = formatAddress(a)
	for i := range cfg.CcAllow {
		cfg.CcAllow[i] = strings.ToLower(cfg.CcAllow[i])
	}
	for i := range cfg.CcDeny {
		cfg.CcDeny[i] = strings.ToLower(cfg.CcDeny[i])
	}
	cfg.Check.Baseline = relabel(cfg.Check.Baseline, cfg.StableLabels)
	// Copied, relabelled, with the sharing of pointers kept.
	copies := map[*patchcheck.Options]*patchcheck.Options{}
	lc := make(map[string]*patchcheck.Options, len(cfg.ListCheck))
	for id, o := range cfg.ListCheck {
		if copies[o] == nil {
			c := *o
			c.Baseline = relabel(c.Baseline, cfg.StableLabels)
			copies[o] = &c
		}
		lc[id] = copies[o]
	}
	cfg.ListCheck = lc
	return &Bot{cfg: cfg, store: store, addr: strings.ToLower(a.Address), check: patchcheck.CheckSeries}, nil
}

// relabel returns a baseline whose stable lists and repositories are
// named by a label instead of a local path: findings quote where a kfunc
// was declared stable, and replies go to a public list. The lists are
// copied; the caller's stay as they were.
func relabel(bl baseline.Baseline, labels map[string]string) baseline.Baseline {
	switch v := bl.(type) {
	case baseline.Multi:
		out := make(baseline.Multi, len(v))
		for i, b := range v {
			out[i] = relabel(b, labels)
		}
		return out
	case *baseline.StableList:
		c := *v
		if l := labels[v.Path]; l != "" {
			c.Label = l
		} else if c.Label == "" {
			c.Label = filepath.Base(v.Path)
		}
		// The copy is the bot's alone: its path, which Describe shows,
		// is the label too.
		c.Path = c.Label
		return &c
	case gitrepo.Baseline:
		v.Name = filepath.Base(v.Name)
		return v
	}
	return bl
}

func (b *Bot) logf(format string, args ...any) {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	fmt.Fprintf(b.cfg.Log, "kfunccheck bot: "+format+"\n", args...)
}

// role says what an archived message is to the bot.
type role int

const (
	roleOther role = iota // replies, reviews, mail without a patch
	roleBot               // the bot's own mail
	roleAuto              // auto-replies and bounces: never answered
	roleCover             // a series cover letter
	rolePatch             // a patch
)

func (b *Bot) classify(p *model.Patch, env *envelope) role {
	if env.Bot || env.From != nil && strings.EqualFold(env.From.Address, b.addr) {
		return roleBot
	}
	switch {
	case p.Subject.Reply:
		return roleOther
	case env.Auto != "":
		return roleAuto
	case p.HasDiff():
		return rolePatch
	case p.Subject.IsCover():
		return roleCover
	}
	return roleOther
}

// maxTotal is the largest patch count taken at its word: a series of a
// thousand patches is not posted to a list, and "[PATCH 1/100000000]"
// must not cost a loop over its count. A larger count makes the patch
// unnumbered.
const maxTotal = 999

// seriesKey is the thread root and the version: patches of a series reply
// to its cover letter (or to patch 1), and a v2 posted in v1's thread is
// still a series of its own.
func seriesKey(env *envelope, msgID string, version int) (key, root string) {
	root = msgID
	switch {
	case len(env.Refs) > 0:
		root = env.Refs[0]
	case env.InReplyTo != "":
		root = env.InReplyTo
	}
	return fmt.Sprintf("%s#v%d", root, version), root
}

// Ingest records one archived message, and moves the epoch's cursor past
// it, in one transaction.
func (b *Bot) Ingest(m Archived) error { return b.IngestBatch([]Archived{m}) }

// parsed is an archived message read outside the transaction.
type parsed struct {
	p   *model.Patch
	env envelope
}

// IngestBatch records messages in order in one transaction, the cursor
// moving with them: a bot killed mid-batch resumes before the batch.
func (b *Bot) IngestBatch(ms []Archived) error {
	for i := range ms {
		ms[i].parse()
	}
	return b.store.Batch(func(tx *Batch) error {
		for _, m := range ms {
			if err := b.ingest(tx, m, *m.parsed); err != nil {
				return err
			}
		}
		return nil
	})
}

// parse reads the message once, before the transaction (or in the reading
// goroutine). A parser failure becomes the message's error: the message
// is skipped, the bot goes on.
func (a *Archived) parse() {
	if a.parsed != nil {
		return
	}
	a.parsed = &parsed{}
	if a.Err != nil || a.Deleted || a.CursorOnly || a.RememberOnly != "" {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			a.Err = fmt.Errorf("internal error reading the message: %v", r)
		}
	}()
	env := readEnvelope(a.Data)
	if p := replyOnly(a.Data, &env); p != nil {
		*a.parsed = parsed{p, env}
		return
	}
	*a.parsed = parsed{mail.Parse(mail.NewRaw(a.Data), "archive", 1), env}
}

// replyOnly returns the patch of a plain-text reply ("Re: ..." with no
// in-body header lines, which could make it a patch) from its header
// alone: most of a list's traffic, which the bot only remembers, is not
// parsed further. It returns nil for anything else.
func replyOnly(raw []byte, env *envelope) *model.Patch {
	sub := mail.ParseSubject(env.Subject)
	if !sub.Reply || !env.Plain {
		return nil
	}
	body := raw[mail.HeaderEnd(raw):]
	for len(body) > 0 && (body[0] == '\n' || body[0] == '\r' || body[0] == ' ' || body[0] == '\t') {
		body = body[1:]
	}
	for _, h := range []string{"From:", "Subject:", "Date:"} {
		if bytes.HasPrefix(body, []byte(h)) {
			return nil
		}
	}
	p := &model.Patch{Source: "archive", Index: 1, Mail: true, Subject: sub}
	p.Header.Subject, p.Header.Date = env.Subject, env.Date
	if env.From != nil {
		p.Header.From = env.From.String()
	}
	return p
}

func (b *Bot) ingest(tx *Batch, m Archived, pm parsed) error {
	now := b.cfg.Now()
	if m.Cursor != nil {
		if err := tx.SetCursor(*m.Cursor); err != nil {
			return err
		}
	}
	if m.Deleted || m.CursorOnly {
		return nil
	}
	if m.RememberOnly != "" {
		return tx.RememberPast(m.List, m.RememberOnly)
	}
	if m.Err == nil && pm.p != nil && !pm.p.Mail {
		m.Err = fmt.Errorf("not a mail message")
		if len(pm.p.Errors) > 0 {
			m.Err = pm.p.Errors[0]
		}
	}
	if m.Err != nil {
		// One unreadable message must not stop the list: it is recorded
		// and passed.
		b.logf("warning: skipped epoch %d commit %s blob %s: %v", m.Epoch, m.ID, orNone(m.Blob), m.Err)
		return tx.Skip(m.Epoch, m.ID, m.Blob, m.Err.Error(), now)
	}
	p, env := pm.p, &pm.env
	msgID := env.MessageID
	switch {
	case msgID != "":
	case m.Epoch < 0:
		// An mbox message's place shifts when the file is rewritten, and
		// a Maildir file is renamed when it is read: only its content
		// names it the same on every pass, and as the first pass
		// remembered it.
		msgID = contentID(m.Data)
	default:
		// An archive commit names its message for good.
		msgID = "kfunccheck-nomsgid-" + m.ID
	}
	if series, seen, err := tx.SeenIn(msgID); err != nil || seen {
		if err == nil {
			// A repeat through another list: its series was sent there
			// too.
			err = tx.OnList(series, m.List)
		}
		return err
	}
	if env.MessageID == "" && m.Epoch < 0 {
		// Before content names, such a message was named by its place: a
		// state written then must not see it as new.
		if seen, err := tx.Seen("kfunccheck-nomsgid-" + m.ID); err != nil || seen {
			return err
		}
	}
	if m.List != "" && m.Epoch < 0 {
		// Only a file source (epoch -1) has a past.
		if past, err := tx.InPast(m.List, msgID); err != nil || past {
			return err
		}
	}
	arrived := now
	if !m.Time.IsZero() && m.Time.Before(now) {
		arrived = m.Time
	}
	dated := arrived
	if d, err := netmail.ParseDate(p.Header.Date); err == nil && d.Before(arrived) {
		dated = d
	}
	msg := Message{ID: msgID, Epoch: m.Epoch, Commit: m.ID, Dated: dated, Arrived: arrived, Raw: m.Data}
	r := b.classify(p, env)
	if r == roleAuto && p.HasDiff() {
		b.logf("%s is %s: not checked, never answered", msgID, env.Auto)
	}
	if r != roleCover && r != rolePatch {
		// Remembered (without content) so that the bot's own replies
		// prove delivery and repeats are ignored.
		return tx.Remember(msg, now)
	}
	total, number := p.Subject.Total, p.Subject.Number
	if total > maxTotal {
		total, number = 0, 0
	}
	key, root := seriesKey(env, msgID, p.Subject.Version)
	if r == rolePatch && total == 0 {
		// A lone patch is a series of one, rooted at itself.
		key, root, total, number = fmt.Sprintf("%s#v%d", msgID, p.Subject.Version), msgID, 1, 1
	}
	state, err := tx.OpenSeries(SeriesHead{Key: key, Subject: cleanText(p.Subject.Raw, maxSubject), Author: cleanText(p.Header.From, 200),
		Version: p.Subject.Version, Total: total, Root: root, Started: dated}, now)
	if err != nil {
		return err
	}
	if err := tx.OnList(key, m.List); err != nil {
		return err
	}
	if state != "open" {
		b.logf("%s arrived after its series was judged; ignored", msgID)
		return tx.Remember(msg, now)
	}
	msg.Series, msg.Number = key, number
	// The reply goes to the cover letter, or to patch 1 when it starts
	// the thread.
	isRoot := r == roleCover && number == 0 || number == 1 && root == msgID
	if err := tx.AddToSeries(msg, cleanText(p.Subject.Raw, maxSubject), isRoot, now); err != nil {
		return err
	}
	b.remember(msgID, number, p)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Archived is one message as a source hands it over.
type Archived struct {
	Epoch   int
	ID      string // commit id, or a position in an mbox or Maildir
	Data    []byte
	Deleted bool
	// Blob is the message's blob in an archive; Err says why it could
	// not be read (the message is then skipped and recorded).
	Blob string
	Err  error
	// Time is when the archive got the message (zero: unknown).
	Time time.Time
	// Cursor, when set, is stored with the message.
	Cursor *Cursor
	// CursorOnly marks no message: only the cursor (a first run's start).
	CursorOnly bool
	// List is the list the message came through (its List.ID; empty
	// when not known). RememberOnly, when set, is the Message-ID of a
	// message of a file source only remembered as that list's past (its
	// mail before its first pass, or before --since).
	List         string
	RememberOnly string
	parsed       *parsed
}

// Judge checks every series ready now: its verdict, and its reply when
// the findings call for one, are stored in one transaction. A series
// whose judging fails is recorded with its error and retried later; it
// never stops the others.
func (b *Bot) Judge() (int, error) {
	list, err := b.store.Ready(b.cfg.Now(), b.cfg.Grace)
	if err != nil {
		return 0, err
	}
	return b.judgeList(list)
}

// judgeBy judges, during a long read, the series ready by the archive's
// own time, so that a replay of years of mail holds only the series still
// in progress at its point, and series still in progress there wait.
func (b *Bot) judgeBy(archive time.Time) (int, error) {
	list, err := b.store.ReadyBy(archive, b.cfg.Grace)
	if err != nil {
		return 0, err
	}
	return b.judgeList(list)
}

func (b *Bot) judgeList(list []ReadySeries) (int, error) {
	n := 0
	for _, s := range list {
		err := b.judge(s)
		if err == nil {
			n++
			continue
		}
		abandoned, ferr := b.store.FailSeries(s.Key, err, b.cfg.Now())
		if ferr != nil {
			return n, fmt.Errorf("series %s: %v; recording it: %w", s.Key, err, ferr)
		}
		if abandoned {
			b.logf("series %q (%s): %v; abandoned after %d attempts", s.Subject, s.Key, err, maxJudgeAttempts)
		} else {
			b.logf("series %q (%s): %v; will retry", s.Subject, s.Key, err)
		}
	}
	return n, nil
}

// maxParts bounds the patches of one series that are judged: a thread
// with more numbered parts than that is a flood, not a series.
const maxParts = 1000

// maxMissingListed caps the part numbers a reply and the log list.
const maxMissingListed = 20

// loaded is a series read back from the store for judging.
type loaded struct {
	series  *model.Series
	root    *model.Patch // the mail the reply answers
	rootRaw []byte
	have    map[int]bool
}

// load reads a series' stored mail, one message at a time.
func (b *Bot) load(s ReadySeries) (*loaded, error) {
	l := &loaded{series: &model.Series{Source: s.Key, Version: s.Version}, have: map[int]bool{}}
	series := l.series
	var first *model.Patch
	var firstRaw []byte
	err := b.store.SeriesMessages(s.Key, func(m StoredMessage) error {
		if l.have[m.Number] || len(series.Patches) >= maxParts {
			return nil
		}
		p := b.parsedOf(m)
		if m.ID == s.Root {
			l.root, l.rootRaw = p, m.Raw
		}
		if m.Number == 0 && !p.HasDiff() {
			if series.Cover == nil {
				series.Cover = p
			}
			return nil
		}
		// Parts outside 1..N and a "0/N" carrying a diff are patches
		// too: what is posted is checked.
		l.have[m.Number] = true
		series.Patches = append(series.Patches, p)
		if first == nil {
			first, firstRaw = p, m.Raw
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if l.root == nil {
		// The cover letter (or patch 1) is not in the archive: the
		// reply answers the first part present, which references it.
		l.root, l.rootRaw = first, firstRaw
		if l.root == nil {
			l.root, l.rootRaw = series.Cover, nil
		}
	}
	return l, nil
}

// checksFor returns the check options a series is judged with: those of
// each list it came through, each distinct one once (lists sharing a
// policy share the pointer), or Check when no list has its own or the
// series' lists are not known.
func (b *Bot) checksFor(key string) ([]*patchcheck.Options, error) {
	if len(b.cfg.ListCheck) == 0 {
		return []*patchcheck.Options{&b.cfg.Check}, nil
	}
	lists, err := b.store.SeriesLists(key)
	if err != nil {
		return nil, err
	}
	var out []*patchcheck.Options
	for _, l := range lists {
		o := b.cfg.ListCheck[l]
		if o == nil {
			o = &b.cfg.Check
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		out = append(out, &b.cfg.Check)
	}
	return out, nil
}

// judgeAll checks a series with each of its lists' check options and
// merges the findings into the results of the first. A series sent to
// two lists is judged as each list's own bot would judge it, and answered
// once with what those bots would have said together: a maintainer of
// either list sees the findings under the promises their list made, and
// the author gets one reply, not one per list. A finding both policies
// make (same rule, kfunc and place) is kept once, at the higher severity.
func (b *Bot) judgeAll(s ReadySeries, l *loaded, checks []*patchcheck.Options) ([]*patchcheck.Result, error) {
	results := b.check(l.series, *checks[0])
	for _, o := range checks[1:] {
		// Parsed again: the engine may change the patches it judges.
		again, err := b.load(s)
		if err != nil {
			return nil, err
		}
		mergeFindings(results, b.check(again.series, *o))
	}
	return results, nil
}

// mergeFindings adds to each result the findings of the same patch judged
// under another policy that it does not have yet.
func mergeFindings(into, from []*patchcheck.Result) {
	type at struct {
		rule, kfunc, file string
		line              int
	}
	for i := range min(len(into), len(from)) {
		r := into[i]
		idx := map[at]int{}
		for j, f := range r.Findings {
			idx[at{f.Rule, f.Kfunc, f.Pos.File, f.Pos.Line}] = j
		}
		for _, f := range from[i].Findings {
			k := at{f.Rule, f.Kfunc, f.Pos.File, f.Pos.Line}
			j, ok := idx[k]
			switch {
			case !ok:
				idx[k] = len(r.Findings)
				r.Findings = append(r.Findings, f)
			case f.Severity.AtLeast(r.Findings[j].Severity) && f.Severity != r.Findings[j].Severity:
				r.Findings[j] = f
			}
		}
	}
}

func (b *Bot) judge(s ReadySeries) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error judging the series: %v", r)
		}
	}()
	checks, err := b.checksFor(s.Key)
	if err != nil {
		return err
	}
	l, err := b.load(s)
	if err != nil {
		return err
	}
	series, root, rootRaw, have := l.series, l.root, l.rootRaw, l.have
	var missing []int
	for i := 1; i <= s.Total && i <= maxTotal; i++ {
		if !have[i] {
			missing = append(missing, i)
		}
	}
	results, err := b.judgeAll(s, l, checks)
	if err != nil {
		return err
	}
	// Strict: the bot keeps check-level findings, for Patchwork and for
	// a reply level of check; ReplyLevel decides what is answered.
	tally := checkrun.Tally{Strict: true, FailOn: b.cfg.ReplyLevel}
	var reported []*patchcheck.Result
	for _, r := range results {
		if tally.Add(r) {
			reported = append(reported, r)
		}
	}
	n := tally.Counts
	v := Verdict{Errors: n.Errors, Warnings: n.Warnings, Reply: "none",
		Summary: fmt.Sprintf("%d errors, %d warnings in %d patches", n.Errors, n.Warnings, tally.Patches)}
	if len(missing) > 0 {
		v.Summary += "; missing " + listInts(missing, s.Total)
	}
	var reply *Reply
	if len(reported) > 0 {
		var why string
		if root == nil || rootRaw == nil {
			why = "no message of the series to answer"
		} else {
			reply, why = b.compose(s, root, rootRaw, series, reported, missing, checks)
		}
		if reply != nil {
			v.Reply = "queued"
		} else {
			v.Reply = "withheld: " + why
		}
	}
	b.logf("checked %q: %s; reply %s", s.Subject, v.Summary, v.Reply)
	if b.cfg.Patchwork != nil {
		for _, r := range results {
			if err := b.cfg.Patchwork.Report(b.store, r, b.cfg.ReplyLevel); err != nil {
				b.logf("patchwork: %v", err)
			}
		}
	}
	return b.store.CloseSeries(s.Key, v, reply, b.addr, b.cfg.Now())
}

// listInts writes part numbers, at most maxMissingListed of them.
func listInts(ns []int, total int) string {
	var parts []string
	for i, n := range ns {
		if i == maxMissingListed {
			parts = append(parts, fmt.Sprintf("and %d more of %d", len(ns)-i, total))
			break
		}
		parts = append(parts, strconv.Itoa(n))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// contentID names a message that has no Message-ID by its content.
func contentID(data []byte) string {
	sum := sha256.Sum256(data)
	return "kfunccheck-nomsgid-" + hex.EncodeToString(sum[:12])
}
