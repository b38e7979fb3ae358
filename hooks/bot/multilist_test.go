// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
)

// The two lists of the multi-list tests.
const (
	listA = "bpf@vger.kernel.org"
	listB = "linux-input@vger.kernel.org"
)

// onLists rewrites a fixture mail's recipients: sent to listA (as the
// fixtures are), to listB instead, or to listA with listB Cc'd.
func onLists(msg string, a, b bool) string {
	switch {
	case a && b:
		return strings.Replace(msg, "Cc: Alexei Starovoitov <ast@kernel.org>", "Cc: Alexei Starovoitov <ast@kernel.org>, "+listB, 1)
	case b:
		return strings.Replace(msg, "To: "+listA, "To: "+listB, 1)
	}
	return msg
}

// TestMultiListCrashRestart runs the real binary over two inboxes, lists
// A and B, with one state: series Cc'd to both lists (appended to both
// archives), series of one list only, and a series whose cover letter
// reached A only and whose last patch reached B only. The bot is killed
// (SIGKILL) at random points and restarted; every series must get
// exactly one reply, a shared series to both lists. The expected replies
// are counted here from what the test posted, not by the bot. The SMTP
// server plays both lists: a reply reaches the archive of each list it
// was sent to.
func TestMultiListCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot binary many times")
	}
	bin := testbin.Path(t)
	s, addr := startSlowSMTP(t)

	a, b := newArchive(t), newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	b.add(0, review("startB@x", "none@x", "[PATCH] start"))
	s.list = func(data string) {
		head, _, _ := strings.Cut(data, "\r\n\r\n")
		if strings.Contains(head, listA) {
			a.add(0, data)
		}
		if strings.Contains(head, listB) {
			b.add(0, data)
		}
	}
	const resendAfter = 2 * time.Second
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	run := botCommand(bin, dir, addr, resendAfter, "--inbox", a.dir, "--inbox", b.dir)
	if out, err := run("once").CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}

	// want maps each answered Message-ID to the lists its reply must
	// reach. The series arrive in ten rounds, one before each run, so
	// that every run has work to be killed in; a shared series reaches
	// list B one round after list A, when A's copy may have been judged.
	want := map[string][]string{}
	bad := []string{"STABLE_REMOVAL/remove-stable.patch", "STABLE_REMOVAL/demote-stable.patch",
		"STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "STABLE_FLAGS_BREAKING/flags-breaking.patch"}
	const n, rounds = 60, 10
	var late []string // shared series for B, posted a round later
	post := func(round int) {
		for _, m := range late {
			b.add(0, m)
		}
		late = nil
		for i := round * n / rounds; i < (round+1)*n/rounds; i++ {
			id := fmt.Sprintf("s%d@x", i)
			m := mailOf(t, bad[i%len(bad)], id, "", "")
			switch i % 3 {
			case 0: // Cc'd to both lists: in both archives.
				m = onLists(m, true, true)
				a.add(0, m)
				a.add(0, review(fmt.Sprintf("r%d@x", i), id, "[PATCH] x"))
				if i%2 == 0 {
					b.add(0, m)
				} else {
					late = append(late, m)
				}
				want[id] = []string{listA, listB}
			case 1:
				a.add(0, m)
				want[id] = []string{listA}
			case 2:
				b.add(0, onLists(m, false, true))
				want[id] = []string{listB}
			}
		}
		if round == rounds/2 {
			// One series whose parts came through different lists: the
			// cover letter and patch 1 to both, patch 2 seen on B only
			// (A lost it).
			series := "STABLE_REMOVAL/series-deprecate-then-remove/"
			cover := onLists(mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""), true, true)
			p1 := onLists(mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""), true, true)
			p2 := onLists(mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", ""), true, true)
			a.add(0, cover)
			a.add(0, p1)
			b.add(0, p1)
			b.add(0, cover)
			b.add(0, p2)
			want["cover@x"] = []string{listA, listB}
		}
	}

	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	var logs []string
	defer func() {
		if t.Failed() {
			for k, l := range logs {
				t.Logf("run %d:\n%s", k, l)
			}
		}
	}()
	for k := 0; k < rounds; k++ {
		post(k)
		c := run("run", "--interval", "20ms")
		log := new(strings.Builder)
		c.Stderr = log
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rnd.Intn(300)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		logs = append(logs, log.String())
	}
	for _, m := range late {
		b.add(0, m)
	}
	time.Sleep(resendAfter + 100*time.Millisecond)
	for k := 0; k < 3; k++ {
		out, err := run("once").CombinedOutput()
		logs = append(logs, string(out))
		if err != nil {
			t.Fatalf("final pass: %v\n%s", err, out)
		}
	}

	count := map[string]int{}
	rcpts := map[string][]string{}
	for _, m := range s.got() {
		for _, line := range strings.Split(m.data, "\r\n") {
			if v, ok := strings.CutPrefix(line, "In-Reply-To: "); ok {
				id := strings.Trim(v, "<>")
				count[id]++
				rcpts[id] = m.to
			}
		}
	}
	for id, lists := range want {
		if c := count[id]; c != 1 {
			t.Errorf("series %s got %d replies, want 1", id, c)
		}
		for _, l := range lists {
			if !slices.Contains(rcpts[id], l) {
				t.Errorf("the reply to %s went to %v, not to %s", id, rcpts[id], l)
			}
		}
		if len(lists) == 1 {
			other := listA
			if lists[0] == listA {
				other = listB
			}
			if slices.Contains(rcpts[id], other) {
				t.Errorf("the reply to %s, a series of %s only, went to %s too", id, lists[0], other)
			}
		}
	}
	if len(count) != len(want) {
		t.Errorf("%d series answered, want %d", len(count), len(want))
	}
	for _, id := range []string{"p1@x", "p2@x"} {
		if count[id] != 0 {
			t.Errorf("patch %s of the cross-list series was answered on its own", id)
		}
	}
	// Each shared series is one series in the state, judged once.
	st, err := OpenStore(state)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var judged, parts int
	if err := st.db.QueryRow(`SELECT count(*) FROM series WHERE state = 'checked' AND key LIKE 's%@x#v%'`).Scan(&judged); err != nil {
		t.Fatal(err)
	}
	if judged != n {
		t.Errorf("%d single-patch series judged, want %d", judged, n)
	}
	if err := st.db.QueryRow(`SELECT count(*) FROM message WHERE series_key = 'cover@x#v1'`).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if parts != 3 {
		t.Errorf("the cross-list series holds %d messages, want its cover letter and 2 patches", parts)
	}
	judging, archived := 0, 0
	for _, l := range logs[:rounds] {
		if strings.Contains(l, "kfunccheck bot: checked ") {
			judging++
		}
	}
	for _, l := range logs {
		archived += strings.Count(l, "is already in the archive")
	}
	t.Logf("%d replies over %d kills for %d series; %d of the killed runs had judged series; %d interrupted deliveries found in an archive",
		len(s.got()), rounds, len(want), judging, archived)
}

// TestSingleListStateMigrates: a state written when the bot followed one
// inbox (its cursors in the table of no list) goes on with that inbox when
// a second one is added: nothing answered before is answered again, the
// old inbox is read from where it stopped, and the new one from its tip.
func TestSingleListStateMigrates(t *testing.T) {
	a, b := newArchive(t), newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "before@x", "", ""))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	if len(tb.replies(t)) != 1 {
		t.Fatalf("replies to %v, want before@x", keys(tb.replies(t)))
	}
	// As a state of one list stood: its cursors keyed by epoch alone.
	if _, err := tb.store.db.Exec(`INSERT INTO cursor (epoch, commit_id, commit_time) SELECT epoch, commit_id, commit_time FROM list_cursor;
		DELETE FROM list_cursor`); err != nil {
		t.Fatal(err)
	}
	// While the bot was down: new mail on A; B holds old mail (and the
	// already answered patch, Cc'd to it).
	a.add(0, mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "while@x", "", ""))
	b.add(0, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "oldB@x", "", ""))
	b.add(0, onLists(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "before@x", "", ""), true, true))
	two := Source{Lists: []List{{Kind: "inbox", Path: b.dir}, {Kind: "inbox", Path: a.dir}}}
	if err := tb.Once(two); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if len(r) != 2 || r["while@x"] == "" {
		t.Fatalf("replies to %v, want before@x and while@x", keys(r))
	}
	var legacy, own int
	tb.store.db.QueryRow(`SELECT count(*) FROM cursor`).Scan(&legacy)
	tb.store.db.QueryRow(`SELECT count(*) FROM list_cursor WHERE list = ?`, List{Kind: "inbox", Path: a.dir}.ID()).Scan(&own)
	if legacy != 0 || own != 1 {
		t.Errorf("%d cursors of no list left, %d adopted by A", legacy, own)
	}
	// Both lists go on: a series Cc'd to both is answered once.
	shared := onLists(mailOf(t, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch", "shared@x", "", ""), true, true)
	b.add(0, shared)
	a.add(0, shared)
	b.add(0, onLists(mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "onB@x", "", ""), false, true))
	for range 2 {
		if err := tb.Once(two); err != nil {
			t.Fatal(err)
		}
	}
	r = tb.replies(t)
	if len(r) != 4 || r["shared@x"] == "" || r["onB@x"] == "" {
		t.Fatalf("replies to %v, want before@x, while@x, shared@x and onB@x", keys(r))
	}
	files, _ := filepath.Glob(filepath.Join(tb.outbox, "new", "*"))
	if len(files) != 4 {
		t.Errorf("%d replies written, want 4", len(files))
	}
}

// TestMboxAndInbox: an mbox and an inbox followed together; a series in
// both is answered once, and a state whose mbox was named by a relative
// path keeps its first pass.
func TestMboxAndInbox(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	dir := t.TempDir()
	mbox := filepath.Join(dir, "b.mbox")
	appendMbox(t, mbox, mailOf(t, "STABLE_REMOVAL/demote-stable.patch", "oldB@x", "", ""))
	tb := newTestBot(t, filepath.Join(dir, "state.db"))
	src := Source{Lists: []List{{Kind: "inbox", Path: a.dir}, {Kind: "mbox", Path: mbox}}}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if r := tb.replies(t); len(r) != 0 {
		t.Fatalf("a first run answered old mail: %v", keys(r))
	}
	shared := onLists(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "shared@x", "", ""), true, true)
	appendMbox(t, mbox, shared)
	a.add(0, shared)
	appendMbox(t, mbox, onLists(mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "onB@x", "", ""), false, true))
	for range 2 {
		if err := tb.Once(src); err != nil {
			t.Fatal(err)
		}
	}
	r := tb.replies(t)
	if len(r) != 2 || r["shared@x"] == "" || r["onB@x"] == "" {
		t.Fatalf("replies to %v, want shared@x and onB@x", keys(r))
	}
	if files, _ := filepath.Glob(filepath.Join(tb.outbox, "new", "*")); len(files) != 2 {
		t.Errorf("%d replies written, want 2", len(files))
	}
	// A state of one list named its mbox as given: that name counts.
	first, err := tb.store.FirstPass("mbox:elsewhere.mbox", "mbox:"+mbox)
	if err != nil || first {
		t.Errorf("FirstPass under the old name: %v, %v", first, err)
	}
}

// TestListsTakeTurns: a long backlog on one list does not hold another
// back: the lists are read one batch each in turn.
func TestListsTakeTurns(t *testing.T) {
	defer func(n, p int) { ingestBatch, progressEvery = n, p }(ingestBatch, progressEvery)
	ingestBatch, progressEvery = 2, 10
	a, b := newArchive(t), newArchive(t)
	for i := 0; i < 20; i++ {
		a.add(0, review(fmt.Sprintf("a%d@x", i), "none@x", "[PATCH] x"))
	}
	b.add(0, review("b0@x", "none@x", "[PATCH] x"))
	b.add(0, review("b1@x", "none@x", "[PATCH] x"))
	b.add(0, review("b2@x", "none@x", "[PATCH] x"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	var log strings.Builder
	tb.cfg.Log = &log
	if err := tb.Once(Source{Lists: []List{{Kind: "inbox", Path: a.dir}, {Kind: "inbox", Path: b.dir}}, Since: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	rows, err := tb.store.db.Query(`SELECT message_id FROM message ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var order []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		order = append(order, id)
	}
	want := []string{"a0@x", "a1@x", "b0@x", "b1@x", "a2@x", "a3@x", "b2@x", "a4@x"}
	if len(order) != 23 || !slices.Equal(order[:len(want)], want) {
		t.Errorf("read in the order %v, want it to start %v", order, want)
	}
	// Progress of the long list during the pass, then each list's line.
	for _, l := range []string{"--inbox " + a.dir + ": 10 messages read so far", "--inbox " + a.dir + ": 20 messages read so far",
		"--inbox " + a.dir + ": 20 messages read; series: 0", "--inbox " + b.dir + ": 3 messages read; series: 0"} {
		if !strings.Contains(log.String(), l) {
			t.Errorf("the log does not say %q:\n%s", l, log.String())
		}
	}
}

// TestSingleListStateRewritten: the only inbox of a state written for one
// list adopts its cursors even when its history was rewritten since (the
// cursor's commit is gone): it resyncs by date and answers nothing twice.
func TestSingleListStateRewritten(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	a.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "before@x", "", ""))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.store.db.Exec(`INSERT INTO cursor (epoch, commit_id, commit_time) SELECT epoch, ?, commit_time FROM list_cursor;
		DELETE FROM list_cursor`, strings.Repeat("d", 40)); err != nil {
		t.Fatal(err)
	}
	a.add(0, mailOf(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "after@x", "", ""))
	if err := tb.Once(Source{Lists: []List{{Kind: "inbox", Path: a.dir}}}); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if len(r) != 2 || r["before@x"] == "" || r["after@x"] == "" {
		t.Fatalf("replies to %v, want before@x and after@x", keys(r))
	}
	if files, _ := filepath.Glob(filepath.Join(tb.outbox, "new", "*")); len(files) != 2 {
		t.Errorf("%d replies written, want 2", len(files))
	}
}

// TestNewListPast: an mbox added to a running bot has old mail, only
// remembered; a part of a series still open on the other list that is
// among that old mail is not lost when the other list brings it.
func TestNewListPast(t *testing.T) {
	a := newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	dir := t.TempDir()
	tb := newTestBot(t, filepath.Join(dir, "state.db"))
	tb.now = a.clock.Add(5 * time.Minute)
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	a.add(0, mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""))
	a.add(0, mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""))
	if err := tb.Once(Source{Inbox: a.dir}); err != nil {
		t.Fatal(err)
	}
	if r := tb.replies(t); len(r) != 0 {
		t.Fatalf("an incomplete series within its grace time was answered: %v", keys(r))
	}
	// B already had patch 2 when the bot began to follow it; A gets it
	// now. B is read first.
	p2 := mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", "")
	mbox := filepath.Join(dir, "b.mbox")
	if err := os.WriteFile(mbox, []byte("From x@y Mon Mar  2 10:00:00 2026\n"+p2+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a.add(0, p2)
	two := Source{Lists: []List{{Kind: "mbox", Path: mbox}, {Kind: "inbox", Path: a.dir}}}
	for range 2 {
		if err := tb.Once(two); err != nil {
			t.Fatal(err)
		}
	}
	r := tb.replies(t)
	if rep := r["cover@x"]; rep == "" || strings.Contains(rep, "had not arrived") {
		t.Fatalf("the series was not answered complete (replies to %v):\n%s", keys(r), rep)
	}
	if len(r) != 1 {
		t.Errorf("replies to %v, want cover@x", keys(r))
	}
}

// TestListPolicies: list B has its own stable list (the real kfuncs of
// Linux 6.12, testdata) and list A the global options (none). A change to
// the signature of bpf_dynptr_slice, a 6.12 kfunc, is nothing on A, a
// finding on B, and, sent to both, one reply with B's finding: a series
// is judged by the options of each list it came through and answered
// once. A finding both options make (removing a KF_STABLE kfunc that is
// in the list too) is in the reply once.
func TestListPolicies(t *testing.T) {
	list, err := baseline.LoadStableList(filepath.Join("testdata", "linux-6.12-kfuncs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := newArchive(t), newArchive(t)
	a.add(0, review("startA@x", "none@x", "[PATCH] start"))
	b.add(0, review("startB@x", "none@x", "[PATCH] start"))
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	la, lb := List{Kind: "inbox", Path: a.dir}, List{Kind: "inbox", Path: b.dir}
	withList := tb.cfg.Check
	withList.Baseline = baseline.Multi{list, baseline.HunksOnly{}}
	cfg := tb.cfg
	cfg.ListCheck = map[string]*patchcheck.Options{lb.ID(): &withList}
	if tb.Bot, err = New(cfg, tb.store); err != nil {
		t.Fatal(err)
	}
	src := Source{Lists: []List{la, lb}}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	sig := "STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	a.add(0, mailOf(t, sig, "sigA@x", "", ""))
	b.add(0, onLists(mailOf(t, sig, "sigB@x", "", ""), false, true))
	shared := onLists(mailOf(t, sig, "sigAB@x", "", ""), true, true)
	a.add(0, shared)
	b.add(0, shared)
	removal := onLists(mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rmAB@x", "", ""), true, true)
	a.add(0, removal)
	b.add(0, removal)
	for range 2 {
		if err := tb.Once(src); err != nil {
			t.Fatal(err)
		}
	}
	r := tb.replies(t)
	if len(r) != 3 || r["sigA@x"] != "" {
		t.Fatalf("replies to %v, want sigB@x, sigAB@x and rmAB@x", keys(r))
	}
	for _, id := range []string{"sigB@x", "sigAB@x"} {
		if !strings.Contains(r[id], "STABLE_SIGNATURE: bpf_dynptr_slice") || !strings.Contains(r[id], "linux-6.12-kfuncs.txt") {
			t.Errorf("the reply to %s does not give list B's finding:\n%s", id, r[id])
		}
		if !strings.Contains(r[id], listB) {
			t.Errorf("the reply to %s does not go to list B", id)
		}
	}
	if !strings.Contains(r["sigAB@x"], listA) {
		t.Errorf("the reply to the shared series does not go to list A")
	}
	if n := strings.Count(r["rmAB@x"], "ERROR STABLE_REMOVAL: bpf_rdonly_cast"); n != 1 {
		t.Errorf("the removal judged by both options is in the reply %d times, want once:\n%s", n, r["rmAB@x"])
	}
}

// TestOneArchiveOpen: lists read in turn keep their repositories closed
// while they wait for their turn, so that the pack indexes in memory do
// not grow with the number of lists: over four inboxes with a backlog
// each, fewer repositories than lists are ever open at once (the list
// being read, and the next one starting its turn), and every message is
// still read, in turns.
func TestOneArchiveOpen(t *testing.T) {
	defer func(n int) { ingestBatch = n }(ingestBatch)
	ingestBatch = 2
	var lists []List
	for k := range 4 {
		a := newArchive(t)
		for i := range 30 {
			a.add(0, review(fmt.Sprintf("m%d-%d@x", k, i), "none@x", "[PATCH] x"))
		}
		lists = append(lists, List{Kind: "inbox", Path: a.dir})
	}
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	done := make(chan struct{})
	peak := make(chan int)
	go func() {
		most := 0
		for {
			most = max(most, gitrepo.OpenEpochs())
			select {
			case <-done:
				peak <- most
				return
			default:
				time.Sleep(20 * time.Microsecond)
			}
		}
	}()
	err := tb.Once(Source{Lists: lists, Since: time.Unix(1, 0)})
	close(done)
	most := <-peak
	if err != nil {
		t.Fatal(err)
	}
	var n int
	tb.store.db.QueryRow(`SELECT count(*) FROM message`).Scan(&n)
	if n != 120 {
		t.Errorf("%d messages recorded, want 120", n)
	}
	if most >= len(lists) || most == 0 {
		t.Errorf("%d repositories open at once while reading %d lists", most, len(lists))
	}
	if open := gitrepo.OpenEpochs(); open != 0 {
		t.Errorf("%d repositories left open after the pass", open)
	}
	t.Logf("at most %d of %d lists' repositories open at once", most, len(lists))
}

// TestEpochPause: a walk of a paused epoch waits at its next read and
// goes on after Resume, from where it was, reopening the repository.
func TestEpochPause(t *testing.T) {
	a := newArchive(t)
	for i := range 5 {
		a.add(0, review(fmt.Sprintf("m%d@x", i), "none@x", "[PATCH] x"))
	}
	ep, err := (&gitrepo.Inbox{Dir: a.dir}).Epoch(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	got := make(chan string)
	errc := make(chan error, 1)
	go func() {
		errc <- ep.Walk("", time.Time{}, func(m gitrepo.InboxMessage) error {
			got <- string(m.Data)
			return nil
		})
		close(got)
	}()
	first := <-got
	ep.Pause()
	before := gitrepo.OpenEpochs()
	// The message read before the pause is handed over; no other.
	n := 1
	for wait := true; wait; {
		select {
		case m := <-got:
			if n++; n > 2 {
				t.Fatalf("a paused epoch was read: %.40q", m)
			}
		case <-time.After(50 * time.Millisecond):
			wait = false
		}
	}
	ep.Resume()
	for range got {
		n++
	}
	if err := <-errc; err != nil || n != 5 || !strings.Contains(first, "m0@x") {
		t.Errorf("walk: %d messages, first %.60q, %v", n, first, err)
	}
	if after := gitrepo.OpenEpochs(); after != before+1 {
		t.Errorf("%d repositories open after the walk resumed, %d while paused", after, before)
	}
}
