// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// checkpatchScript finds the kernel's scripts/checkpatch.pl: the
// KFUNCCHECK_CHECKPATCH variable (.ci/run sets it), Debian's
// linux-source tree, or the fixture scripts' source cache.
func checkpatchScript(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed; .ci/run installs it")
	}
	cands := []string{os.Getenv("KFUNCCHECK_CHECKPATCH")}
	g, _ := filepath.Glob("/usr/src/linux-source-*/scripts/checkpatch.pl")
	cands = append(cands, g...)
	if home, err := os.UserHomeDir(); err == nil {
		g, _ = filepath.Glob(filepath.Join(home, ".cache/kfunccheck-ksrc/*/scripts/checkpatch.pl"))
		// The newest first (full-6.12 before full-6.1): the drop-in is
		// measured against checkpatch.pl 6.12.
		slices.Sort(g)
		slices.Reverse(g)
		cands = append(cands, g...)
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	t.Skip("scripts/checkpatch.pl not found (set KFUNCCHECK_CHECKPATCH; .ci/run fetches it from Debian's linux-source-6.12)")
	return ""
}

var (
	findingRE = regexp.MustCompile(`^(.*?)(ERROR|WARNING|CHECK)(:[A-Z0-9_]+)?: .*$`)
	placeRE   = regexp.MustCompile(`^#\d+: `)
)

// shape reduces checkpatch-style output to its structure: rule texts,
// rule names, the quoted lines and the NOTE paragraphs (each tool's own
// words) are left out, every other line is kept as it is.
func shape(out, input string) []string {
	var keep []string
	lines := strings.Split(strings.ReplaceAll(out, input, "INPUT"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "NOTE:"):
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "      ") {
				i++
			}
			if n := len(keep); n > 0 && keep[n-1] == "" {
				keep = keep[:n-1]
			}
			continue
		case findingRE.MatchString(l):
			m := findingRE.FindStringSubmatch(l)
			typ := ""
			if m[3] != "" {
				typ = ":TYPE"
			}
			l = m[1] + m[2] + typ + ": MESSAGE"
		case placeRE.MatchString(l):
			keep = append(keep, l)
			for i+1 < len(lines) && lines[i+1] != "" {
				i++ // the quoted lines
			}
			continue
		}
		keep = append(keep, l)
	}
	return keep
}

// TestCheckpatchShape runs the real scripts/checkpatch.pl and kfunccheck
// on the same patches with the same options and compares their output
// line by line, but for the rule texts: kfunccheck is a drop-in where
// checkpatch is expected (b4, NIPA), summary, verdict, terse and emacs
// forms, "lines checked" and exit codes included.
func TestCheckpatchShape(t *testing.T) {
	checkpatchScript(t)
	dir := t.TempDir()
	clean, err := filepath.Abs(ex + "0004-bpf-Deprecate-bpf_cpumask_first.patch")
	if err != nil {
		t.Fatal(err)
	}
	// One error for each tool at the same line: the flags change breaks
	// a stable kfunc (kfunccheck), the same line ends in a space
	// (checkpatch).
	raw, err := os.ReadFile(ex + "0003-bpf-Make-bpf_task_acquire-sleepable.patch")
	if err != nil {
		t.Fatal(err)
	}
	oneError := filepath.Join(dir, "one-error.patch")
	bad := bytes.Replace(raw, []byte("KF_STABLE | KF_SLEEPABLE)\n"), []byte("KF_STABLE | KF_SLEEPABLE) \n"), 1)
	if bytes.Equal(bad, raw) {
		t.Fatal("the example changed: no line to add a trailing space to")
	}
	if err := os.WriteFile(oneError, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   []string
		inputs []string
	}{
		{"clean", nil, []string{clean}},
		{"clean terse", []string{"--terse"}, []string{clean}},
		{"clean quiet", []string{"-q"}, []string{clean}},
		{"clean no summary", []string{"--no-summary"}, []string{clean}},
		{"error", nil, []string{oneError}},
		{"error show types", []string{"--show-types"}, []string{oneError}},
		{"error emacs", []string{"--emacs"}, []string{oneError}},
		{"error terse", []string{"--terse"}, []string{oneError}},
		{"error terse show types", []string{"--terse", "--show-types"}, []string{oneError}},
		{"error quiet", []string{"-q"}, []string{oneError}},
		{"error no summary", []string{"--no-summary"}, []string{oneError}},
		{"error strict", []string{"--strict"}, []string{oneError}},
		{"two files", nil, []string{clean, oneError}},
		{"two files quiet", []string{"-q"}, []string{clean, oneError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// dir: checkpatch looks for a kernel tree around it.
			cp, _, cpCode := runCheckpatch(t, dir, "", append(slices.Clone(tt.opts), tt.inputs...)...)
			cpOut := bytes.NewBufferString(cp)
			out, stderr, code := runCLI(t, "", append(append([]string{"check", "--color", "never"}, tt.opts...), tt.inputs...)...)
			var want, got []string
			for _, in := range tt.inputs {
				want = shape(cpOut.String(), in)
				got = shape(out, in)
				cpOut.Reset()
				cpOut.WriteString(strings.Join(want, "\n"))
				out = strings.Join(got, "\n")
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") || code != cpCode {
				t.Errorf("checkpatch (exit %d):\n%s\nkfunccheck (exit %d):\n%s\n%s", cpCode, strings.Join(want, "\n"), code, strings.Join(got, "\n"), stderr)
			}
		})
	}
}

// TestCheckpatchOptionsKnown reads the real checkpatch.pl's GetOptions
// table: every checkpatch option kfunccheck takes, the ones that change
// nothing included, is one checkpatch has (a negated "!" option also as
// --no-NAME and --noNAME), so the list cannot invent spellings.
func TestCheckpatchOptionsKnown(t *testing.T) {
	data, err := os.ReadFile(checkpatchScript(t))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "\nGetOptions(")
	if !ok {
		t.Fatal("no GetOptions table in checkpatch.pl")
	}
	table, _, _ = strings.Cut(table, "\n)")
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`'([a-z|-]+)([!+]?)(?:=[a-z])?'`).FindAllStringSubmatch(table, -1) {
		for _, name := range strings.Split(m[1], "|") {
			known[name] = true
			if m[2] == "!" {
				known["no-"+name], known["no"+name] = true, true
			}
		}
	}
	if len(known) < 40 {
		t.Fatalf("read %d options from checkpatch.pl's GetOptions", len(known))
	}
	names := []string{"subjective", "nocolor", "no-color", "strict", "terse", "emacs", "show-types", "showfile",
		"no-summary", "q", "quiet", "v", "verbose", "mailback", "ignore", "types", "list-types", "color", "g", "git", "summary-file"}
	for _, o := range checkpatchTuning {
		names = append(names, o.name)
	}
	for _, n := range names {
		if !known[n] {
			t.Errorf("checkpatch.pl has no option --%s", n)
		}
	}
}

// runCheckpatch runs the real checkpatch.pl with args in dir and returns
// its standard output, its standard error and its exit code.
func runCheckpatch(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("perl", append([]string{checkpatchScript(t), "--no-tree", "--no-color"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("checkpatch: %v", err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

var totalRE = regexp.MustCompile(`(?m)^(.*)total: (\d+) errors, (\d+) warnings, (?:\d+ checks, )?(\d+) lines checked$`)

// TestCheckpatchLinesChecked compares "lines checked" with the real
// checkpatch.pl on hunks whose counting differs from a plain line count:
// a whole file deleted, a file added, the end of a file cut, a last line
// without a newline changed; read lightly and in full.
func TestCheckpatchLinesChecked(t *testing.T) {
	checkpatchScript(t)
	head := "From: A <a@example.org>\nSubject: [PATCH] x\n\nmsg\n\nSigned-off-by: A <a@example.org>\n---\n"
	del := "diff --git a/kernel/bpf/x.c b/kernel/bpf/x.c\ndeleted file mode 100644\nindex d68dd40..0000000\n--- a/kernel/bpf/x.c\n+++ /dev/null\n@@ -1,4 +0,0 @@\n-a\n-b\n-c\n-d\n"
	add := "diff --git a/kernel/bpf/y.c b/kernel/bpf/y.c\nnew file mode 100644\nindex 0000000..d68dd40\n--- /dev/null\n+++ b/kernel/bpf/y.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n"
	cut := "diff --git a/kernel/bpf/z.c b/kernel/bpf/z.c\nindex 1111111..2222222 100644\n--- a/kernel/bpf/z.c\n+++ b/kernel/bpf/z.c\n@@ -1,5 +1,3 @@\n int a;\n int b;\n int c;\n-int d;\n-int e;\n"
	nonl := "diff --git a/kernel/bpf/w.c b/kernel/bpf/w.c\nindex 1111111..2222222 100644\n--- a/kernel/bpf/w.c\n+++ b/kernel/bpf/w.c\n@@ -1,2 +1,2 @@\n int a;\n-int b;\n\\ No newline at end of file\n+int c;\n\\ No newline at end of file\n"
	mid := "diff --git a/kernel/bpf/v.c b/kernel/bpf/v.c\nindex 1111111..2222222 100644\n--- a/kernel/bpf/v.c\n+++ b/kernel/bpf/v.c\n@@ -1,4 +1,3 @@\n int a;\n-int b;\n int c;\n int d;\n"
	dir := t.TempDir()
	for name, body := range map[string]string{
		"deletion": del, "addition": add, "end cut": cut, "no newline": nonl, "middle": mid,
		"all": del + add + cut + nonl + mid,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".patch")
		if err := os.WriteFile(path, []byte(head+body+"-- \n2.39.5\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cp, _, _ := runCheckpatch(t, dir, "", path)
		want := totalRE.FindStringSubmatch(cp)
		if want == nil {
			t.Fatalf("%s: checkpatch printed no total:\n%s", name, cp)
		}
		for _, light := range []bool{true, false} {
			lightRead = light
			out, stderr, _ := runCLI(t, "", "check", path)
			lightRead = true
			got := totalRE.FindStringSubmatch(out)
			if got == nil || got[4] != want[4] {
				t.Errorf("%s (light %v): checkpatch checked %s lines, kfunccheck %v:\n%s%s", name, light, want[4], got, out, stderr)
			}
		}
	}
}

// TestCheckpatchDropInDetails holds each of these against the real
// checkpatch.pl: type names it does not know in --ignore/--types are
// taken in silence (b4 and NIPA count a line on stderr as a failure) and
// named in the closing "NOTE: Used/Ignored message types" lines, in any
// case; --summary-file starts the totals line with the input's name;
// standard input is named by its Subject, "Your patch" without one; an
// empty input prints nothing and exits 0; --list-types has checkpatch's
// header and numbering.
func TestCheckpatchDropInDetails(t *testing.T) {
	checkpatchScript(t)
	dir := t.TempDir()
	clean, _ := filepath.Abs(ex + "0004-bpf-Deprecate-bpf_cpumask_first.patch")
	removal, _ := filepath.Abs(ex + "0002-bpf-Remove-bpf_rdonly_cast.patch")
	cleanText, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	_, plainDiff, _ := strings.Cut(string(cleanText), "\n---\n")
	empty := filepath.Join(dir, "empty.patch")
	os.WriteFile(empty, nil, 0o644)
	noteRE := regexp.MustCompile(`(?m)^NOTE: (Used|Ignored) message types:.*$`)
	verdictRE := regexp.MustCompile(`(?m)^.* (has no obvious style problems and is ready for submission|has style problems, please review)\.$`)
	tests := []struct {
		name  string
		stdin string
		args  []string
		// what to compare: notes, the totals line, the verdict line,
		// the whole output.
		notes, total, verdict, whole bool
	}{
		{name: "unknown --ignore", args: []string{"--ignore", "FOO_BAR,SPACING", clean}, notes: true, verdict: true},
		{name: "unknown --types", args: []string{"--types", "nope_nope", clean}, notes: true, verdict: true},
		{name: "both, lower case, repeated", args: []string{"--ignore", "b_type, a_type", "--ignore", "a_type", "--types", "x", clean}, notes: true},
		{name: "terse has no notes", args: []string{"--terse", "--ignore", "FOO", clean}, notes: true, whole: true},
		{name: "summary-file", args: []string{"--summary-file", clean}, total: true},
		{name: "summary-file with findings", args: []string{"--summary-file", "--no-summary", removal}, total: true},
		{name: "stdin with a subject", stdin: string(cleanText), args: []string{"-"}, verdict: true},
		{name: "stdin, no subject", stdin: plainDiff, args: []string{"-"}, verdict: true},
		{name: "stdin without -", stdin: string(cleanText), verdict: true},
		{name: "empty file", args: []string{empty}, whole: true},
		{name: "empty stdin", args: []string{"-"}, whole: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cpArgs := tt.args
			if len(cpArgs) == 0 {
				cpArgs = []string{"-"} // checkpatch reads stdin only when told
			}
			cp, cpErr, cpCode := runCheckpatch(t, dir, tt.stdin, cpArgs...)
			out, stderr, code := runCLI(t, tt.stdin, append([]string{"check", "--color", "never"}, tt.args...)...)
			if cpErr != "" {
				t.Fatalf("checkpatch wrote on stderr: %s", cpErr)
			}
			if stderr != "" {
				t.Errorf("kfunccheck wrote on stderr (b4 and NIPA count it a failure): %q", stderr)
			}
			if code != cpCode && !strings.Contains(tt.name, "findings") {
				t.Errorf("exit %d, checkpatch %d", code, cpCode)
			}
			cmp := func(what string, want, got []string) {
				if strings.Join(want, "\n") != strings.Join(got, "\n") {
					t.Errorf("%s: checkpatch %q, kfunccheck %q\ncheckpatch:\n%s\nkfunccheck:\n%s", what, want, got, cp, out)
				}
			}
			if tt.notes {
				cmp("notes", noteRE.FindAllString(cp, -1), noteRE.FindAllString(out, -1))
			}
			if tt.verdict {
				cmp("verdict", verdictRE.FindAllString(cp, -1), verdictRE.FindAllString(out, -1))
			}
			if tt.total {
				var want, got []string
				for _, m := range totalRE.FindAllStringSubmatch(cp, -1) {
					want = append(want, m[1])
				}
				for _, m := range totalRE.FindAllStringSubmatch(out, -1) {
					got = append(got, m[1])
				}
				cmp("totals line prefix", want, got)
			}
			if tt.whole && tt.name != "terse has no notes" {
				cmp("output", []string{cp}, []string{out})
			}
		})
	}
	t.Run("list-types", func(t *testing.T) {
		cp, _, _ := runCheckpatch(t, dir, "", "--list-types")
		out, _, code := runCLI(t, "", "check", "--list-types")
		cpLines, lines := strings.Split(cp, "\n"), strings.Split(out, "\n")
		if code != 0 || len(lines) < 4 || strings.Join(lines[:2], "\n") != strings.Join(cpLines[:2], "\n") {
			t.Fatalf("header: checkpatch %q, kfunccheck %q", cpLines[:2], lines[:min(2, len(lines))])
		}
		row := regexp.MustCompile(`^(\d+)\t([A-Z0-9_]+)$`)
		for i, l := range lines[2 : len(lines)-1] {
			if m := row.FindStringSubmatch(l); m == nil || m[1] != strconv.Itoa(i+1) {
				t.Errorf("line %q is not checkpatch's \"N<TAB>TYPE\"", l)
			}
		}
		if !row.MatchString(cpLines[2]) {
			t.Errorf("checkpatch's own rows changed: %q", cpLines[2])
		}
	})
}
