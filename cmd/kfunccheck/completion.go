// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/rules"
)

// command is one command of the command table that completion and the
// manual page are generated from.
type command struct {
	name, summary string
	subcommands   []string
	// noFlags marks commands without a flag set: asking them for -h
	// would print their usage (or, for man, this very page).
	noFlags bool
}

// commands is the command table; the usage text says the same.
var commands = []command{
	{name: "check", summary: "check patches, mails, mboxes, series directories, commit ranges and threads"},
	{name: "explain", summary: "show a rule's documentation (--list: all rules)", noFlags: true},
	{name: "hook", summary: "the git pre-push hook", subcommands: []string{"install", "uninstall", "pre-push", "pre-commit"}},
	{name: "btf", summary: "what built kernels and BPF programs say", subcommands: []string{"list", "diff", "uses", "compat"}},
	{name: "bot", summary: "the mailing-list bot", subcommands: []string{"run", "once", "status", "check-config"}},
	{name: "history", summary: "kfunc contracts release by release"},
	{name: "completion", summary: "a shell completion script: bash, zsh or fish", subcommands: []string{"bash", "zsh", "fish"}, noFlags: true},
	{name: "man", summary: "the manual page (troff)", noFlags: true},
	{name: "version", summary: "the version, VCS revision and Go version", noFlags: true},
}

// flagDoc is one flag as its flag set documents it.
type flagDoc struct {
	name, arg, doc string
}

// spelled is how the flag is written on a command line: the flag package
// takes -x and --x alike; the usual spelling is -x for one letter, --name
// otherwise.
func (f flagDoc) spelled() string {
	if len(f.name) == 1 {
		return "-" + f.name
	}
	return "--" + f.name
}

var flagLineRE = regexp.MustCompile(`^  -(\S+)(?: (\S+))?$`)

// listFlagDefinitions makes a command whose usage is hand-written print
// the flag package's listing too, while flagsOf reads it.
var listFlagDefinitions bool

// flagsOf asks a command for its flags the way a user does (CMD -h) and
// reads the flag package's listing back: the definitions stay in one
// place, the flag sets.
func flagsOf(args ...string) []flagDoc {
	var out bytes.Buffer
	listFlagDefinitions = true
	defer func() { listFlagDefinitions = false }()
	run(append(args, "-h"), strings.NewReader(""), io.Discard, &out)
	var flags []flagDoc
	for _, l := range strings.Split(out.String(), "\n") {
		if m := flagLineRE.FindStringSubmatch(l); m != nil {
			flags = append(flags, flagDoc{name: m[1], arg: m[2]})
			continue
		}
		if n := len(flags); n > 0 && strings.HasPrefix(l, "    \t") {
			flags[n-1].doc = strings.TrimSpace(flags[n-1].doc + " " + strings.TrimSpace(l))
		}
	}
	return flags
}

// flagsFor returns the flags of a command and, where it has them, of its
// subcommands, merged.
func flagsFor(c command) []flagDoc {
	if c.noFlags {
		return nil
	}
	flags := flagsOf(c.name)
	for _, sub := range c.subcommands {
		for _, f := range flagsOf(c.name, sub) {
			if !slices.ContainsFunc(flags, func(g flagDoc) bool { return g.name == f.name }) {
				flags = append(flags, f)
			}
		}
	}
	return flags
}

func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kfunccheck completion bash|zsh|fish")
		return 2
	}
	switch args[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion())
	case "zsh":
		// zsh runs bash completion functions through bashcompinit.
		fmt.Fprint(stdout, "#compdef kfunccheck\nautoload -U +X bashcompinit && bashcompinit\n"+bashCompletion())
	case "fish":
		fmt.Fprint(stdout, fishCompletion())
	default:
		fmt.Fprintf(stderr, "kfunccheck: no completion for %q (bash, zsh or fish)\n", args[0])
		return 2
	}
	return 0
}

func bashCompletion() string {
	var b strings.Builder
	b.WriteString("# kfunccheck completion for bash (kfunccheck completion bash)\n_kfunccheck() {\n")
	b.WriteString("\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}\n")
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	fmt.Fprintf(&b, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(names, " "))
	b.WriteString("\tcase \"$cmd\" in\n")
	for _, c := range commands {
		var words []string
		if c.name == "explain" {
			words = append(words, "--list")
			for _, r := range rules.All {
				words = append(words, r.ID)
			}
		}
		words = append(words, c.subcommands...)
		for _, f := range flagsFor(c) {
			words = append(words, f.spelled())
		}
		fmt.Fprintf(&b, "\t%s) COMPREPLY=($(compgen -W %q -- \"$cur\"));;\n", c.name, strings.Join(words, " "))
	}
	b.WriteString("\tesac\n\t[ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n}\ncomplete -o filenames -F _kfunccheck kfunccheck\n")
	return b.String()
}

func fishCompletion() string {
	var b strings.Builder
	b.WriteString("# kfunccheck completion for fish (kfunccheck completion fish)\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "complete -c kfunccheck -n '__fish_use_subcommand' -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range commands {
		cond := "__fish_seen_subcommand_from " + c.name
		for _, sub := range c.subcommands {
			fmt.Fprintf(&b, "complete -c kfunccheck -n '%s' -a %s\n", cond, sub)
		}
		if c.name == "explain" {
			for _, r := range rules.All {
				fmt.Fprintf(&b, "complete -c kfunccheck -n '%s' -a %s -d %s\n", cond, r.ID, fishQuote(r.Title))
			}
		}
		for _, f := range flagsFor(c) {
			req := ""
			if f.arg != "" {
				req = " -r"
			}
			opt := "-l"
			if len(f.name) == 1 {
				opt = "-s"
			}
			fmt.Fprintf(&b, "complete -c kfunccheck -n '%s' %s %s%s -d %s\n", cond, opt, f.name, req, fishQuote(f.doc))
		}
	}
	return b.String()
}

func fishQuote(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "..."
	}
	// In fish's single quotes only \\ and \' are escapes.
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// manPage renders kfunccheck(1) from the command table and the flag sets.
func manPage() string {
	var b strings.Builder
	b.WriteString(".TH KFUNCCHECK 1 \"\" \"kfunccheck " + Version + "\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nkfunccheck \\- guard the stability contract of BPF kfuncs in Linux kernel patches\n")
	b.WriteString(".SH SYNOPSIS\n")
	for _, c := range commands {
		fmt.Fprintf(&b, ".B kfunccheck %s\n", c.name)
		if len(c.subcommands) > 0 {
			fmt.Fprintf(&b, "%s\n", strings.Join(c.subcommands, "|"))
		}
		b.WriteString(".br\n")
	}
	b.WriteString(".SH DESCRIPTION\nkfunccheck reads patches the way they travel, finds every change a patch makes to a kfunc's contract " +
		"(KF_STABLE, KF_DEPRECATED, other KF_* flags, the prototype, availability) and checks it against the stable-kfunc process; " +
		"its text output is checkpatch's.\n")
	for _, c := range commands {
		fmt.Fprintf(&b, ".SH %s\n%s.\n", strings.ToUpper(c.name), manEscape(c.summary))
		for _, f := range flagsFor(c) {
			arg := ""
			if f.arg != "" {
				arg = " \\fI" + f.arg + "\\fR"
			}
			fmt.Fprintf(&b, ".TP\n.B %s%s\n%s\n", manEscape(f.spelled()), arg, manEscape(f.doc))
		}
	}
	b.WriteString(".SH EXIT STATUS\n0 clean; 1 findings (check: any reported, as checkpatch; the hook and the bot: the policy's fail_on); 2 usage or input errors.\n")
	b.WriteString(".SH SEE ALSO\n.BR checkpatch.pl (1),\n.BR b4 (5)\n")
	return b.String()
}

func manEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
