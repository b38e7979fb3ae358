// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/kfunccheck/kfunccheck/hooks/bot"
	"github.com/spf13/cobra"
)

func (c *cli) newBotStatusCmd() *cobra.Command {
	var state, format, botConfig string
	cmd := &cobra.Command{
		Use:   "status (--state FILE | --bot-config FILE) [--format text|json]",
		Short: "series and replies by state, overall and per list, and each list's position, read from the state file (read only)",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			c.code = runBotStatus(state, botConfig, format, c.stdout, c.stderr)
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "the bot's state `FILE`")
	cmd.Flags().StringVar(&botConfig, "bot-config", "", "the bot configuration `FILE`: its state (unless --state), and its lists' names")
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json")
	completeValues(cmd, "format", "text", "json")
	return cmd
}

// runBotStatus prints what a bot's state file says, read only, so that it
// can be asked while the bot runs.
func runBotStatus(state, botConfig, format string, stdout, stderr io.Writer) int {
	// names gives a list's name in the configuration file, by its id.
	names := map[string]string{}
	if botConfig != "" {
		f, probs := loadBotConfig(botConfig)
		if len(probs) > 0 {
			for _, p := range probs {
				fmt.Fprintf(stderr, "kfunccheck bot status: %s\n", p)
			}
			return 2
		}
		if state == "" {
			state = f.value("state")
		}
		for _, l := range f.Lists {
			names[l.List.ID()] = l.Name
		}
	}
	if state == "" || format != "text" && format != "json" {
		fmt.Fprint(stderr, "usage: kfunccheck bot status (--state FILE | --bot-config FILE) [--format text|json]\n")
		return 2
	}
	named := func(id string) string {
		if n := names[id]; n != "" {
			return n + " (" + id + ")"
		}
		return id
	}
	st, err := bot.ReadStatus(state)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck bot status: %v\n", err)
		return 2
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			fmt.Fprintf(stderr, "kfunccheck bot status: %v\n", err)
			return 2
		}
		return 0
	}
	counts := func(name string, m map[string]int) string {
		total := 0
		var keys []string
		for k, n := range m {
			keys = append(keys, k)
			total += n
		}
		slices.Sort(keys)
		out := fmt.Sprintf("%s: %d", name, total)
		for _, k := range keys {
			out += fmt.Sprintf(", %s %d", k, m[k])
		}
		return out
	}
	fmt.Fprintln(stdout, counts("series", st.Series))
	fmt.Fprintln(stdout, counts("replies", st.Replies))
	fmt.Fprintf(stdout, "unreadable archive messages: %d\n", st.Skipped)
	// Each list: its positions, then its series and their replies (a
	// series sent to two lists counts on both).
	byList := map[string]bot.ListCounts{}
	for _, c := range st.ByList {
		byList[c.List] = c
	}
	perList := func(list string) {
		c := byList[list]
		delete(byList, list)
		fmt.Fprintf(stdout, "  %s; %s\n", counts("series", c.Series), counts("replies", c.Replies))
	}
	for i, l := range st.Lists {
		if l.FirstPass {
			fmt.Fprintf(stdout, "list %s: read whole each pass (first pass %s)\n", named(l.List), l.Time.Format(time.RFC3339))
		} else {
			fmt.Fprintf(stdout, "list %s: epoch %d at %.12s (%s)\n", named(l.List), l.Epoch, l.Commit, l.Time.Format(time.RFC3339))
		}
		if i+1 == len(st.Lists) || st.Lists[i+1].List != l.List {
			perList(l.List)
		}
	}
	// Lists with series but no position: a legacy single-list state's
	// inbox, and the series of no recorded list.
	rest := slices.Sorted(maps.Keys(byList))
	for _, name := range rest {
		if name == bot.UnknownList {
			fmt.Fprintf(stdout, "%s: series from before kfunccheck recorded their lists\n", name)
		} else {
			fmt.Fprintf(stdout, "list %s:\n", named(name))
		}
		perList(name)
	}
	return 0
}
