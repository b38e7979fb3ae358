// SPDX-License-Identifier: GPL-2.0-only

package rules_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/rules"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md")

// reference renders the rules reference from the rule values, so that
// the documentation cannot drift from the rules.
func reference(list []*rules.Rule) string {
	var b strings.Builder
	b.WriteString("# Rules reference\n\n")
	b.WriteString("<!-- Generated from the rule values in rules/ by `go test ./rules -run TestReference -update`; do not edit. -->\n\n")
	b.WriteString("Each rule has an ID (what `--ignore`, `--types`, `[severity]` in the policy, waivers and JSON use),\n")
	b.WriteString("a default severity, and the facts it needs beyond the patch. `kfunccheck explain RULE_ID` prints the same text.\n\n")
	b.WriteString("| rule | severity | what it reports |\n|---|---|---|\n")
	for _, r := range list {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", r.ID, strings.ToLower(r.ID), r.Severity, strings.ReplaceAll(r.Title, "|", `\|`))
	}
	for _, r := range list {
		fmt.Fprintf(&b, "\n## %s\n\n**%s**: %s\n\n", r.ID, r.Severity, r.Title)
		for _, para := range strings.Split(strings.TrimSpace(r.Doc), "\n\n") {
			b.WriteString(strings.Join(strings.Fields(para), " ") + "\n\n")
		}
		for _, f := range r.Requires {
			if f != rules.FactSeries {
				fmt.Fprintf(&b, "Needs %s (%s); without it the rule is skipped, and the JSON summary says so (`skipped_rules`).\n\n", f, f.How())
			}
		}
		fmt.Fprintf(&b, "Reported:\n\n```\n%s\n```\n\nAccepted:\n\n```\n%s\n```\n", strings.TrimRight(r.Bad, "\n"), strings.TrimRight(r.Good, "\n"))
	}
	return b.String()
}

// TestReference holds docs/rules.md to the rule values; -update rewrites
// it.
func TestReference(t *testing.T) {
	const path = "../docs/rules.md"
	got := reference(rules.All)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./rules -run TestReference -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s is not what the rule values say: go test ./rules -run TestReference -update", path)
	}
}
