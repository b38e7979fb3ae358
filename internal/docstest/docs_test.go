// SPDX-License-Identifier: GPL-2.0-only

package docstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

func TestParseAndMatch(t *testing.T) {
	doc := "text\n```console\n$ kfunccheck explain --list | head -1\nSTABLE_PROMOTION_RATIONALE ...\n$ false \\\n  --x\n[exit 1]\n```\n```sh\n$ not an example\n```\n"
	blocks, err := Parse("d.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || len(blocks[0].Commands) != 2 {
		t.Fatalf("blocks %+v", blocks)
	}
	c := blocks[0].Commands
	if c[0].Line != 3 || len(c[0].Output) != 1 || c[1].Text != "false \\\n  --x" || c[1].Exit != 1 || len(c[1].Output) != 0 {
		t.Errorf("commands %+v", c)
	}
	for _, bad := range []string{"```console\nno command\n```\n", "```console\n$ x\n", "```console\n```\n"} {
		if _, err := Parse("d.md", bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"a\nb", "a\nb\n", true},
		{"a\n...\nd", "a\nb\nc\nd", true},
		{"a\n...", "a", true},
		{"a\nb", "a\nc", false},
		{"a", "a\nb", false},
		{"...\nz", "a\nb", false},
		{"note: .../x.toml: ignore", "note: /tmp/a/b/x.toml: ignore", true},
		{"note: .../x.toml: ignore", "note: /tmp/a/b/x.toml: fail_on", false},
		{"a ... b ... c", "a 1 b 2 c", true},
	} {
		if Match(strings.Split(tc.want, "\n"), strings.Split(tc.got, "\n")) != tc.ok {
			t.Errorf("Match(%q, %q) != %v", tc.want, tc.got, tc.ok)
		}
	}
}

// marker separates the commands' outputs in one shell's output.
const marker = "@@kfunccheck-docs-exit@@"

// TestExamples runs every console example of README.md and docs/ with
// the kfunccheck just built, and compares what each command prints with
// the document.
func TestExamples(t *testing.T) {
	bin := testbin.Path(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		blocks, err := Parse(rel, string(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			t.Run(fmt.Sprintf("%s:%d", rel, b.Line), func(t *testing.T) { runBlock(t, root, bin, b) })
		}
	}
}

func runBlock(t *testing.T, root, bin string, b Block) {
	var script strings.Builder
	fmt.Fprintf(&script, "cd %q\n", root)
	for _, c := range b.Commands {
		fmt.Fprintf(&script, "%s\nkfc_rc=$?; echo; echo %s $kfc_rc\n", c.Text, marker)
	}
	home := t.TempDir()
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script.String())
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "NO_COLOR=1", "TZ=UTC", "LC_ALL=C",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Jane Developer",
		"GIT_AUTHOR_EMAIL=jane@example.org", "GIT_COMMITTER_NAME=Jane Developer", "GIT_COMMITTER_EMAIL=jane@example.org",
		"GIT_AUTHOR_DATE=2026-03-02T10:00:00Z", "GIT_COMMITTER_DATE=2026-03-02T10:00:00Z")
	out, _ := cmd.CombinedOutput()
	parts := strings.Split(string(out), "\n"+marker+" ")
	for i, c := range b.Commands {
		if i >= len(parts)-1 {
			t.Errorf("%s:%d: %s: did not finish; the shell printed:\n%s", b.File, c.Line, c.Text, out)
			return
		}
		got := parts[i]
		if i > 0 {
			// The part starts with the previous command's status line.
			_, got, _ = strings.Cut(got, "\n")
		}
		status, _, _ := strings.Cut(parts[i+1], "\n")
		code, _ := strconv.Atoi(strings.TrimSpace(status))
		gotLines := strings.Split(got, "\n")
		if !Match(c.Output, gotLines) || code != c.Exit {
			t.Errorf("%s:%d: $ %s\n--- the document shows (exit %d):\n%s\n--- it printed (exit %d):\n%s", b.File, c.Line, c.Text,
				c.Exit, strings.Join(c.Output, "\n"), code, got)
		}
	}
}
