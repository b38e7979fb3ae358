// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kfunccheck/kfunccheck/rules"
)

// cli is what every command reads from and writes to, and the exit code
// the command chose; tests give it buffers.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	code           int
}

// usageError is a mistake on the command line: exit 2, with a pointer to
// the command's help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// newRoot builds the command table: usage, help, completion and the
// manual page all come from it.
func (c *cli) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "kfunccheck",
		Short: "kfunccheck checks the stability contract of BPF kfuncs in kernel patches",
		Long: "kfunccheck checks the stability contract of BPF kfuncs in kernel patches: it finds every change a\n" +
			"patch makes to a kfunc's contract (KF_STABLE, KF_DEPRECATED, other KF_* flags, the prototype,\n" +
			"availability) and checks it against the stable-kfunc process; its text output is checkpatch's.\n\n" +
			"Exit codes: 0 clean, 1 findings (check: any reported, as checkpatch; the hook and the bot: the\n" +
			"policy's fail_on), 2 usage or input errors.",
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		// A bare "kfunccheck" is a mistake, not a request for help.
		Run: c.usageMistake,
	}
	root.SetVersionTemplate(strings.ReplaceAll(versionText(), "{{", "{{`{{`}}"))
	root.CompletionOptions.DisableDefaultCmd = true
	// A command that only holds subcommands (and runs to say so) shows
	// "kfunccheck bot [command]", not also a "kfunccheck bot [flags]" it
	// does not have.
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "{{if .Runnable}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		c.newCheckCmd(),
		c.newExplainCmd(),
		c.newHookCmd(),
		c.newBTFCmd(),
		c.newBotCmd(),
		c.newHistoryCmd(),
		c.newCompletionCmd(),
		c.newManCmd(),
		&cobra.Command{
			Use:   "version",
			Short: "print the version, VCS revision and Go version",
			Args:  cobra.NoArgs,
			Run:   func(*cobra.Command, []string) { fmt.Fprint(c.stdout, versionText()) },
		},
	)
	// Help lists flags in the order they are declared: checkpatch's
	// first, then kfunccheck's own.
	eachCommand(root, func(cmd *cobra.Command) { cmd.Flags().SortFlags = false })
	return root
}

// group makes a command that only holds subcommands: alone it is a usage
// error, and an unknown subcommand is named.
func (c *cli) group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		Run:   c.usageMistake,
	}
	g.AddCommand(subs...)
	return g
}

// usageMistake answers a command that needs more: its usage on stderr,
// exit 2.
func (c *cli) usageMistake(cmd *cobra.Command, _ []string) {
	cmd.SetOut(c.stderr)
	cmd.Usage()
	c.code = 2
}

// run is main without the process: tests call it directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	root := c.newRoot()
	if len(args) > 0 && args[0] == cobra.ShellCompRequestCmd {
		// Completion shows a flag's help as its description: without the
		// quotes that name the flag's argument in -h.
		plainUsage(root)
	}
	root.SetArgs(normalizeArgs(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err != nil {
		// Flag and argument errors alike: they are the command line's.
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(stderr, "%s: %v\nRun \"%s -h\" for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
		return 2
	}
	return c.code
}

// normalizeArgs keeps the spellings the flag package took before pflag:
// "-name" for a long flag (checkpatch's Getopt::Long takes it too), and
// "--color WHEN", whose value pflag would otherwise read as a path.
func normalizeArgs(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		cmd = root
	}
	known := func(name string) bool {
		return name == "help" || name == "version" && cmd == root || cmd.Flags().Lookup(name) != nil
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			if name, _, _ := strings.Cut(a[1:], "="); len(name) > 1 && known(name) {
				a = "-" + a
			}
		}
		if a == "--color" && i+1 < len(args) && isColorWord(args[i+1]) && cmd.Flags().Lookup("color") != nil {
			a += "=" + args[i+1]
			i++
		}
		out = append(out, a)
	}
	return out
}

// plainUsage drops the backquotes around argument names from the help of
// every flag.
func plainUsage(root *cobra.Command) {
	eachCommand(root, func(cmd *cobra.Command) {
		cmd.Flags().VisitAll(func(f *pflag.Flag) { f.Usage = strings.ReplaceAll(f.Usage, "`", "") })
	})
}

// eachCommand calls fn on cmd and every command below it.
func eachCommand(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, sub := range cmd.Commands() {
		eachCommand(sub, fn)
	}
}

// severityNames are the values of the flags that name a severity
// (model.ParseSeverity's), for completion.
var severityNames = []string{"error", "warning", "check"}

// completeRuleIDs completes rule IDs, each with its title.
func completeRuleIDs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var ids []string
	for _, r := range rules.All {
		ids = append(ids, r.ID+"\t"+r.Title)
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// flagValues lists a completion's fixed values.
func flagValues(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeValues registers fixed completions of a flag's values.
func completeValues(cmd *cobra.Command, flag string, values ...string) {
	if err := cmd.RegisterFlagCompletionFunc(flag, flagValues(values...)); err != nil {
		panic(err) // a flag name misspelt in the command table
	}
}

// visibleFlags lists a command's own flags in the order they were
// declared, as help shows them.
func visibleFlags(cmd *cobra.Command) []*pflag.Flag {
	var out []*pflag.Flag
	fs := cmd.LocalNonPersistentFlags()
	fs.SortFlags = false
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" && f.Name != "version" {
			out = append(out, f)
		}
	})
	return out
}
