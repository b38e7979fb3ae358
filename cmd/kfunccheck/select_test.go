// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"strings"
	"testing"
)

// TestTypesRunOnlyThoseRules runs the command: a patch whose only finding
// is STABLE_PROMOTION_RATIONALE is clean with --types of another rule and
// with --ignore of that one, and still fails without either.
func TestTypesRunOnlyThoseRules(t *testing.T) {
	patch := "../../testdata/examples/0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"
	if out, _, rc := runCLI(t, "", "check", "--show-types", patch); rc != 1 || !strings.Contains(out, "STABLE_PROMOTION_RATIONALE") {
		t.Fatalf("without --types: rc %d\n%s", rc, out)
	}
	for _, args := range [][]string{{"--types", "STABLE_REMOVAL"}, {"--ignore", "STABLE_PROMOTION_RATIONALE"}} {
		out, _, rc := runCLI(t, "", append(append([]string{"check", "--show-types"}, args...), patch)...)
		if rc != 0 || strings.Contains(out, "ERROR:") {
			t.Errorf("%v: rc %d\n%s", args, rc, out)
		}
	}
}
