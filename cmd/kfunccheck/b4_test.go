// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/kfunccheck/kfunccheck/patchcheck/b4ctx"
)

// b4Fixture is the series whose rule only fires across patches: 1/2
// deprecates a stable kfunc, 2/2 removes it.
const b4Fixture = "../../rules/testdata/STABLE_REMOVAL/series-deprecate-then-remove/"

// b4Isolate keeps the user's git configuration out of the git commands
// the check runs itself.
func b4Isolate(t *testing.T) {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv(b4ctx.TrackingEnv, "")
	t.Setenv(noB4Env, "")
}

// baselineRepo returns a repository whose main branch is the test tree.
func baselineRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/tree")); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "baseline")
	return dir
}

// amFixture applies the fixture's patches (not its cover letter), as
// committed now: b4 only looks for a prep cover commit among the last
// year's commits (ez.py, find_cover_commit).
func amFixture(t *testing.T, dir string) {
	t.Helper()
	var abs []string
	for _, n := range []string{"0001-bpf-Deprecate-bpf_task_release.patch", "0002-bpf-Remove-bpf_task_release.patch"} {
		p, _ := filepath.Abs(b4Fixture + n)
		abs = append(abs, p)
	}
	gitAt(t, dir, time.Now().Format(time.RFC3339), append([]string{"am", "-q"}, abs...)...)
}

// trackingMessage is a tracking commit message as b4 writes it: the cover
// text, a blank line, the marker, one "#" comment line and the JSON
// indented by 2 (ez.py, store_cover and make_magic_json; review/_review.py,
// create_review_branch and make_review_magic_json).
func trackingMessage(t *testing.T, cover, marker string, data any) string {
	t.Helper()
	j, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return cover + "\n\n" + marker + "\n# This section is used internally by b4 for tracking purposes.\n" + string(j)
}

// prepBranch builds a b4 prep branch with the "commit" cover strategy,
// b4's default: an empty cover commit carrying the tracking JSON, then the
// series' commits (ez.py, start_new_series).
func prepBranch(t *testing.T) string {
	t.Helper()
	dir := baselineRepo(t)
	gitIn(t, dir, "checkout", "-q", "-b", "b4/deprecate-then-remove")
	msg := trackingMessage(t, "bpf: Retire bpf_task_release()\n\nDeprecate it, then remove it.", b4ctx.PrepMarker,
		map[string]any{"series": map[string]any{"revision": 1, "change-id": "20260302-retire-0123456789ab", "prefixes": []string{"bpf-next"}, "presubject": ""}})
	gitAt(t, dir, time.Now().Format(time.RFC3339), "commit", "-q", "--allow-empty", "-m", msg)
	amFixture(t, dir)
	return dir
}

// b4Message renders a commit as b4 pipes it to a check: the format-patch
// message without its "From <sha>" line (__init__.py,
// LoreMessage.get_msg_as_bytes writes headers and body only).
func b4Message(t *testing.T, dir, rng string, n int) string {
	t.Helper()
	out := t.TempDir()
	gitIn(t, dir, "format-patch", "-q", "-n", "--subject-prefix=PATCH bpf-next", "-o", out, rng)
	files, _ := filepath.Glob(filepath.Join(out, "*.patch"))
	data, err := os.ReadFile(files[n-1])
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), "\n")
	// b4 prep gives each patch a Message-ID of its change-id, revision,
	// number and a random part (ez.py, make_msgid_tpt).
	return fmt.Sprintf("Message-Id: <20260302-retire-v1-%d-0123456789ab@example.org>\n", n) + rest
}

// b4Result runs the check as b4 runs a review check: the message on
// stdin, from the repository's top directory, JSON on stdout, and returns
// the one result.
func b4Result(t *testing.T, dir, stdin string, args ...string) map[string]string {
	t.Helper()
	t.Chdir(dir)
	out, stderr, code := runCLI(t, stdin, append([]string{"check", "--format", "b4"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res []map[string]string
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
		t.Fatalf("not one b4 result (%v): %s", err, out)
	}
	return res[0]
}

func TestB4PrepSeriesContext(t *testing.T) {
	needGit(t)
	b4Isolate(t)
	// b4Result changes into the repository: fixtures are read first.
	other, err := os.ReadFile("../../testdata/examples/0004-bpf-Deprecate-bpf_cpumask_first.patch")
	if err != nil {
		t.Fatal(err)
	}
	dir := prepBranch(t)
	s, err := b4ctx.Prep(dir)
	if err != nil || s == nil {
		t.Fatalf("prep branch not found: %v", err)
	}
	if len(s.Commits) != 2 {
		t.Fatalf("prep series has %d commits, want 2", len(s.Commits))
	}
	base := strings.TrimSpace(gitIn(t, dir, "rev-parse", "main"))
	if s.Base != base {
		t.Errorf("base %s, want main %s", s.Base, base)
	}
	cover := strings.TrimSpace(gitIn(t, dir, "rev-parse", "HEAD~2"))
	patch2 := b4Message(t, dir, cover+"..HEAD", 2)

	// Alone, 2/2 removes a deprecated kfunc: nothing to say. That is what
	// b4 saw before this context existed.
	t.Setenv(noB4Env, "1")
	if res := b4Result(t, dir, patch2); res["status"] != "pass" {
		t.Fatalf("2/2 alone: %v", res)
	}
	t.Setenv(noB4Env, "")

	// In its prep branch, 2/2 follows the deprecation in 1/2 of the same
	// series: a removal without a deprecation period.
	res := b4Result(t, dir, patch2)
	if res["status"] != "fail" || !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("2/2 in its prep series: %v", res)
	}
	// 1/2 only reports its own findings, none of them 2/2's.
	patch1 := b4Message(t, dir, cover+"..HEAD", 1)
	if res := b4Result(t, dir, patch1); strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("1/2 reports 2/2's finding: %v", res)
	}

	// b4 prep --check reads checkpatch-style text (__init__.py,
	// LoreMessage.run_local_check: a stdout line with "ERROR:" fails).
	out, _, _ := runCLI(t, patch2, "check", "-q", "--terse", "--show-types")
	if !strings.Contains(out, "ERROR:STABLE_REMOVAL:") {
		t.Fatalf("text for b4 prep --check:\n%s", out)
	}

	// The same patch without the Message-ID b4 prep gives it, as
	// "git format-patch | kfunccheck check" pipes it, is judged alone:
	// the prep series is looked for only for b4's messages.
	_, plain, _ := strings.Cut(patch2, "\n")
	if res := b4Result(t, dir, plain); res["status"] != "pass" {
		t.Fatalf("2/2 piped by git format-patch: %v", res)
	}

	// A patch that is not one of the series is judged alone.
	inCtx := b4Result(t, dir, string(other))
	t.Setenv(noB4Env, "1")
	if alone := b4Result(t, dir, string(other)); alone["status"] != inCtx["status"] || alone["details"] != inCtx["details"] {
		t.Fatalf("foreign patch: %v in the prep branch, %v alone", inCtx, alone)
	}
}

// reviewBranch builds a b4 review branch (base, the patches, a tracking
// commit at the tip: review/_review.py, create_review_branch) and the
// tracking file b4 dumps for B4_TRACKING_FILE (review_tui/_common.py,
// _fetch_and_check: json.dump of the tracking data, indent 2).
func reviewBranch(t *testing.T) (dir, trackingFile string) {
	t.Helper()
	dir = baselineRepo(t)
	base := strings.TrimSpace(gitIn(t, dir, "rev-parse", "HEAD"))
	changeID := "20260302-retire-0123456789ab"
	gitIn(t, dir, "checkout", "-q", "-b", b4ctx.ReviewBranchPrefix+changeID)
	amFixture(t, dir)
	first := strings.TrimSpace(gitIn(t, dir, "rev-parse", "HEAD~1"))
	tracking := map[string]any{
		"series": map[string]any{
			"identifier": "bpf", "status": "reviewing", "revision": 1, "change-id": changeID,
			"link": "https://lore.kernel.org/r/20260302100000.0@example.org", "subject": "[PATCH bpf-next 0/2] Retire bpf_task_release()",
			"fromname": "Jane Developer", "fromemail": "jane@example.org", "expected": 2, "complete": true,
			"base-commit": base, "prerequisite-commits": []string{}, "first-patch-commit": first,
			"header-info": map[string]any{}, "tracked-at": "2026-03-02T10:00:00+00:00", "is-rethreaded": false,
		},
		"followups": []any{}, "patches": []any{}, "known-revisions": []any{},
	}
	gitIn(t, dir, "commit", "-q", "--allow-empty", "-m", trackingMessage(t, "[PATCH bpf-next 0/2] Retire bpf_task_release()", b4ctx.ReviewMarker, tracking))
	gitIn(t, dir, "checkout", "-q", "main")
	j, _ := json.MarshalIndent(tracking, "", "  ")
	trackingFile = filepath.Join(t.TempDir(), "b4-tracking-x.json")
	if err := os.WriteFile(trackingFile, j, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, trackingFile
}

// fixtureMail is a fixture message as b4 pipes a message of the thread:
// headers and body, without the mbox "From " line.
func fixtureMail(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(b4Fixture + name)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), "\n")
	return rest
}

func TestB4ReviewSeriesCheck(t *testing.T) {
	needGit(t)
	b4Isolate(t)
	dir, tf := reviewBranch(t)
	cover := fixtureMail(t, "0000-cover-letter.patch")
	patch2 := fixtureMail(t, "0002-bpf-Remove-bpf_task_release.patch")

	// Without the tracking file the series check cannot place the cover
	// letter, and says so rather than pass it.
	if res := b4Result(t, dir, cover, "--b4-series"); res["status"] != "fail" || !strings.Contains(res["details"], "no b4 series") {
		t.Fatalf("series check without tracking file: %v", res)
	}

	t.Setenv(b4ctx.TrackingEnv, tf)
	// b4.review-series-check-cmd gets the cover letter: the whole series is
	// judged.
	res := b4Result(t, dir, cover, "--b4-series")
	if res["status"] != "fail" || !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("series check: %v", res)
	}
	// A cover letter is a series check even without the flag.
	if res := b4Result(t, dir, cover); !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("cover letter: %v", res)
	}
	// b4.review-perpatch-check-cmd gets 2/2 as it was mailed: judged after
	// 1/2 of the review branch.
	res = b4Result(t, dir, patch2)
	if res["status"] != "fail" || !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("per-patch review check of 2/2: %v", res)
	}
}

// b4Version returns the installed b4's version as [major, minor], or
// skips the test.
func b4Version(t *testing.T) (string, [2]int) {
	t.Helper()
	path, err := exec.LookPath("b4")
	if err != nil {
		t.Skip("b4 is not installed (Debian: apt-get install b4; .ci/run installs it)")
	}
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		t.Skipf("b4 --version: %v", err)
	}
	v := strings.TrimSpace(string(out))
	var mm [2]int
	if _, err := fmt.Sscanf(v, "%d.%d", &mm[0], &mm[1]); err != nil {
		t.Skipf("b4 --version says %q", v)
	}
	return v, mm
}

// b4Env gives b4 a git identity and directories of its own.
func b4Env(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	conf := filepath.Join(home, "gitconfig")
	if err := os.WriteFile(conf, []byte("[user]\n\tname = Jane Developer\n\temail = jane@example.org\n[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", conf)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("HOME", home)
	for _, v := range []string{"XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"} {
		t.Setenv(v, filepath.Join(home, strings.ToLower(v)))
	}
}

func runB4(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("b4", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("b4 %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestB4DebianPrep has the installed b4 (Debian 12's 0.12 or newer) make
// the prep branch and render its patches, and checks 2/2 as b4 prep
// --check pipes it. b4 0.14 and newer also run the check themselves; to
// run that part on Debian 12, put a newer b4 first in PATH (b4's source
// runs with Debian's python3-requests, python3-dkim and git-filter-repo:
// PYTHONPATH=b4/src /usr/bin/python3 -c 'import b4.command; b4.command.cmd()').
func TestB4DebianPrep(t *testing.T) {
	needGit(t)
	version, mm := b4Version(t)
	canCheck := mm[0] > 0 || mm[1] >= 14
	bin := ""
	if canCheck {
		// Built before b4Env moves HOME, where Go keeps its caches.
		bin = testbin.Path(t)
	}
	b4Isolate(t)
	b4Env(t)
	fixtures := make([]string, 2)
	for i, n := range []string{"0001-bpf-Deprecate-bpf_task_release.patch", "0002-bpf-Remove-bpf_task_release.patch"} {
		fixtures[i], _ = filepath.Abs(b4Fixture + n)
	}
	dir := baselineRepo(t)
	runB4(t, dir, "prep", "-n", "retire", "-f", "main")
	gitIn(t, dir, append([]string{"am", "-q"}, fixtures...)...)
	out := t.TempDir()
	runB4(t, dir, "prep", "-p", out)
	files, _ := filepath.Glob(filepath.Join(out, "0002-*.patch"))
	if len(files) != 1 {
		t.Fatalf("b4 %s prep -p wrote no 0002 patch", version)
	}
	patch2, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	res := b4Result(t, dir, string(patch2))
	if res["status"] != "fail" || !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("2/2 of a b4 %s prep branch: %v", version, res)
	}

	t.Run("prep --check", func(t *testing.T) {
		if !canCheck {
			t.Skipf("b4 %s has no prep --check; prep-perpatch-check-cmd came in b4 0.14", version)
		}
		gitIn(t, dir, "config", "b4.prep-perpatch-check-cmd", bin+" check -q --terse --no-summary --mailback --show-types")
		cmd := exec.Command("b4", "--offline-mode", "prep", "--check", "--no-cache")
		cmd.Dir = dir
		o, _ := cmd.CombinedOutput()
		// b4 lists each commit with the lines the command printed, a
		// line with "ERROR:" as a failure (ez.py, check; __init__.py,
		// LoreMessage.run_local_check).
		if !strings.Contains(string(o), "STABLE_REMOVAL: bpf_task_release") || !strings.Contains(string(o), "Error: 1") {
			t.Fatalf("b4 %s prep --check:\n%s", version, o)
		}
		t.Logf("b4 %s prep --check:\n%s", version, o)
	})
}

// threadMbox is the fixture series as a mailing-list thread: each message
// with a Message-ID, the patches replying to the cover letter, as
// git send-email threads them (and b4 am fetches them).
func threadMbox(t *testing.T) (mbox string, msgs []string, root string) {
	t.Helper()
	root = "20260302100000.0@example.org"
	names := []string{"0000-cover-letter.patch", "0001-bpf-Deprecate-bpf_task_release.patch", "0002-bpf-Remove-bpf_task_release.patch"}
	var b strings.Builder
	for i, n := range names {
		m := fixtureMail(t, n)
		hdr := fmt.Sprintf("Message-ID: <20260302100000.%d@example.org>\n", i)
		if i > 0 {
			hdr += "In-Reply-To: <" + root + ">\nReferences: <" + root + ">\n"
		}
		m = hdr + m
		msgs = append(msgs, m)
		b.WriteString("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m)
		if !strings.HasSuffix(m, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String(), msgs, root
}

// loreServer serves the thread as public-inbox does: /all/<msgid>/t.mbox.gz.
func loreServer(t *testing.T, root, mbox string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/all/"+root+"/t.mbox.gz" {
			http.NotFound(w, r)
			return
		}
		zw := gzip.NewWriter(w)
		io.WriteString(zw, mbox)
		zw.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/all"
}

func TestB4AmThread(t *testing.T) {
	needGit(t)
	b4Isolate(t)
	mbox, msgs, root := threadMbox(t)
	mboxFile := filepath.Join(t.TempDir(), "thread.mbox")
	if err := os.WriteFile(mboxFile, []byte(mbox), 0o600); err != nil {
		t.Fatal(err)
	}
	url := loreServer(t, root, mbox)
	// b4 am --check runs in the maintainer's tree, which is no prep
	// branch: only the thread places 2/2.
	dir := baselineRepo(t)
	if res := b4Result(t, dir, msgs[2]); res["status"] != "pass" {
		t.Fatalf("2/2 without its thread: %v", res)
	}
	res := b4Result(t, dir, msgs[2], "--b4-thread", "--lore", url)
	if res["status"] != "fail" || !strings.Contains(res["details"], "STABLE_REMOVAL") {
		t.Fatalf("2/2 with its thread: %v", res)
	}
	// b4 am reads checkpatch-style text.
	out, _, _ := runCLI(t, msgs[2], "check", "-q", "--terse", "--no-summary", "--mailback", "--show-types", "--b4-thread", "--lore", url)
	if !strings.Contains(out, "ERROR:STABLE_REMOVAL:") {
		t.Fatalf("text for b4 am --check:\n%s", out)
	}
	// 1/2 has nothing before it; an unreachable inbox is an error, not a
	// pass.
	if res := b4Result(t, dir, msgs[1], "--b4-thread", "--lore", url); res["status"] != "pass" {
		t.Fatalf("1/2 with its thread: %v", res)
	}
	if res := b4Result(t, dir, msgs[2], "--b4-thread", "--lore", url+"/missing"); res["status"] != "fail" || !strings.Contains(res["details"], "404") {
		t.Fatalf("2/2 with an unreachable thread: %v", res)
	}
	// The piped mail is hostile: a References id that would climb out of
	// the inbox ("<..>", "<../../x@y>") is refused before any URL is made.
	for _, ref := range []string{"<..>", "<../../x@y>", "<a@b/../c>"} {
		evil := strings.Replace(msgs[2], "References: <"+root+">", "References: "+ref, 1)
		if evil == msgs[2] {
			t.Fatal("the thread's References line changed")
		}
		if res := b4Result(t, dir, evil, "--b4-thread", "--lore", url); res["status"] != "fail" || !strings.Contains(res["details"], "Message-ID") {
			t.Fatalf("References %s: %v", ref, res)
		}
	}

	t.Run("b4 am --check", func(t *testing.T) {
		version, mm := b4Version(t)
		if mm[0] == 0 && mm[1] < 14 {
			t.Skipf("b4 %s has no am --check; am-perpatch-check-cmd came in b4 0.14", version)
		}
		bin := testbin.Path(t)
		b4Env(t)
		gitIn(t, dir, "config", "b4.am-perpatch-check-cmd", bin+" check -q --terse --no-summary --mailback --show-types --b4-thread --lore "+url)
		// --offline-mode keeps b4 itself from lore; -m gives it the
		// thread, which the check fetches again from the served inbox.
		cmd := exec.Command("b4", "--offline-mode", "am", "--check", "-m", mboxFile, "-o", t.TempDir(), root)
		cmd.Dir = dir
		o, _ := cmd.CombinedOutput()
		if !strings.Contains(string(o), "STABLE_REMOVAL: bpf_task_release") {
			t.Fatalf("b4 %s am --check:\n%s", version, o)
		}
		t.Logf("b4 %s am --check:\n%s", version, o)
	})
}

// reviewDriver runs b4's own review check runner (review/checks.py,
// run_perpatch_checks and run_series_checks, b4 0.15 or newer) on the
// given messages, as b4's review TUI does (review_tui/_common.py,
// _fetch_and_check): the first message is the cover letter.
const reviewDriver = `
import email.parser, json, sys
import b4, b4.review.checks as checks
top, perpatch, series, tracking = sys.argv[1:5]
msgs = []
for path in sys.argv[5:]:
    with open(path, 'rb') as f:
        msgs.append(email.parser.BytesParser(policy=b4.emlpolicy).parse(f))
ids = [m.get('message-id', '').strip('<> ') for m in msgs]
env = {'B4_TRACKING_FILE': tracking}
out = {'perpatch': checks.run_perpatch_checks(list(zip(ids[1:], msgs[1:])), [perpatch], top, extra_env=env),
       'series': checks.run_series_checks((ids[0], msgs[0]), [series], top, extra_env=env)}
print(json.dumps(out))
`

// TestB4ReviewChecksFromSource has b4's own review check code run the
// check commands docs/checkpatch.md gives. Debian has no b4 with review
// checks (they came in 0.15); KFUNCCHECK_B4_SRC names the src directory
// of a b4 0.15 or newer checkout, which runs with Debian's
// python3-requests.
func TestB4ReviewChecksFromSource(t *testing.T) {
	src := os.Getenv("KFUNCCHECK_B4_SRC")
	if src == "" {
		t.Skip("KFUNCCHECK_B4_SRC does not name b4's source (src/ of b4 0.15 or newer): Debian packages no b4 with review checks")
	}
	needGit(t)
	b4Isolate(t)
	bin := testbin.Path(t)
	dir, tf := reviewBranch(t)
	_, msgs, _ := threadMbox(t)
	var files []string
	for i, m := range msgs {
		f := filepath.Join(t.TempDir(), fmt.Sprintf("%d.eml", i))
		if err := os.WriteFile(f, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := exec.Command("python3", append([]string{"-c", reviewDriver, dir,
		bin + " check --format b4", bin + " check --format b4 --b4-series", tf}, files...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+src)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("b4's review checks: %v\n%s", err, stderr.String())
	}
	var got struct {
		Perpatch map[string][]map[string]string
		Series   []map[string]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	p1, p2 := got.Perpatch["20260302100000.1@example.org"], got.Perpatch["20260302100000.2@example.org"]
	if len(p1) != 1 || p1[0]["status"] != "pass" {
		t.Errorf("1/2: %v", p1)
	}
	if len(p2) != 1 || p2[0]["status"] != "fail" || !strings.Contains(p2[0]["details"], "STABLE_REMOVAL") {
		t.Errorf("2/2: %v", p2)
	}
	if len(got.Series) != 1 || got.Series[0]["status"] != "fail" || !strings.Contains(got.Series[0]["details"], "STABLE_REMOVAL") {
		t.Errorf("series: %v", got.Series)
	}
	t.Logf("b4's review checks: %s", out)
}

// TestPeekMessageID reads the first message's Message-ID from stdin
// without consuming it, and tells b4 prep's from others.
func TestPeekMessageID(t *testing.T) {
	long := strings.Repeat("X-Filler: "+strings.Repeat("x", 70)+"\n", 100) // past the first peek
	for _, tc := range []struct {
		name, in, want string
		b4             bool
	}{
		{"b4 prep", "From: a@b\nMessage-Id: <20260302-retire-v2-1-0123456789ab@example.org>\n\nbody\n", "<20260302-retire-v2-1-0123456789ab@example.org>", true},
		{"folded, CRLF", "From: a@b\r\nmessage-id:\r\n <20260302-x-y-v1-10-abcdefabcdef@b4>\r\n\r\nbody\r\n", "<20260302-x-y-v1-10-abcdefabcdef@b4>", true},
		{"after a long header", long + "Message-ID: <1-v1-1-0123456789ab@h>\n\n", "<1-v1-1-0123456789ab@h>", true},
		{"git send-email", "Message-ID: <20260302100000.12345-1-jane@example.org>\n\n", "<20260302100000.12345-1-jane@example.org>", false},
		{"in the body only", "From: a@b\n\nMessage-ID: <x-v1-1-0123456789ab@h>\n", "", false},
		{"none, short input", "From: a@b\n", "", false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tc.in), 64<<10)
			got := peekMessageID(r)
			if got != tc.want || madeByB4Prep(got) != tc.b4 {
				t.Errorf("got %q (b4 %v), want %q (b4 %v)", got, madeByB4Prep(got), tc.want, tc.b4)
			}
			if rest, _ := io.ReadAll(r); string(rest) != tc.in {
				t.Errorf("the message was consumed")
			}
		})
	}
}
