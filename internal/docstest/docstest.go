// SPDX-License-Identifier: GPL-2.0-only

// Package docstest runs the console examples of the documentation and
// compares what they print with what the documentation shows, so that
// no command in README.md or docs/ can drift from the program.
//
// An example is a fenced block whose info string is "console". Each line
// that starts with "$ " is a command (a line ending in a backslash goes
// on); the lines after it, up to the next command, are what it prints,
// standard output and standard error as a terminal shows them. A line
// "..." stands for any number of lines; "[exit N]" as the last line of
// an output says the command exits with status N (0 otherwise). The
// commands of one block run in order in one shell, from the top of the
// repository, so that a block may cd or set a variable.
//
// An HTML comment "<!-- docstest: needs CMD... -->" on the line before a
// console block names the programs besides kfunccheck and a POSIX shell
// it runs (git, pre-commit): where one is missing the block is skipped
// with the reason, as every test of the project does with outside tools.
//
// A fenced block whose info string carries "file=PATH" (```yaml
// file=docs/examples/lefthook.yml) shows a file of the repository: its
// text must be the file's, so that a configuration the documentation
// shows is the one the tests run.
package docstest

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Command is one command of an example and what it prints.
type Command struct {
	// Line is the line of the document the command is on.
	Line int
	Text string
	// Output is what the command prints, line by line.
	Output []string
	// Exit is the exit status the document gives (0 when it gives none).
	Exit int
}

// Block is one console example.
type Block struct {
	File     string
	Line     int
	Commands []Command
	// Needs are the programs the block runs besides kfunccheck.
	Needs []string
}

// Shown is a fenced block that shows a file of the repository.
type Shown struct {
	File string
	Line int
	// Path is the file shown, relative to the top of the repository.
	Path string
	Text string
}

// Doc is what Parse finds in a document.
type Doc struct {
	Blocks []Block
	Shown  []Shown
}

var (
	exitRE  = regexp.MustCompile(`^\[exit (\d+)\]$`)
	needsRE = regexp.MustCompile(`^<!-- docstest: needs ([^>]*[^ >]) -->$`)
	fenceRE = regexp.MustCompile("^```([a-z]*)(.*)$")
	fileRE  = regexp.MustCompile(`(?:^| )file=([^ ]+)`)
)

// Parse finds the console examples and the shown files of a Markdown
// document.
func Parse(file, text string) (Doc, error) {
	var doc Doc
	var cur *Block
	var shown *Shown
	var cmd *Command
	var fence bool // inside a fenced block that is neither
	var needs []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	cont := false
	end := func() {
		if cmd != nil {
			if k := len(cmd.Output); k > 0 {
				if m := exitRE.FindStringSubmatch(cmd.Output[k-1]); m != nil {
					cmd.Exit, _ = strconv.Atoi(m[1])
					cmd.Output = cmd.Output[:k-1]
				}
			}
			cur.Commands = append(cur.Commands, *cmd)
			cmd = nil
		}
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		closing := strings.TrimSpace(line) == "```"
		switch {
		case fence:
			fence = !closing
		case shown != nil && closing:
			doc.Shown = append(doc.Shown, *shown)
			shown = nil
		case shown != nil:
			shown.Text += line + "\n"
		case cur == nil:
			m := fenceRE.FindStringSubmatch(strings.TrimSpace(line))
			switch {
			case m == nil:
				if strings.TrimSpace(line) != "" {
					needs = nil
					if nm := needsRE.FindStringSubmatch(strings.TrimSpace(line)); nm != nil {
						needs = strings.Fields(nm[1])
					}
				}
				continue
			case m[1] == "console" && m[2] == "":
				cur = &Block{File: file, Line: n, Needs: needs}
			case fileRE.MatchString(m[2]):
				shown = &Shown{File: file, Line: n, Path: fileRE.FindStringSubmatch(m[2])[1]}
			default:
				fence = true
			}
			needs = nil
		case closing:
			end()
			if len(cur.Commands) == 0 {
				return Doc{}, fmt.Errorf("%s:%d: a console block without a command", file, cur.Line)
			}
			doc.Blocks = append(doc.Blocks, *cur)
			cur = nil
		case cont:
			cmd.Text += "\n" + line
			cont = strings.HasSuffix(line, "\\")
		case strings.HasPrefix(line, "$ "):
			end()
			cmd = &Command{Line: n, Text: strings.TrimPrefix(line, "$ ")}
			cont = strings.HasSuffix(line, "\\")
		case cmd == nil:
			return Doc{}, fmt.Errorf("%s:%d: output before any command", file, n)
		default:
			cmd.Output = append(cmd.Output, line)
		}
	}
	switch {
	case cur != nil:
		return Doc{}, fmt.Errorf("%s:%d: a console block that does not end", file, cur.Line)
	case shown != nil:
		return Doc{}, fmt.Errorf("%s:%d: a file block that does not end", file, shown.Line)
	}
	return doc, sc.Err()
}

// Match reports whether got is what want shows: line by line, trailing
// blanks and carriage returns ignored (a terminal shows neither), a line "..." matching any number of lines and "..."
// inside a line any text (a temporary directory, a time).
func Match(want, got []string) bool {
	trim := func(ls []string) []string {
		out := make([]string, 0, len(ls))
		for _, l := range ls {
			out = append(out, strings.TrimRight(l, " \t\r"))
		}
		for len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
		return out
	}
	want, got = trim(want), trim(got)
	// memo[i][j]: want[i:] matches got[j:] (0 unknown, 1 yes, 2 no).
	memo := make([][]byte, len(want)+1)
	for i := range memo {
		memo[i] = make([]byte, len(got)+1)
	}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if memo[i][j] != 0 {
			return memo[i][j] == 1
		}
		var ok bool
		switch {
		case i == len(want):
			ok = j == len(got)
		case want[i] == "...":
			ok = match(i+1, j) || j < len(got) && match(i, j+1)
		default:
			ok = j < len(got) && lineMatch(want[i], got[j]) && match(i+1, j+1)
		}
		memo[i][j] = 2
		if ok {
			memo[i][j] = 1
		}
		return ok
	}
	return match(0, 0)
}

// lineMatch reports whether got is the line want shows, "..." in want
// matching any text.
func lineMatch(want, got string) bool {
	parts := strings.Split(want, "...")
	if len(parts) == 1 {
		return want == got
	}
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(got, p)
		if i < 0 {
			return false
		}
		got = got[i+len(p):]
	}
	return strings.HasSuffix(got, parts[len(parts)-1])
}

// FreshMachine is a command README.md gives for a fresh machine, as
// .ci/run finds it: the second line after its marker (the first is the
// opening of a ```sh block).
type FreshMachine struct {
	Line    int
	Command string
	// Output is the fenced block after the command's block, what the
	// README shows it prints.
	Output []string
}

// FindFreshMachine finds the command after marker in the README's text.
func FindFreshMachine(text, marker string) (FreshMachine, error) {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != marker {
			continue
		}
		if i+2 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```sh" {
			return FreshMachine{}, fmt.Errorf("line %d: %s is not followed by a ```sh block", i+1, marker)
		}
		fm := FreshMachine{Line: i + 3, Command: lines[i+2]}
		j := i + 3
		for j < len(lines) && strings.TrimSpace(lines[j]) != "```" {
			j++
		}
		if j != i+3 {
			return FreshMachine{}, fmt.Errorf("line %d: the ```sh block after %s holds more than one line; .ci/run runs only the first", i+3, marker)
		}
		// The output block: the next fence after a blank line.
		k := j + 1
		for k < len(lines) && strings.TrimSpace(lines[k]) == "" {
			k++
		}
		if k >= len(lines) || strings.TrimSpace(lines[k]) != "```" {
			return FreshMachine{}, fmt.Errorf("line %d: no output block after the command of %s", i+3, marker)
		}
		for k++; k < len(lines) && strings.TrimSpace(lines[k]) != "```"; k++ {
			fm.Output = append(fm.Output, lines[k])
		}
		return fm, nil
	}
	return FreshMachine{}, fmt.Errorf("no %s marker", marker)
}

// Link is a relative link of a document: a file of the repository and,
// after "#", a heading of it.
type Link struct {
	Line   int
	Target string
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	slugDrop  = regexp.MustCompile(`[^\p{L}\p{N}\s_-]`)
)

// Links returns the relative links of a Markdown document (not those in
// code), and the anchors its headings get, as GitHub makes them:
// lower case, punctuation dropped, spaces made hyphens, "-1", "-2", ...
// after a repeated one.
func Links(text string) (links []Link, anchors map[string]bool) {
	anchors = map[string]bool{}
	seen := map[string]int{}
	fence := false
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			slug := strings.ReplaceAll(slugDrop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
			if n := seen[slug]; n > 0 {
				anchors[fmt.Sprintf("%s-%d", slug, n)] = true
			} else {
				anchors[slug] = true
			}
			seen[slug]++
		}
		// Code spans hold no links.
		parts := strings.Split(line, "`")
		for j := 0; j < len(parts); j += 2 {
			for _, m := range linkRE.FindAllStringSubmatch(parts[j], -1) {
				if t := m[1]; !strings.Contains(t, "://") && !strings.HasPrefix(t, "mailto:") {
					links = append(links, Link{Line: i + 1, Target: t})
				}
			}
		}
	}
	return links, anchors
}
