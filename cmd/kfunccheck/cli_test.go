// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
	"github.com/spf13/cobra"
)

// allCommands lists every command of the table that runs, by its
// arguments ("bot once").
func allCommands(cmd *cobra.Command, path []string) [][]string {
	var out [][]string
	for _, sub := range cmd.Commands() {
		if sub.Hidden || sub.Name() == "help" {
			continue
		}
		p := append(slices.Clone(path), sub.Name())
		out = append(out, p)
		out = append(out, allCommands(sub, p)...)
	}
	return out
}

var helpFlagRE = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`)

// TestHelpOwnFlags: every command answers -h, --help and -help alike
// (usage on stdout, exit 0), and its help names its own flags and no
// other command's.
func TestHelpOwnFlags(t *testing.T) {
	root := (&cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}).newRoot()
	helpFlags := map[string][]string{}
	every := map[string]bool{}
	for _, args := range allCommands(root, nil) {
		for _, h := range []string{"-h", "--help", "-help"} {
			out, stderr, code := runCLI(t, "", append(slices.Clone(args), h)...)
			if code != 0 || stderr != "" || !strings.Contains(out, "Usage:") {
				t.Errorf("%v %s: exit %d, stderr %q\n%s", args, h, code, stderr, out)
				continue
			}
			if h != "-h" {
				continue
			}
			for _, m := range helpFlagRE.FindAllStringSubmatch(out, -1) {
				helpFlags[strings.Join(args, " ")] = append(helpFlags[strings.Join(args, " ")], m[1])
				every[m[1]] = true
			}
		}
	}
	own := func(args string) []string {
		cmd, _, err := root.Find(strings.Fields(args))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range visibleFlags(cmd) {
			names = append(names, f.Name)
		}
		return append(names, "help")
	}
	for args, listed := range helpFlags {
		want := own(args)
		for _, f := range listed {
			if !slices.Contains(want, f) {
				t.Errorf("%s -h lists --%s, not one of its flags", args, f)
			}
		}
		for _, f := range want {
			if !slices.Contains(listed, f) {
				t.Errorf("%s -h does not list its --%s", args, f)
			}
		}
	}
	// Known cases, so that the comparison above cannot pass on an empty
	// reading.
	for args, absent := range map[string]string{"btf list": "kernel", "hook install": "show-merges", "bot status": "inbox", "explain": "format"} {
		if slices.Contains(helpFlags[args], absent) || len(helpFlags[args]) < 2 {
			t.Errorf("%s -h: %v (want no --%s)", args, helpFlags[args], absent)
		}
	}
	if len(every) < 40 {
		t.Errorf("only %d flags read from the help texts", len(every))
	}
}

// TestFlagSpellings: a flag's value may follow it or an equals sign, a
// long flag may start with one dash (as the flag package and checkpatch's
// Getopt::Long take it), comma lists and repeats are the same, and flags
// may follow paths.
func TestFlagSpellings(t *testing.T) {
	prom := ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"
	flagsPatch := "../../rules/testdata/STABLE_FLAGS/flags-compatible.patch"
	for _, group := range [][][]string{
		{
			{"check", "--format", "json", prom},
			{"check", "--format=json", prom},
			{"check", "-format", "json", prom},
			{"check", "-format=json", prom},
			{"check", prom, "--format", "json"},
		},
		{
			{"check", "--show-types", "--terse", "--color", "never", prom},
			{"check", "--show-types", "--terse", "--color=never", prom},
			{"check", "-show-types", "-terse", "--no-color", prom},
			{"check", prom, "--terse", "--show-types", "--color=no"},
		},
		{
			{"check", "--ignore", "STABLE_FLAGS,STABLE_PROMOTION_RATIONALE", prom, flagsPatch},
			{"check", "--ignore", "STABLE_FLAGS", "--ignore", "stable_promotion_rationale", prom, flagsPatch},
			{"check", "--ignore=STABLE_FLAGS", prom, flagsPatch, "-ignore", "STABLE_PROMOTION_RATIONALE"},
		},
		{
			{"check", "-q", prom},
			{"check", "--quiet", prom},
			{"check", "-quiet", prom},
		},
		{
			{"explain", "--list"},
			{"explain", "-list"},
		},
	} {
		want, wantErr, wantCode := runCLI(t, "", group[0]...)
		if wantErr != "" || want == "" {
			t.Errorf("%q: stderr %q, stdout %q", group[0], wantErr, want)
		}
		for _, args := range group[1:] {
			got, gotErr, code := runCLI(t, "", args...)
			if got != want || gotErr != wantErr || code != wantCode {
				t.Errorf("%q differs from %q: exit %d/%d\n%s%s\n---\n%s%s", args, group[0], code, wantCode, got, gotErr, want, wantErr)
			}
		}
	}
	// "--color" alone is always, and the next argument stays a path.
	out, _, code := runCLI(t, "", "check", "--color", prom)
	if code != 1 || !strings.Contains(out, "\x1b[") {
		t.Errorf("--color alone: exit %d, no colour in\n%s", code, out)
	}
}

// FuzzCommandLine parses any command line through the command table, with
// every command's work replaced by nothing: parsing never panics, and a
// command line is either run or refused as a usage error.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"check\x00--color\x00never\x00x.patch",
		"check\x00-terse\x00-g\x00HEAD~3\x00--\x00-x",
		"bot\x00once\x00--inbox=a\x00--mbox\x00b\x00--state\x00s",
		"btf\x00compat\x00--kernel\x00k\x00p.o",
		"explain\x00-list",
		"hook\x00pre-push\x00origin\x00url",
		"--version", "help\x00check", "check\x00--color", "-", "--", "check\x00-=x\x00--=\x00---x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		if len(args) > 64 {
			args = args[:64]
		}
		c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		root := c.newRoot()
		eachCommand(root, func(cmd *cobra.Command) {
			if cmd.Run != nil {
				cmd.Run = func(*cobra.Command, []string) {}
			}
		})
		root.SetArgs(normalizeArgs(root, args))
		root.SetIn(strings.NewReader(""))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.ExecuteC()
	})
}

// TestColorOnTerminal runs the binary on a real pseudo-terminal (util-
// linux script): colours are on by default there, off with a non-empty
// NO_COLOR (no-color.org: an empty one does not count) or --color=never,
// and --color=always wins over NO_COLOR.
func TestColorOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed: no pseudo-terminal to run on")
	}
	bin := testbin.Path(t)
	prom, err := filepath.Abs(ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		noColor string // "-" for unset
		flag    string
		colour  bool
	}{
		{"-", "", true},
		{"", "", true},
		{"1", "", false},
		{"-", "--color=never", false},
		{"-", "--no-color", false},
		{"1", "--color=always", true},
	} {
		cmd := exec.Command(script, "-qec", bin+" check "+tc.flag+" "+prom, os.DevNull)
		env := []string{}
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "NO_COLOR=") {
				env = append(env, e)
			}
		}
		if tc.noColor != "-" {
			env = append(env, "NO_COLOR="+tc.noColor)
		}
		cmd.Env = env
		out, _ := cmd.Output() // exit 1: the patch has a finding
		if !strings.Contains(string(out), "ERROR") {
			t.Fatalf("NO_COLOR=%q %s: no report on the terminal:\n%q", tc.noColor, tc.flag, out)
		}
		if got := strings.Contains(string(out), "\x1b["); got != tc.colour {
			t.Errorf("NO_COLOR=%q %s: colour %v, want %v", tc.noColor, tc.flag, got, tc.colour)
		}
	}
}

// TestCheckpatchCommandLines: command lines written for checkpatch.pl run
// as they are; its options that tune its own style checks change nothing,
// --subjective is --strict, and its options that change what the input
// is are refused.
func TestCheckpatchCommandLines(t *testing.T) {
	sig := "../../rules/testdata/STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	strict, _, strictCode := runCLI(t, "", "check", "--strict", "--show-types", sig)
	for _, args := range [][]string{
		// NIPA's tests/patch/checkpatch/checkpatch.sh, with a file for -g HEAD.
		{"check", "--strict", "--codespell", "--max-line-length=80", "--ignore=SPACING_CAST,LONG_LINE", "--show-types", sig},
		{"check", "--subjective", "--no-tree", "--root", "/usr/src/linux", "--tab-size=8", "--show-types", sig},
		{"check", "--strict", "--show-types", "--no-signoff", "--summary-file", "--patch", sig},
	} {
		out, _, code := runCLI(t, "", args...)
		// What --ignore and --summary-file add, as checkpatch adds it
		// (TestCheckpatchDropInDetails holds those to the real script).
		out = regexp.MustCompile(`\nNOTE: (Used|Ignored) message types:.*\n`).ReplaceAllString(out, "")
		out = strings.ReplaceAll(out, sig+" total:", "total:")
		if out != strict || code != strictCode {
			t.Errorf("%q: exit %d, want %d as --strict alone:\n%s", args, code, strictCode, out)
		}
	}
	if !strings.Contains(strict, "CHECK:") {
		t.Fatalf("--strict shows no check-level finding:\n%s", strict)
	}
	for _, refused := range []string{"--fix", "--fix-inplace", "-f"} {
		if _, stderr, code := runCLI(t, "", "check", refused, sig); code != 2 || !strings.Contains(stderr, "unknown") {
			t.Errorf("%s: exit %d, %q", refused, code, stderr)
		}
	}
}
