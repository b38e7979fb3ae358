// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/rules"
)

func runExplain(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kfunccheck explain RULE_ID | --list")
		return 2
	}
	if args[0] == "--list" || args[0] == "-list" {
		for _, r := range rules.All {
			fmt.Fprintf(stdout, "%-32s %-8s %s\n", r.ID, r.Severity, r.Title)
		}
		return 0
	}
	r := rules.ByID(strings.ToUpper(args[0]))
	if r == nil {
		fmt.Fprintf(stderr, "kfunccheck: unknown rule %q (see kfunccheck explain --list)\n", args[0])
		return 2
	}
	fmt.Fprint(stdout, r.Explain())
	return 0
}
