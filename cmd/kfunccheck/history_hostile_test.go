// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

// Hostile histories (issue 17): many tags over many kfuncs, a prototype of
// thousands of parameters, tag names git would refuse, SHA-256
// repositories. Each runs the real binary, bounded in time and memory.

// kfuncFile is a kernel file with n kfuncs, their set and its
// registration; kfunc flip of it carries KF_RCU, the others
// KF_TRUSTED_ARGS, so that each release changes two kfuncs' flags.
func kfuncFile(n, flip int, params string) []byte {
	var b bytes.Buffer
	b.WriteString("// SPDX-License-Identifier: GPL-2.0\n#include <linux/btf.h>\n\n")
	for k := range n {
		fmt.Fprintf(&b, "__bpf_kfunc int bpf_k%d(%s)\n{\n\treturn 0;\n}\n\n", k, params)
	}
	b.WriteString("BTF_KFUNCS_START(my_ids)\n")
	for k := range n {
		flags := "KF_TRUSTED_ARGS"
		if k == flip%n {
			flags = "KF_RCU"
		}
		fmt.Fprintf(&b, "BTF_ID_FLAGS(func, bpf_k%d, %s)\n", k, flags)
	}
	b.WriteString("BTF_KFUNCS_END(my_ids)\n\nstatic const struct btf_kfunc_id_set my_set = { .owner = THIS_MODULE, .set = &my_ids };\n")
	b.WriteString("static int __init init(void) { return register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &my_set); }\n")
	return b.Bytes()
}

// fastImport makes a bare repository of one commit per file content,
// each tagged v1.N, through git fast-import.
func fastImport(t *testing.T, files [][]byte, format string) string {
	t.Helper()
	needGit(t)
	var s bytes.Buffer
	for i, f := range files {
		fmt.Fprintf(&s, "blob\nmark :%d\ndata %d\n%s\n", 2*i+1, len(f), f)
		msg := fmt.Sprintf("release %d\n", i)
		fmt.Fprintf(&s, "commit refs/heads/main\nmark :%d\ncommitter T <t@example.org> %d +0000\ndata %d\n%s", 2*i+2, 1600000000+i*86400, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(&s, "from :%d\n", 2*i)
		}
		fmt.Fprintf(&s, "M 100644 :%d kernel/bpf/mine.c\n\nreset refs/tags/v1.%d\nfrom :%d\n\n", 2*i+1, i, 2*i+2)
	}
	repo := filepath.Join(t.TempDir(), "r.git")
	args := []string{"init", "-q", "--bare"}
	if format != "" {
		args = append(args, "--object-format="+format)
	}
	evoGit(t, filepath.Dir(repo), nil, append(args, repo)...)
	evoGit(t, repo, s.Bytes(), "fast-import", "--quiet")
	return repo
}

// runBinary runs the built kfunccheck and returns its output, exit code,
// wall time and peak resident memory in MB (-1 when it cannot be
// measured). The peak is GNU time's report on its own child: a process
// forked from the test binary counts the test's memory as its own until
// exec (Linux carries the old mm's high-water mark over), so the
// process's own rusage would not do.
func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int, took time.Duration, peakMB int64) {
	t.Helper()
	bin := testbin.Path(t)
	peakMB = -1
	var cmd *exec.Cmd
	report := filepath.Join(t.TempDir(), "time")
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err == nil {
		cmd = exec.Command(gnuTime, append([]string{"-q", "-f", "%M", "-o", report, bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	took = time.Since(start)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	if data, err := os.ReadFile(report); err == nil {
		if kb, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			peakMB = kb >> 10
		}
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode(), took, peakMB
}

// TestHistoryManyTags: 800 tags over 200 kfuncs each changing. The run is
// bounded (it was 4.7 GB and a 577 MB page at 1,200 x 500), the page holds
// what its limits allow and says what it left out.
func TestHistoryManyTags(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const tags, kfuncs = 800, 200
	var files [][]byte
	for i := range tags {
		files = append(files, kfuncFile(kfuncs, i, "struct task_struct *p, u64 flags"))
	}
	repo := fastImport(t, files, "")
	dir := t.TempDir()
	for _, format := range []string{"text", "json", "html"} {
		out := filepath.Join(dir, "history."+format)
		_, stderr, code, took, peak := runBinary(t, "history", "--format", format, "-o", out, "--repo", repo, "v1.*")
		st, err := os.Stat(out)
		if code != 0 || err != nil {
			t.Fatalf("%s: exit %d, %v: %s", format, code, err, stderr)
		}
		t.Logf("%d tags x %d kfuncs, %s: %v, %d MB peak, %d bytes written", tags, kfuncs, format, took.Round(time.Millisecond), peak, st.Size())
		if peak > 700 || took > 3*time.Minute {
			t.Errorf("%s: %v and %d MB", format, took, peak)
		}
		if format == "html" && st.Size() > 16<<20 {
			t.Errorf("page of %d bytes", st.Size())
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "history.html"))
	if !bytes.Contains(page, []byte("The table shows the newest ")) || !bytes.Contains(page, []byte(`id="bpf_k7"`)) {
		t.Error("the page does not say which releases its table leaves out, or lacks a kfunc's contract")
	}
	var doc struct {
		Releases []json.RawMessage
		Kfuncs   []json.RawMessage
	}
	data, _ := os.ReadFile(filepath.Join(dir, "history.json"))
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Releases) != tags || len(doc.Kfuncs) != kfuncs {
		t.Errorf("json: %v, %d releases, %d kfuncs", err, len(doc.Releases), len(doc.Kfuncs))
	}
}

// TestHistoryWidePrototype: a 6,000-parameter prototype changed. Text
// says every parameter; the page marks none past its limit and stays
// small (it was 13 s and 4.9 GB in Chromium, a quadratic word diff).
func TestHistoryWidePrototype(t *testing.T) {
	var ps [2][]string
	for i := range 6000 {
		ps[0] = append(ps[0], fmt.Sprintf("u%d a%d", 32+32*(i%2), i))
		ps[1] = append(ps[1], fmt.Sprintf("u%d a%d", 64-32*(i%2), i))
	}
	repo := fastImport(t, [][]byte{kfuncFile(1, 0, strings.Join(ps[0], ", ")), kfuncFile(1, 0, strings.Join(ps[1], ", "))}, "")
	page := filepath.Join(t.TempDir(), "wide.html")
	_, stderr, code, took, peak := runBinary(t, "history", "--format", "html", "-o", page, "--repo", repo, "v1.*")
	st, err := os.Stat(page)
	if code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, stderr)
	}
	data, _ := os.ReadFile(page)
	t.Logf("page of %d bytes, %v, %d MB peak", st.Size(), took, peak)
	if st.Size() > 256<<10 || !bytes.Contains(data, []byte("differences not marked past")) || took > 30*time.Second || peak > 300 {
		t.Errorf("page of %d bytes, %v, %d MB", st.Size(), took, peak)
	}
	text, _, _, _, _ := runBinary(t, "history", "--repo", repo, "v1.*")
	if n := strings.Count(text, "breaking: parameter "); n != 6000 {
		t.Errorf("text says %d parameter changes, want 6000", n)
	}
}

// TestHistoryHostileTagNames: tags git would refuse to create (a space,
// an escape sequence, a bell) written into the refs by hand are left out
// with a warning that shows them escaped; the other tags make the history.
func TestHistoryHostileTagNames(t *testing.T) {
	repo := fastImport(t, [][]byte{kfuncFile(3, 0, "int x"), kfuncFile(3, 1, "int x")}, "")
	id := strings.TrimSpace(string(evoGit(t, repo, nil, "rev-parse", "v1.0")))
	for _, name := range []string{"v1.0 evil", "v1.9\x1b[2J"} {
		if err := os.WriteFile(filepath.Join(repo, "refs", "tags", name), []byte(id+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	packed := filepath.Join(repo, "packed-refs")
	old, _ := os.ReadFile(packed)
	if err := os.WriteFile(packed, append(old, []byte(id+" refs/tags/v1.8\a\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code, _, _ := runBinary(t, "history", "--repo", repo, "v*")
	if code != 0 || !strings.Contains(out, "v1.1 (git") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{`tag "v1.0 evil" left out`, `tag "v1.9\x1b[2J" left out`, `tag "v1.8\x07" left out`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.ContainsAny(out+stderr, "\x1b\a") {
		t.Errorf("a control character reached the output:\n%q", stderr)
	}
}

// TestHistorySHA256: the tag pattern reads SHA-256 repositories too, with
// annotated and lightweight tags, loose and packed.
func TestHistorySHA256(t *testing.T) {
	repo := fastImport(t, [][]byte{kfuncFile(3, 0, "int x"), kfuncFile(3, 1, "int x"), kfuncFile(3, 2, "int x")}, "sha256")
	evoGit(t, repo, nil, "-c", "user.name=T", "-c", "user.email=t@example.org", "tag", "-a", "-m", "annotated", "v1.5", "v1.1")
	evoGit(t, repo, nil, "pack-refs", "--all")
	evoGit(t, repo, nil, "-c", "user.name=T", "-c", "user.email=t@example.org", "tag", "-a", "-m", "loose", "v1.6", "v1.2")
	out, stderr, code, _, _ := runBinary(t, "history", "--format", "json", "--repo", repo, "v1.*")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Releases []struct{ Name, Source string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range doc.Releases {
		names = append(names, r.Name)
		if len(r.Source) != 64 {
			t.Errorf("%s: commit %q is no SHA-256 id", r.Name, r.Source)
		}
	}
	if strings.Join(names, " ") != "v1.0 v1.1 v1.2 v1.5 v1.6" {
		t.Errorf("releases %v", names)
	}
}
