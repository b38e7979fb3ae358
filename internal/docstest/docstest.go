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
}

var exitRE = regexp.MustCompile(`^\[exit (\d+)\]$`)

// Parse finds the console examples of a Markdown document.
func Parse(file, text string) ([]Block, error) {
	var blocks []Block
	var cur *Block
	var cmd *Command
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
		switch {
		case cur == nil && strings.TrimSpace(line) == "```console":
			cur = &Block{File: file, Line: n}
		case cur == nil:
		case strings.TrimSpace(line) == "```":
			end()
			if len(cur.Commands) == 0 {
				return nil, fmt.Errorf("%s:%d: a console block without a command", file, cur.Line)
			}
			blocks = append(blocks, *cur)
			cur = nil
		case cont:
			cmd.Text += "\n" + line
			cont = strings.HasSuffix(line, "\\")
		case strings.HasPrefix(line, "$ "):
			end()
			cmd = &Command{Line: n, Text: strings.TrimPrefix(line, "$ ")}
			cont = strings.HasSuffix(line, "\\")
		case cmd == nil:
			return nil, fmt.Errorf("%s:%d: output before any command", file, n)
		default:
			cmd.Output = append(cmd.Output, line)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: a console block that does not end", file, cur.Line)
	}
	return blocks, sc.Err()
}

// Match reports whether got is what want shows: line by line, trailing
// blanks ignored, a line "..." matching any number of lines and "..."
// inside a line any text (a temporary directory, a time).
func Match(want, got []string) bool {
	trim := func(ls []string) []string {
		out := make([]string, 0, len(ls))
		for _, l := range ls {
			out = append(out, strings.TrimRight(l, " \t"))
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
