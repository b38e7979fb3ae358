// SPDX-License-Identifier: GPL-2.0-only

package docstest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

func TestParseAndMatch(t *testing.T) {
	doc := "text\n```console\n$ kfunccheck explain --list | head -1\nSTABLE_PROMOTION_RATIONALE ...\n$ false \\\n  --x\n[exit 1]\n```\n" +
		"```sh\n$ not an example\n```\n" +
		"<!-- docstest: needs git pre-commit -->\n\n```console\n$ git --version\n...\n```\n" +
		"<!-- docstest: needs git -->\nprose\n```console\n$ true\n```\n" +
		"```yaml file=docs/examples/x.yml\na: 1\n```\n"
	d, err := Parse("d.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Blocks) != 3 || len(d.Blocks[0].Commands) != 2 {
		t.Fatalf("blocks %+v", d.Blocks)
	}
	c := d.Blocks[0].Commands
	if c[0].Line != 3 || len(c[0].Output) != 1 || c[1].Text != "false \\\n  --x" || c[1].Exit != 1 || len(c[1].Output) != 0 {
		t.Errorf("commands %+v", c)
	}
	if d.Blocks[0].Needs != nil || strings.Join(d.Blocks[1].Needs, " ") != "git pre-commit" || d.Blocks[2].Needs != nil {
		t.Errorf("needs %q %q %q", d.Blocks[0].Needs, d.Blocks[1].Needs, d.Blocks[2].Needs)
	}
	if len(d.Shown) != 1 || d.Shown[0].Path != "docs/examples/x.yml" || d.Shown[0].Text != "a: 1\n" {
		t.Errorf("shown %+v", d.Shown)
	}
	for _, bad := range []string{"```console\nno command\n```\n", "```console\n$ x\n", "```console\n```\n", "```toml file=x\na = 1\n"} {
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
		{"Subject: x\nb", "Subject: x\r\nb\r", true},
		{"a", "a\r\r\nb", false},
	} {
		if Match(strings.Split(tc.want, "\n"), strings.Split(tc.got, "\n")) != tc.ok {
			t.Errorf("Match(%q, %q) != %v", tc.want, tc.got, tc.ok)
		}
	}
}

// marker separates the commands' outputs in one shell's output.
const marker = "@@kfunccheck-docs-exit@@"

// docs reads README.md and docs/*.md.
func docs(t *testing.T) (root string, parsed []Doc) {
	t.Helper()
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
		d, err := Parse(rel, string(data))
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, d)
	}
	return root, parsed
}

// TestExamples runs every console example of README.md and docs/ with
// the kfunccheck just built, and compares what each command prints with
// the document.
func TestExamples(t *testing.T) {
	bin := testbin.Path(t)
	root, parsed := docs(t)
	n := 0
	for _, d := range parsed {
		for _, b := range d.Blocks {
			n += len(b.Commands)
			t.Run(fmt.Sprintf("%s:%d", b.File, b.Line), func(t *testing.T) {
				// Each block works in directories of its own.
				t.Parallel()
				for _, need := range b.Needs {
					if _, err := exec.LookPath(need); err != nil {
						t.Skipf("%s:%d runs %s, which is not installed (.ci/run installs it)", b.File, b.Line, need)
					}
				}
				runBlock(t, root, bin, b)
			})
		}
	}
	t.Logf("%d commands", n)
}

// env is the environment of the examples: a home and a TMPDIR of their
// own (what "mktemp -d" makes is removed with the test's directory), no
// colours, UTC, the C locale, no git configuration but an identity, and
// fixed git dates, so that the commits an example makes have the same
// ids on every machine.
func env(home, bin string) []string {
	tmp := filepath.Join(home, "tmp")
	os.Mkdir(tmp, 0o700)
	return append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home, "TMPDIR="+tmp, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "NO_COLOR=1", "TZ=UTC", "LC_ALL=C",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=Jane Developer",
		"GIT_AUTHOR_EMAIL=jane@example.org", "GIT_COMMITTER_NAME=Jane Developer", "GIT_COMMITTER_EMAIL=jane@example.org",
		"GIT_AUTHOR_DATE=2026-03-02T10:00:00Z", "GIT_COMMITTER_DATE=2026-03-02T10:00:00Z")
}

func runBlock(t *testing.T, root, bin string, b Block) {
	var script strings.Builder
	fmt.Fprintf(&script, "cd %q\n", root)
	for _, c := range b.Commands {
		fmt.Fprintf(&script, "%s\nkfc_rc=$?; echo; echo %s $kfc_rc\n", c.Text, marker)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script.String())
	cmd.Env = env(t.TempDir(), bin)
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

// TestShownFiles holds every block that shows a file of the repository
// to the file, and requires every file of docs/examples to be shown.
func TestShownFiles(t *testing.T) {
	root, parsed := docs(t)
	shown := map[string]bool{}
	for _, d := range parsed {
		for _, s := range d.Shown {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(s.Path)))
			if err != nil {
				t.Errorf("%s:%d: %v", s.File, s.Line, err)
				continue
			}
			if string(data) != s.Text {
				t.Errorf("%s:%d: the block is not %s:\n--- the document shows:\n%s--- the file holds:\n%s", s.File, s.Line, s.Path, s.Text, data)
			}
			shown[s.Path] = true
		}
	}
	err := filepath.WalkDir(filepath.Join(root, "docs", "examples"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if !shown[filepath.ToSlash(rel)] {
			t.Errorf("%s is shown by no document (a block with file=%s)", rel, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// TestFreshMachine runs README's example command as .ci/run finds it,
// with the kfunccheck just built in the place of "go run
// ./cmd/kfunccheck", and compares its output with the block after it,
// whose last line is what go run prints for an exit status other than 0.
// It also holds the test command to "go test ./..." and the packages its
// output block names to the packages of the repository.
func TestFreshMachine(t *testing.T) {
	bin := testbin.Path(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := FindFreshMachine(string(readme), "<!-- example-command -->")
	if err != nil {
		t.Fatal(err)
	}
	const goRun = "go run ./cmd/kfunccheck "
	if !strings.HasPrefix(ex.Command, goRun) {
		t.Fatalf("README.md:%d: the example command does not start with %q: %s", ex.Line, goRun, ex.Command)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", fmt.Sprintf("%q %s", bin, strings.TrimPrefix(ex.Command, goRun)))
	cmd.Dir = root
	cmd.Env = env(t.TempDir(), bin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimRight(out.String(), "\n")
	if code != 0 {
		got += fmt.Sprintf("\nexit status %d", code)
	}
	if !Match(ex.Output, strings.Split(got, "\n")) {
		t.Errorf("README.md:%d: %s\n--- README shows:\n%s\n--- it printed:\n%s", ex.Line, ex.Command, strings.Join(ex.Output, "\n"), got)
	}

	tc, err := FindFreshMachine(string(readme), "<!-- test-command -->")
	if err != nil {
		t.Fatal(err)
	}
	if tc.Command != "go test ./..." {
		t.Errorf("README.md:%d: the test command is %q, not go test ./...", tc.Line, tc.Command)
	}
	pkgLine := regexp.MustCompile(`^(?:ok  |\?   )\tgithub\.com/kfunccheck/kfunccheck/(\S+)\t`)
	n := 0
	for _, l := range tc.Output {
		if l == "..." {
			continue
		}
		m := pkgLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("README.md: the test command's output shows %q, not a line of go test", l)
			continue
		}
		n++
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("README.md: the test command's output names %s, which is no package of the repository", m[1])
		}
	}
	if n == 0 {
		t.Errorf("README.md: the test command's output names no package")
	}
}

// TestLinks requires every relative link of README.md and docs/ to name
// a file of the repository and, after "#", a heading of it.
func TestLinks(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	anchorsOf := map[string]map[string]bool{}
	linksOf := map[string][]Link{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		linksOf[f], anchorsOf[f] = Links(string(data))
	}
	n := 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		for _, l := range linksOf[f] {
			n++
			path, anchor, _ := strings.Cut(l.Target, "#")
			target := f
			if path != "" {
				target = filepath.Join(filepath.Dir(f), filepath.FromSlash(path))
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s:%d: %s: no such file", rel, l.Line, l.Target)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			anchors, ok := anchorsOf[target]
			if !ok {
				t.Errorf("%s:%d: %s: an anchor in a file that is not a document", rel, l.Line, l.Target)
			} else if !anchors[anchor] {
				t.Errorf("%s:%d: %s: no such heading", rel, l.Line, l.Target)
			}
		}
	}
	if n == 0 {
		t.Fatal("no links found")
	}
}

func TestLinksParse(t *testing.T) {
	links, anchors := Links("# A `b`: c's d\n## A `b`: c's d\n[x](f.md#y) `[z](no.md)` [w](https://e.org)\n```\n[v](no.md)\n```\n## STABLE_REMOVAL\n")
	if len(links) != 1 || links[0].Target != "f.md#y" || links[0].Line != 3 {
		t.Errorf("links %+v", links)
	}
	for _, a := range []string{"a-b-cs-d", "a-b-cs-d-1", "stable_removal"} {
		if !anchors[a] {
			t.Errorf("no anchor %q in %v", a, anchors)
		}
	}
}
