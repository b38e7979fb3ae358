// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealPublicInbox builds an archive with the real public-inbox tools
// (public-inbox-init -V2, public-inbox-mda) and runs the bot over it.
func TestRealPublicInbox(t *testing.T) {
	for _, tool := range []string{"public-inbox-init", "public-inbox-mda"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian package public-inbox; .ci/run installs it)", tool)
		}
	}
	dir := t.TempDir()
	env := append(os.Environ(), "PI_CONFIG="+filepath.Join(dir, "config"), "HOME="+dir)
	sh := func(stdin string, name string, args ...string) {
		t.Helper()
		c := exec.Command(name, args...)
		c.Env = append(env, "ORIGINAL_RECIPIENT=bpf@vger.kernel.org")
		c.Stdin = strings.NewReader(stdin)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	inbox := filepath.Join(dir, "inbox")
	sh("", "public-inbox-init", "-V2", "bpf", inbox, "http://example.org/bpf", "bpf@vger.kernel.org")
	sh("", "git", "config", "-f", filepath.Join(dir, "config"), "publicinboxmda.spamcheck", "none")
	deliver := func(msg string) { sh(msg, "public-inbox-mda") }
	deliver(review("start@x", "none@x", "[PATCH] start"))

	tb := newTestBot(t, filepath.Join(dir, "state.db"))
	src := Source{Inbox: inbox}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	series := "STABLE_REMOVAL/series-deprecate-then-remove/"
	deliver(mailOf(t, series+"0000-cover-letter.patch", "cover@x", "", ""))
	deliver(mailOf(t, series+"0001-bpf-Deprecate-bpf_task_release.patch", "p1@x", "cover@x", ""))
	deliver(mailOf(t, series+"0002-bpf-Remove-bpf_task_release.patch", "p2@x", "cover@x", ""))
	deliver(review("rev@x", "cover@x", "[PATCH bpf-next 0/2] x"))
	deliver(mailOf(t, "clean/promote-good.patch", "good@x", "", ""))
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	r := tb.replies(t)
	if len(r) != 1 || !strings.Contains(r["cover@x"], "STABLE_REMOVAL") {
		t.Fatalf("replies to %v", keys(r))
	}
}

// BenchmarkArchive10k processes an archive of 10,000 messages (2,000
// series of a cover letter and three patches, and a review each; a quarter
// of the series break the stable-kfunc process) from a cold start: read,
// grouped, judged, 500 replies written.
func BenchmarkArchive10k(b *testing.B) {
	a := newArchive(b)
	good := []string{"clean/promote-good.patch", "clean/move-set.patch", "clean/deprecate-good.patch"}
	bad := []string{"STABLE_REMOVAL/remove-stable.patch", "clean/promote-good.patch", "STABLE_FLAGS_BREAKING/flags-breaking.patch"}
	for i := 0; i < 2000; i++ {
		c := fmt.Sprintf("c%d@x", i)
		a.add(0, strings.Replace(mailOf(b, "STABLE_REMOVAL/series-deprecate-then-remove/0000-cover-letter.patch", c, "", ""),
			"0/2]", "0/3]", 1))
		patches := good
		if i%4 == 0 {
			patches = bad
		}
		for k, p := range patches {
			a.add(0, strings.Replace(mailOf(b, p, fmt.Sprintf("p%d-%d@x", i, k), c, ""),
				"Subject: [PATCH bpf-next]", fmt.Sprintf("Subject: [PATCH bpf-next %d/3]", k+1), 1))
		}
		a.add(0, review(fmt.Sprintf("r%d@x", i), c, "[PATCH bpf-next 0/3] x"))
	}
	// Archives are packed (public-inbox repacks its epochs); loose
	// objects would measure go-git's loose-object reads instead.
	if _, err := exec.LookPath("git"); err == nil {
		if out, err := exec.Command("git", "-C", filepath.Join(a.dir, "git", "0.git"), "repack", "-adq").CombinedOutput(); err != nil {
			b.Fatalf("repack: %v %s", err, out)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		dir := b.TempDir()
		tb := newTestBot(b, filepath.Join(dir, "state.db"))
		start := time.Now()
		if err := tb.Once(Source{Inbox: a.dir, Since: time.Unix(1, 0)}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-messages")
		var n int
		tb.store.db.QueryRow(`SELECT count(*) FROM series WHERE state = 'checked'`).Scan(&n)
		var replies int
		tb.store.db.QueryRow(`SELECT count(*) FROM outbox`).Scan(&replies)
		if n != 2000 || replies != 500 {
			b.Fatalf("%d series checked, %d replies", n, replies)
		}
	}
}

// TestFetch: with Fetch set, each epoch is updated from its configured
// remote (a mirror clone, as public-inbox-clone makes) before reading.
func TestFetch(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("the git command is not installed")
	}
	origin := newArchive(t)
	origin.add(0, review("start@x", "none@x", "[PATCH] start"))
	mirror := t.TempDir()
	os.MkdirAll(filepath.Join(mirror, "git"), 0o755)
	if out, err := exec.Command("git", "clone", "-q", "--mirror", filepath.Join(origin.dir, "git", "0.git"),
		filepath.Join(mirror, "git", "0.git")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	tb := newTestBot(t, filepath.Join(t.TempDir(), "state.db"))
	src := Source{Inbox: mirror, Fetch: true}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	origin.add(0, mailOf(t, "STABLE_REMOVAL/remove-stable.patch", "rm@x", "", ""))
	if err := tb.Once(Source{Inbox: mirror}); err != nil {
		t.Fatal(err)
	}
	if len(tb.replies(t)) != 0 {
		t.Fatal("new mail seen without fetching")
	}
	if err := tb.Once(src); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.replies(t)["rm@x"]; !ok {
		t.Fatal("fetched mail not answered")
	}
}
