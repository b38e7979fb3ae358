// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kfunccheck/kfunccheck/rules"
)

func (c *cli) newExplainCmd() *cobra.Command {
	var list bool
	cmd := &cobra.Command{
		Use:   "explain RULE_ID | --list",
		Short: "show a rule's documentation (--list: all rules)",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeRuleIDs(cmd, args, toComplete)
		},
		Run: func(cmd *cobra.Command, args []string) {
			c.code = runExplain(list, args, c.stdout, c.stderr)
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list all rules: ID, severity and title")
	return cmd
}

func runExplain(list bool, args []string, stdout, stderr io.Writer) int {
	if list && len(args) == 0 {
		for _, r := range rules.All {
			fmt.Fprintf(stdout, "%-32s %-8s %s\n", r.ID, r.Severity, r.Title)
		}
		return 0
	}
	if list || len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kfunccheck explain RULE_ID | --list")
		return 2
	}
	r := rules.ByID(strings.ToUpper(args[0]))
	if r == nil {
		fmt.Fprintf(stderr, "kfunccheck: unknown rule %q (see kfunccheck explain --list)\n", args[0])
		return 2
	}
	fmt.Fprint(stdout, r.Explain())
	return 0
}
