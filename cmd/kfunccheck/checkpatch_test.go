// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	script := checkpatchScript(t)
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
			cmd := exec.Command("perl", append(append([]string{script, "--no-tree", "--no-color"}, tt.opts...), tt.inputs...)...)
			cmd.Dir = dir // checkpatch looks for a kernel tree around it
			var cpOut bytes.Buffer
			cmd.Stdout = &cpOut
			cpCode := 0
			if err := cmd.Run(); err != nil {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatalf("checkpatch: %v", err)
				}
				cpCode = ee.ExitCode()
			}
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
		"no-summary", "q", "quiet", "v", "verbose", "mailback", "ignore", "types", "list-types", "color", "g", "git"}
	for _, o := range checkpatchTuning {
		names = append(names, o.name)
	}
	for _, n := range names {
		if !known[n] {
			t.Errorf("checkpatch.pl has no option --%s", n)
		}
	}
}
