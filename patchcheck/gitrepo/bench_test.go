// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"bytes"
	"fmt"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchRepo builds, with git fast-import, a repository of files C files
// (one in 20 holding a kfunc set) and n commits changing 1-3 files each.
func benchRepo(b *testing.B, files, n int) string {
	b.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("the git command is not installed")
	}
	dir := b.TempDir()
	if out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	rnd := rand.New(rand.NewSource(1))
	content := make([][]string, files)
	for i := range content {
		var lines []string
		for j := 0; j < 400; j++ {
			lines = append(lines, fmt.Sprintf("static int f%d_%d(int x) { return x + %d; }", i, j, j))
		}
		if i%20 == 0 {
			lines = append(lines, "BTF_KFUNCS_START(set)", fmt.Sprintf("BTF_ID_FLAGS(func, bpf_k%d, KF_RCU)", i), "BTF_KFUNCS_END(set)")
		}
		content[i] = lines
	}
	var s bytes.Buffer
	mark := 0
	blob := func(lines []string) int {
		mark++
		data := strings.Join(lines, "\n") + "\n"
		fmt.Fprintf(&s, "blob\nmark :%d\ndata %d\n%s\n", mark, len(data), data)
		return mark
	}
	commit := func(i int, changed []int) {
		var ms []int
		for _, f := range changed {
			ms = append(ms, blob(content[f]))
		}
		when := 1700000000 + i*600
		msg := fmt.Sprintf("change %d", i)
		fmt.Fprintf(&s, "commit refs/heads/main\nauthor D <d@e> %d +0000\ncommitter D <d@e> %d +0000\ndata %d\n%s\n", when, when, len(msg), msg)
		for k, f := range changed {
			fmt.Fprintf(&s, "M 100644 :%d dir%d/file%d.c\n", ms[k], f%10, f)
		}
		s.WriteString("\n")
	}
	all := make([]int, files)
	for i := range all {
		all[i] = i
	}
	commit(0, all)
	for i := 1; i <= n; i++ {
		var changed []int
		for k := 0; k < 1+rnd.Intn(3); k++ {
			f := rnd.Intn(files)
			content[f] = slices.Insert(slices.Clone(content[f]), rnd.Intn(len(content[f])), fmt.Sprintf("/* change %d */", i))
			changed = append(changed, f)
		}
		slices.Sort(changed)
		commit(i, slices.Compact(changed))
	}
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Stdin = &s
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v %s", err, out)
	}
	if out, err := exec.Command("git", "-C", dir, "gc", "-q").CombinedOutput(); err != nil {
		b.Fatalf("gc: %v %s", err, out)
	}
	return dir
}

// BenchmarkRangeVsGitLog renders and selects N commits the way check -g
// does, and runs git log -p over the same range in the same run; the
// "ratio" metric is kfunccheck's time over git's (scripts/bench-git.sh does
// the same on the kernel's own kernel/ and net/ trees).
func BenchmarkRangeVsGitLog(b *testing.B) {
	const commits = 500
	UseFastSHA1() // as check -g and the pre-push hook do
	dir := benchRepo(b, 600, commits)
	rng := fmt.Sprintf("HEAD~%d..HEAD", commits)
	var ours, theirs time.Duration
	for b.Loop() {
		start := time.Now()
		repo, _, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		repo.SetSelector(KfuncSelector(nil))
		head, _ := repo.Resolve("HEAD")
		base, _ := repo.Resolve(fmt.Sprintf("HEAD~%d", commits))
		ids, _, err := repo.RevList([]string{head}, []string{base}, 0)
		if err != nil || len(ids) != commits {
			b.Fatalf("%d commits, %v", len(ids), err)
		}
		s := Series(repo, ids, dir)
		repo.Close()
		ours += time.Since(start)
		if len(s.Patches) != commits {
			b.Fatal("patches lost")
		}
		start = time.Now()
		if out, err := exec.Command("git", "-C", dir, "log", "-p", "--no-renames", rng).Output(); err != nil || len(out) == 0 {
			b.Fatal(err)
		}
		theirs += time.Since(start)
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "kfunccheck-ms/op")
	b.ReportMetric(float64(theirs.Milliseconds())/float64(b.N), "gitlog-ms/op")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
}
