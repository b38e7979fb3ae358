// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const corpus = "../../../shared/corpus/real-patches"

// corpusFiles lists the real patches of ../shared in a stable order, as
// the speed test hands them to grep and to kfunccheck.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("corpus not present (%v): it lives in ../shared beside the repository", err)
	}
	var files []string
	err := filepath.WalkDir(corpus, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "MANIFEST.tsv" || d.Name() == "README.md" {
			return err
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fixtureInputs lists every file and directory under root.
func fixtureInputs(t *testing.T, root string) []string {
	t.Helper()
	var in []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != root {
			in = append(in, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// runBoth runs check with and without the light reading and returns
// both outputs and exit codes.
func runBoth(t *testing.T, args []string) (light, full string, lightCode, fullCode int) {
	t.Helper()
	defer func(v bool) { lightRead = v }(lightRead)
	var out, errb bytes.Buffer
	lightRead = true
	lightCode = run(append([]string{"check"}, args...), strings.NewReader(""), &out, &errb)
	light = out.String() + errb.String()
	out.Reset()
	errb.Reset()
	lightRead = false
	fullCode = run(append([]string{"check"}, args...), strings.NewReader(""), &out, &errb)
	full = out.String() + errb.String()
	return light, full, lightCode, fullCode
}

// TestLightReadingSameOutput checks that reading messages without kfunc
// markers lightly, on every core, changes nothing in any output: the
// corpus, the examples and the rule fixtures, in text and JSON, each
// input alone and all at once.
func TestLightReadingSameOutput(t *testing.T) {
	sets := map[string][]string{
		"examples": fixtureInputs(t, "../../testdata"),
		"rules":    fixtureInputs(t, "../../rules/testdata"),
	}
	if _, err := os.Stat(corpus); err == nil {
		sets["corpus"] = corpusFiles(t)
	} else {
		t.Logf("corpus not present (%v): fixtures only", err)
	}
	for name, inputs := range sets {
		for _, format := range []string{"text", "json"} {
			args := append([]string{"--strict", "--show-types", "--format", format}, inputs...)
			light, full, lc, fc := runBoth(t, args)
			if light != full || lc != fc {
				t.Errorf("%s, %s: outputs differ (exit %d light, %d full)\n%s", name, format, lc, fc, firstDiff(light, full))
			}
		}
		if name == "corpus" {
			continue // one input at a time is the same path, 1,844 times
		}
		for _, in := range inputs {
			light, full, lc, fc := runBoth(t, []string{in})
			if light != full || lc != fc {
				t.Errorf("%s: outputs differ (exit %d light, %d full)\n%s", in, lc, fc, firstDiff(light, full))
			}
		}
	}
}

// TestCorpusErrorsKept checks that the light reading still refuses the
// two broken diffs of the corpus, with their places.
func TestCorpusErrorsKept(t *testing.T) {
	files := corpusFiles(t)
	var out, errb bytes.Buffer
	code := run(append([]string{"check", "-q"}, files...), nil, &out, &errb)
	if code != 2 {
		t.Errorf("exit code %d, want 2 (input errors)", code)
	}
	// The first error of each input that has any.
	var got []string
	seen := map[string]bool{}
	// Input errors go to stderr, as checkpatch's do.
	for _, l := range strings.Split(errb.String(), "\n") {
		if !strings.HasPrefix(l, "kfunccheck: ") {
			continue
		}
		if file, _, ok := strings.Cut(l, ".patch:"); ok && !seen[file] {
			seen[file] = true
			got = append(got, l)
		}
	}
	want := []string{
		"cgroups/775371b7c914-cgroup-avoid-thousands-of-wflex-array-member-not-at-end-warn.patch:195: hunk does not match its @@ counts",
		"linux-input/0b20501d4672-hid-asus-add-support-for-asus-n-key-keyboard.patch:89: hunk does not match its @@ counts",
	}
	if len(got) != len(want) {
		t.Fatalf("inputs with errors:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("input error %q, want one with %q", got[i], want[i])
		}
	}
}

// BenchmarkCorpusCheck runs the check command over the corpus in
// process, for profiles (-cpuprofile).
func BenchmarkCorpusCheck(b *testing.B) {
	if _, err := os.Stat(corpus); err != nil {
		b.Skipf("corpus not present (%v)", err)
	}
	var files []string
	filepath.WalkDir(corpus, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "MANIFEST.tsv" && d.Name() != "README.md" {
			files = append(files, path)
		}
		return err
	})
	args := append([]string{"check"}, files...)
	for b.Loop() {
		run(args, nil, io.Discard, io.Discard)
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\nlight: %q\nfull:  %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}

// TestCorpusSpeed times "grep -c BTF_ID_FLAGS" and "kfunccheck check"
// over the same corpus files, in the same run, and prints both and their
// ratio (best and median of several rounds). The goal is kfunccheck within
// 5x of grep; the test fails above KFUNCCHECK_MAX_GREP_RATIO (default 15,
// loose, since the machines it runs on are shared and noisy).
func TestCorpusSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("times the corpus")
	}
	files := corpusFiles(t)
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Skip("grep not found")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "kfunccheck")
	if out, err := exec.Command(gotool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Both write to the null device, as "> /dev/null" does: a pipe to
	// this process would time the copy as well.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	timeCmd := func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Stdout, cmd.Stderr = null, null
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return d
	}
	rounds := 7
	var g, k, in []time.Duration
	for range rounds {
		g = append(g, timeCmd(grep, append([]string{"-c", "BTF_ID_FLAGS"}, files...)...))
		k = append(k, timeCmd(bin, append([]string{"check"}, files...)...))
		start := time.Now()
		run(append([]string{"check"}, files...), nil, io.Discard, io.Discard)
		in = append(in, time.Since(start))
	}
	for _, d := range [][]time.Duration{g, k, in} {
		slices.Sort(d)
	}
	med := func(d []time.Duration) time.Duration { return d[len(d)/2] }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	t.Logf("%d files, best of %d (median):", len(files), rounds)
	t.Logf("  grep -c BTF_ID_FLAGS      %s (%s)", ms(g[0]), ms(med(g)))
	t.Logf("  kfunccheck check          %s (%s)", ms(k[0]), ms(med(k)))
	t.Logf("  check in process          %s (%s)", ms(in[0]), ms(med(in)))
	best, median := float64(k[0])/float64(g[0]), float64(med(k))/float64(med(g))
	t.Logf("  ratio kfunccheck/grep     %.1fx (median %.1fx)", best, median)
	limit := 15.0
	if v := os.Getenv("KFUNCCHECK_MAX_GREP_RATIO"); v != "" {
		if limit, err = strconv.ParseFloat(v, 64); err != nil {
			t.Fatalf("KFUNCCHECK_MAX_GREP_RATIO: %v", err)
		}
	}
	if best > limit {
		t.Errorf("kfunccheck takes %.1fx grep's time, above %.1fx", best, limit)
	}
}
