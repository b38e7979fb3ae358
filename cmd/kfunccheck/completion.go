// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func (c *cli) newCompletionCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "a shell completion script: bash, zsh or fish",
		Long:      "completion writes a completion script for the shell; it asks kfunccheck itself what to complete,\nso rule IDs, formats and subcommands are always those of the binary.\n\n  source <(kfunccheck completion bash)\n  kfunccheck completion fish | source",
		ValidArgs: []string{"bash", "zsh", "fish"},
		Run: func(cmd *cobra.Command, args []string) {
			if len(args) != 1 {
				fmt.Fprintln(c.stderr, "usage: kfunccheck completion bash|zsh|fish")
				c.code = 2
				return
			}
			root := cmd.Root()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(c.stdout, true)
			case "zsh":
				err = root.GenZshCompletion(c.stdout)
			case "fish":
				err = root.GenFishCompletion(c.stdout, true)
			default:
				fmt.Fprintf(c.stderr, "kfunccheck: no completion for %q (bash, zsh or fish)\n", args[0])
				c.code = 2
				return
			}
			if err != nil {
				fmt.Fprintf(c.stderr, "kfunccheck: %v\n", err)
				c.code = 2
			}
		},
	}
}

func (c *cli) newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "the manual page (troff; man -l <(kfunccheck man))",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprint(c.stdout, manPage(cmd.Root()))
		},
	}
}

// manPage renders kfunccheck(1) from the command table: every command
// with its own flags, as its help lists them.
func manPage(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString(".TH KFUNCCHECK 1 \"\" \"kfunccheck " + Version + "\" \"User Commands\"\n")
	b.WriteString(".SH NAME\nkfunccheck \\- guard the stability contract of BPF kfuncs in Linux kernel patches\n")
	b.WriteString(".SH SYNOPSIS\n")
	leaves := manCommands(root)
	for _, cmd := range leaves {
		fmt.Fprintf(&b, ".B %s\n%s\n.br\n", manEscape(cmd.CommandPath()), manEscape(strings.TrimSpace(strings.TrimPrefix(cmd.UseLine(), cmd.CommandPath()))))
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", manEscape(strings.ReplaceAll(root.Long, "\n", " ")))
	for _, cmd := range leaves {
		title := strings.ToUpper(strings.TrimPrefix(cmd.CommandPath(), root.Name()+" "))
		fmt.Fprintf(&b, ".SH %s\n%s.\n", manEscape(title), manEscape(cmd.Short))
		if cmd.Long != "" {
			fmt.Fprintf(&b, ".PP\n%s\n", manEscape(strings.ReplaceAll(cmd.Long, "\n", " ")))
		}
		for _, f := range visibleFlags(cmd) {
			_, usage := pflag.UnquoteUsage(f)
			fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", manFlag(f), manEscape(usage))
		}
	}
	b.WriteString(".SH EXIT STATUS\n0 clean; 1 findings (check: any reported, as checkpatch; the hook and the bot: the policy's fail_on); 2 usage or input errors.\n")
	b.WriteString(".SH SEE ALSO\n.BR checkpatch.pl (1),\n.BR b4 (5)\n")
	return b.String()
}

// manCommands lists the commands that run, depth first, in the order the
// table declares them.
func manCommands(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range cmd.Commands() {
		if sub.Hidden || sub.Name() == "help" {
			continue
		}
		if sub.HasSubCommands() {
			out = append(out, manCommands(sub)...)
			continue
		}
		out = append(out, sub)
	}
	return out
}

// manFlag renders a flag's spellings and argument.
func manFlag(f *pflag.Flag) string {
	s := manEscape("--" + f.Name)
	if f.Shorthand != "" {
		s = manEscape("-"+f.Shorthand) + ", " + s
	}
	arg, _ := pflag.UnquoteUsage(f)
	if arg != "" && f.Value.Type() != "bool" {
		if f.NoOptDefVal != "" {
			return s + "[=\\fI" + manEscape(arg) + "\\fR]"
		}
		return s + " \\fI" + manEscape(arg) + "\\fR"
	}
	return s
}

func manEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
