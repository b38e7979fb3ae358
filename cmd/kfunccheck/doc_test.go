// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestPackageDocNamesEveryCommand holds the package comment's usage to
// the command table: every command and subcommand is named there.
func TestPackageDocNamesEveryCommand(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	usage := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^//\s+kfunccheck (\S+)(?: (\S+))?`).FindAllStringSubmatch(string(src), -1) {
		usage[m[1]] = true
		for _, sub := range strings.Split(m[2], "|") {
			usage[m[1]+" "+sub] = true
		}
	}
	root := (&cli{}).newRoot()
	eachCommand(root, func(cmd *cobra.Command) {
		if cmd == root || cmd.Hidden || cmd.Name() == "help" {
			return
		}
		path := strings.TrimPrefix(cmd.CommandPath(), "kfunccheck ")
		if !usage[path] {
			t.Errorf("the package comment of main.go does not name %q", path)
		}
	})
}
