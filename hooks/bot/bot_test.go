// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// archive builds public-inbox v2 epochs with go-git: one commit per
// message, whose tree holds the message as "m".
type archive struct {
	mu    sync.Mutex // the test and a list delivering replies both add
	t     testing.TB
	dir   string
	repos map[int]*git.Repository
	tips  map[int]plumbing.Hash
	clock time.Time
}

func newArchive(t testing.TB) *archive {
	return &archive{t: t, dir: t.TempDir(), repos: map[int]*git.Repository{}, tips: map[int]plumbing.Hash{},
		clock: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
}

func (a *archive) repo(epoch int) *git.Repository {
	if r, ok := a.repos[epoch]; ok {
		return r
	}
	r, err := git.PlainInit(filepath.Join(a.dir, "git", fmt.Sprintf("%d.git", epoch)), true)
	if err != nil {
		a.t.Fatal(err)
	}
	a.repos[epoch] = r
	return r
}

func (a *archive) store(r *git.Repository, typ plumbing.ObjectType, encode func(plumbing.EncodedObject) error) plumbing.Hash {
	obj := r.Storer.NewEncodedObject()
	obj.SetType(typ)
	if err := encode(obj); err != nil {
		a.t.Fatal(err)
	}
	h, err := r.Storer.SetEncodedObject(obj)
	if err != nil {
		a.t.Fatal(err)
	}
	return h
}

// add appends a message to an epoch and returns its commit.
func (a *archive) add(epoch int, msg string) plumbing.Hash {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.repo(epoch)
	blob := a.store(r, plumbing.BlobObject, func(o plumbing.EncodedObject) error {
		w, err := o.Writer()
		if err != nil {
			return err
		}
		w.Write([]byte(msg))
		return w.Close()
	})
	tree := a.store(r, plumbing.TreeObject, func(o plumbing.EncodedObject) error {
		return (&object.Tree{Entries: []object.TreeEntry{{Name: "m", Mode: filemode.Regular, Hash: blob}}}).Encode(o)
	})
	a.clock = a.clock.Add(time.Minute)
	sig := object.Signature{Name: "public-inbox", Email: "pi@example.org", When: a.clock}
	c := &object.Commit{Author: sig, Committer: sig, Message: "msg\n", TreeHash: tree}
	if tip, ok := a.tips[epoch]; ok {
		c.ParentHashes = []plumbing.Hash{tip}
	}
	h := a.store(r, plumbing.CommitObject, c.Encode)
	// Written aside and renamed, as git does, so that a bot reading the
	// archive at the same time never sees a half-written ref.
	ref := filepath.Join(a.dir, "git", fmt.Sprintf("%d.git", epoch), "refs", "heads", "master")
	if err := os.WriteFile(ref+".lock", []byte(h.String()+"\n"), 0o644); err != nil {
		a.t.Fatal(err)
	}
	if err := os.Rename(ref+".lock", ref); err != nil {
		a.t.Fatal(err)
	}
	a.tips[epoch] = h
	return h
}

// mailOf turns a fixture patch into a list mail with threading headers.
func mailOf(t testing.TB, fixture, msgID, root, subjectPrefix string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "rules", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if strings.HasPrefix(s, "From ") {
		s = s[strings.IndexByte(s, '\n')+1:]
	}
	var h strings.Builder
	fmt.Fprintf(&h, "Message-ID: <%s>\n", msgID)
	if root != "" {
		fmt.Fprintf(&h, "In-Reply-To: <%s>\nReferences: <%s>\n", root, root)
	}
	if !strings.Contains(s[:strings.Index(s, "\n\n")], "\nTo: ") && !strings.HasPrefix(s, "To: ") {
		h.WriteString("To: bpf@vger.kernel.org\n")
	}
	if subjectPrefix != "" {
		s = strings.Replace(s, "Subject: [PATCH bpf-next", "Subject: [PATCH bpf-next "+subjectPrefix, 1)
	}
	return h.String() + s
}

func review(msgID, root, subject string) string {
	return fmt.Sprintf("From: Rev Iewer <rev@example.org>\nTo: bpf@vger.kernel.org\nDate: Mon, 2 Mar 2026 09:00:00 +0000\nSubject: Re: %s\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nReferences: <%s>\n\nLooks good.\n", subject, msgID, root, root)
}

type testBot struct {
	*Bot
	now    time.Time
	outbox string
}

// TestMain removes the binary the process tests built (testbin).
func TestMain(m *testing.M) { testbin.Main(m) }

func newTestBot(t testing.TB, state string) *testBot {
	t.Helper()
	store, err := OpenStore(state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tb := &testBot{now: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), outbox: filepath.Join(filepath.Dir(state), "outbox")}
	b, err := New(Config{Check: patchcheck.Options{Policy: policy.Default()}, ReplyLevel: model.SeverityError,
		From: "kfunccheck bot <bot@example.org>", Operator: "ops@example.org", Outbox: tb.outbox,
		Now: func() time.Time { return tb.now }, Grace: time.Hour}, store)
	if err != nil {
		t.Fatal(err)
	}
	tb.Bot = b
	return tb
}

func (tb *testBot) replies(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(tb.outbox, "new", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(data), "\r\n", "\n")
		for _, l := range strings.Split(s, "\n") {
			if v, ok := strings.CutPrefix(l, "In-Reply-To: "); ok {
				out[strings.Trim(v, "<>")] = s
			}
		}
	}
	return out
}

func TestBotPasses(t *testing.T) {
	a := newArchive(t)
	// Old mail: a bad patch from before the bot started.
	a.add(0, mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "old@x", "", ""))
	dir := t.TempDir()
	tb := newTestBot(t, filepath.Join(dir, "state.db"))
	src := Source{Inbox: a.dir}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if r := tb.replies(t); len(r) != 0 {
		t.Fatalf("a first run answered old mail: %v", r)
	}
	// New mail: a bad series with cover letter and a review, a good lone
	// patch, a bad lone patch and its good v2, the bot's own mail.
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	a.add(0, mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""))
	a.add(0, mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""))
	a.add(0, review("rev@x", "cover@x", "[PATCH bpf-next 1/2] bpf: Deprecate bpf_task_release()"))
	a.add(0, mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", ""))
	a.add(0, mailOf(t, "clean/promote-good.patch", "good@x", "", ""))
	a.add(0, mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "bad@x", "", ""))
	a.add(0, strings.Replace(mailOf(t, "clean/promote-good.patch", "bad-v2@x", "bad@x", "v2"), "Message-ID", "X-Note: v2\nMessage-ID", 1))
	a.add(0, "From: kfunccheck bot <bot@example.org>\nSubject: Re: [PATCH] x\nMessage-ID: <botmail@x>\n\n---\ndiff --git a/k.c b/k.c\n--- a/k.c\n+++ b/k.c\n@@ -1 +1 @@\n-BTF_ID_FLAGS(func, a, KF_STABLE)\n+BTF_ID_FLAGS(func, a)\n")
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if len(r) != 2 || r["cover@x"] == "" || r["bad@x"] == "" {
		t.Fatalf("replies to %v, want the bad series and the bad patch", keys(r))
	}
	cover := r["cover@x"]
	for _, want := range []string{
		"Subject: Re: [PATCH bpf-next 0/2]", "To: Jane Developer <jane@example.org>", "Cc: bpf@vger.kernel.org",
		"References: <cover@x>", "X-Kfunccheck-Bot: cover@x#v1", "Message-ID: <" + ReplyID("cover@x#v1", "example.org") + ">",
		"ERROR STABLE_REMOVAL: bpf_task_release", "<-- here", "What the process asks for:", "kfunccheck check --show-types series.mbox",
		"Questions or false positives: ops@example.org",
	} {
		if !strings.Contains(cover, want) {
			t.Errorf("reply lacks %q:\n%s", want, cover)
		}
	}
	for _, l := range strings.Split(cover[strings.Index(cover, "\n\n"):], "\n") {
		if len(l) > 72 && !strings.HasPrefix(l, ">") && !strings.HasPrefix(l, "  b4 ") {
			t.Errorf("line longer than 72 columns: %q", l)
		}
	}
	// Idempotent: nothing new, no new reply.
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if n := len(tb.replies(t)); n != 2 {
		t.Fatalf("second pass: %d replies", n)
	}
	// An incomplete series waits for its grace time, then is checked.
	// Grace counts from the mails' Date, bounded by their arrival (the
	// archive's commit time, here the bot's present).
	a.clock = tb.now.Add(-time.Minute)
	a.add(0, mailOf(t, series+"0000-cover-letter.patch", "cover3@x", "", "v3"))
	a.add(0, strings.Replace(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "p32@x", "cover3@x", "v3"),
		"Subject: [PATCH bpf-next v3]", "Subject: [PATCH bpf-next v3 2/2]", 1))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["cover3@x"]; ok {
		t.Fatal("an incomplete series was judged before its grace time")
	}
	tb.now = tb.now.Add(2 * time.Hour)
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if rep := tb.replies(t)["cover3@x"]; !strings.Contains(rep, "Patch(es) 1 of 2 had not arrived") || !strings.Contains(rep, "bpf_rdonly_cast") {
		t.Fatalf("grace-expired series reply:\n%s", rep)
	}
	var summary string
	if err := tb.store.db.QueryRow(`SELECT summary FROM series WHERE key = 'cover3@x#v3'`).Scan(&summary); err != nil || !strings.Contains(summary, "missing [1]") {
		t.Errorf("stored summary %q, %v", summary, err)
	}
	// A new epoch appears: it is read from its start.
	a.add(1, mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "e1@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["e1@x"]; !ok {
		t.Fatal("a new epoch was not read")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRewrittenHistory: public-inbox purges a message by rewriting an
// epoch; the bot resyncs by date and answers nothing twice.
func TestRewrittenHistory(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("start@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	src := Source{Inbox: a.dir}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	spam := a.add(0, review("spam@x", "none@x", "[PATCH] spam"))
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	// Rewrite: a new history without the spam, and one more patch.
	b := newArchive(t)
	// public-inbox rewrites with new commit dates.
	b.dir, b.clock = a.dir, a.clock.Add(time.Hour)
	os.RemoveAll(filepath.Join(a.dir, "git", "0.git"))
	b.add(0, review("start@x", "none@x", "[PATCH] start"))
	b.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	b.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "dm@x", "", ""))
	_ = spam
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if len(r) != 2 || r["rm@x"] == "" || r["dm@x"] == "" {
		t.Fatalf("after the rewrite: replies to %v", keys(r))
	}
}

// TestCcLists: the original Cc's are copied, minus --cc-deny, and only
// --cc-allow (besides the list) when it is set: the two apply to every
// recipient but the list, the sender too.
func TestCcLists(t *testing.T) {
	for _, tt := range []struct {
		allow, deny []string
		want        string
	}{
		{nil, nil, "To: Jane Developer <jane@example.org>\nCc: bpf@vger.kernel.org, ast@kernel.org\n"},
		{nil, []string{"ast@kernel.org"}, "To: Jane Developer <jane@example.org>\nCc: bpf@vger.kernel.org\n"},
		{[]string{"nobody@example.org"}, nil, "From: kfunccheck bot <bot@example.org>\nCc: bpf@vger.kernel.org\n"},
		{[]string{"jane@example.org"}, nil, "To: Jane Developer <jane@example.org>\nCc: bpf@vger.kernel.org\nSubject"},
		{nil, []string{"jane@example.org"}, "From: kfunccheck bot <bot@example.org>\nCc: bpf@vger.kernel.org, ast@kernel.org\n"},
	} {
		a := newArchive(t)
		a.add(0, review("start@x", "none@x", "[PATCH] start"))
		tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
		tb.cfg.CcAllow, tb.cfg.CcDeny = tt.allow, tt.deny
		tb.Once(Source{Inbox: a.dir})
		a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
		if err := tb.Once(Source{Inbox: a.dir}); err != nil {
			t.Fatal(err)
		}
		if r := tb.replies(t)["rm@x"]; !strings.Contains(r, tt.want) {
			t.Errorf("allow %v deny %v: want %q in\n%s", tt.allow, tt.deny, tt.want, r[:400])
		}
	}
}

// TestCcAllowKeepsFollowedLists: every list the bot follows (the address
// of a [[list]] of the configuration file) is a list, not a Cc: a series
// sent to two of them is answered to both even when --cc-allow names
// neither.
func TestCcAllowKeepsFollowedLists(t *testing.T) {
	for _, tt := range []struct {
		addresses []string
		want      string
	}{
		{nil, "Cc: bpf@vger.kernel.org\n"},
		{[]string{"Linux-Input@vger.kernel.org"}, "Cc: bpf@vger.kernel.org, linux-input@vger.kernel.org\n"},
	} {
		a := newArchive(t)
		a.add(0, review("start@x", "none@x", "[PATCH] start"))
		tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
		tb.cfg.CcAllow = []string{"nobody@example.org"}
		tb.cfg.ListAddresses = tt.addresses
		tb.Once(Source{Inbox: a.dir})
		msg := strings.Replace(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""),
			"Cc: Alexei Starovoitov <ast@kernel.org>", "Cc: Alexei Starovoitov <ast@kernel.org>, linux-input@vger.kernel.org", 1)
		a.add(0, msg)
		if err := tb.Once(Source{Inbox: a.dir}); err != nil {
			t.Fatal(err)
		}
		if r := tb.replies(t)["rm@x"]; !strings.Contains(r, tt.want) {
			t.Errorf("list addresses %v: want %q in\n%s", tt.addresses, tt.want, r[:min(len(r), 400)])
		}
	}
}

func TestHasHeader(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want bool
	}{
		{"From: a\nX-Kfunccheck-Bot: k\n\nbody\n", true},
		{"From: a\r\nx-kfunccheck-bot: k\r\n\r\nbody\r\n", true},
		{"From: a\r\n\r\nX-Kfunccheck-Bot: in the body\r\n", false},
		{"From: a\n\nX-Kfunccheck-Bot: in the body\n", false},
	} {
		if got := readEnvelope([]byte(tt.raw)).Bot; got != tt.want {
			t.Errorf("readEnvelope(%q).Bot = %v", tt.raw, got)
		}
	}
}
