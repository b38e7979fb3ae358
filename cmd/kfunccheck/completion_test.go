// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

// TestBashCompletion loads the generated script into a real bash and asks
// it to complete, the way readline does: the script calls the built
// binary back for the words, so this checks the whole path, not the
// script's text.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	// The script is bash-completion's client, as every bash completion
	// shipped by Debian is: the package provides _get_comp_words_by_ref.
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("bash-completion not installed (apt-get install bash-completion)")
	}
	bin := testbin.Path(t)
	script, _, rc := runCLI(t, "", "completion", "bash")
	if rc != 0 {
		t.Fatalf("completion bash: rc %d", rc)
	}
	path := filepath.Join(t.TempDir(), "kfunccheck.bash")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		line := strings.Join(words, " ")
		prog := "source " + bashCompletion + "\nsource " + path +
			// compopt works only inside a completion readline started.
			"\ncompopt() { :; }\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\nCOMP_LINE='" + line + "'\nCOMP_POINT=" + strconv.Itoa(len(line)) +
			"\nCOMP_TYPE=9\n__start_kfunccheck kfunccheck\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"kfunccheck", "ch"}, []string{"check"}},
		{[]string{"kfunccheck", "h"}, []string{"history", "hook"}},
		{[]string{"kfunccheck", "check", "--for"}, []string{"--format"}},
		{[]string{"kfunccheck", "check", "--format", ""}, []string{"json", "sarif", "b4"}},
		{[]string{"kfunccheck", "check", "--stable-l"}, []string{"--stable-list", "--stable-list-from"}},
		{[]string{"kfunccheck", "check", "--ignore", "STABLE_SIG"}, []string{"STABLE_SIGNATURE", "STABLE_SIGNATURE_COMPAT"}},
		{[]string{"kfunccheck", "check", "-"}, []string{"--git", "--repo", "--lore"}},
		{[]string{"kfunccheck", "btf", "c"}, []string{"compat"}},
		{[]string{"kfunccheck", "btf", "compat", "--ker"}, []string{"--kernel"}},
		{[]string{"kfunccheck", "explain", "STABLE_SIG"}, []string{"STABLE_SIGNATURE", "STABLE_SIGNATURE_COMPAT"}},
		{[]string{"kfunccheck", "bot", "once", "--mai"}, []string{"--maildir"}},
		{[]string{"kfunccheck", "bot", "s"}, []string{"status"}},
		{[]string{"kfunccheck", "history", "--re"}, []string{"--repo"}},
		{[]string{"kfunccheck", "completion", ""}, []string{"bash", "zsh", "fish"}},
	} {
		got := complete(tc.words...)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %q: %q missing from %q", tc.words, w, got)
			}
		}
		for _, g := range got {
			if !strings.HasPrefix(g, tc.words[len(tc.words)-1]) {
				t.Errorf("completing %q offers %q", tc.words, g)
			}
		}
	}
	// Descriptions are plain text: -h's argument names lose their quotes.
	if out, err := exec.Command(bin, "__complete", "check", "--stable").Output(); err != nil || strings.Contains(string(out), "`") ||
		!strings.Contains(string(out), "--stable-list\tFILE naming stable kfuncs") {
		t.Errorf("__complete check --stable: %v\n%s", err, out)
	}
	// Each subcommand offers its own flags only.
	for _, tc := range []struct {
		words []string
		not   string
	}{
		{[]string{"kfunccheck", "btf", "list", "--"}, "--kernel"},
		{[]string{"kfunccheck", "hook", "install", "--"}, "--show-merges"},
		{[]string{"kfunccheck", "bot", "status", "--"}, "--inbox"},
	} {
		if got := complete(tc.words...); slices.Contains(got, tc.not) || len(got) == 0 {
			t.Errorf("completing %q offers %q", tc.words, got)
		}
	}
}

// TestManPage renders the page with groff warning about everything but
// line breaking (a long URL cannot be adjusted, and that is fine):
// a page man(1) shows with broken escapes or requests fails here.
func TestManPage(t *testing.T) {
	page, _, rc := runCLI(t, "", "man")
	if rc != 0 {
		t.Fatalf("man: rc %d", rc)
	}
	for _, want := range []string{".TH KFUNCCHECK 1", ".SH CHECK", `\-\-stable\-list`, `.B \-g`, ".SH EXIT STATUS"} {
		if !strings.Contains(page, want) {
			t.Errorf("manual page lacks %q", want)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff not installed: the page's troff is not rendered")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-Wbreak", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff -ww: %v\n%s", err, out)
	}
}

// TestCompletionUnknownShell: an unknown shell is a usage error, not an
// empty script a user would source without noticing.
func TestCompletionUnknownShell(t *testing.T) {
	if _, stderr, rc := runCLI(t, "", "completion", "tcsh"); rc != 2 || !strings.Contains(stderr, "bash, zsh or fish") {
		t.Errorf("completion tcsh: rc %d, %q", rc, stderr)
	}
}

// TestFishCompletion loads the fish script into a real fish and asks it
// to complete (complete -C), with the built binary answering.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish not installed (apt-get install fish)")
	}
	bin := testbin.Path(t)
	script, _, rc := runCLI(t, "", "completion", "fish")
	if rc != 0 {
		t.Fatalf("completion fish: rc %d", rc)
	}
	path := filepath.Join(t.TempDir(), "kfunccheck.fish")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"kfunccheck ch", []string{"check"}},
		{"kfunccheck explain STABLE_SIG", []string{"STABLE_SIGNATURE", "STABLE_SIGNATURE_COMPAT"}},
		{"kfunccheck check --for", []string{"--format"}},
		{"kfunccheck check --format ", []string{"json", "sarif"}},
		{"kfunccheck bot once --mai", []string{"--maildir"}},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C '"+tc.line+"'")
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			word, desc, _ := strings.Cut(l, "\t")
			got = append(got, word)
			if strings.Contains(desc, "`") {
				t.Errorf("%q: description %q keeps help's quotes", tc.line, desc)
			}
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %q: %q missing from %q", tc.line, w, got)
			}
		}
	}
}
