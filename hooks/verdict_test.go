// SPDX-License-Identifier: GPL-2.0-only

package hooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/hooks"
	"github.com/kfunccheck/kfunccheck/patchcheck"
)

// TestVerdictUnreadableCommit removes the blob a pushed commit brings, so
// that the commit cannot be rendered: the run fails, and the verdict says
// a commit could not be read, not "0 error(s), 0 warning(s)".
func TestVerdictUnreadableCommit(t *testing.T) {
	w := newWorld(t, "sha1")
	w.am("topic", "main", "clean/reformat.patch")
	tip := strings.TrimSpace(w.git("rev-parse", "HEAD"))
	blob := strings.TrimSpace(w.git("rev-parse", "HEAD:kernel/bpf/helpers.c"))
	if err := os.Remove(filepath.Join(w.work, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatalf("the commit's blob is not a loose object: %v", err)
	}
	opt, _, err := patchcheck.LoadOptions(patchcheck.PolicyFrom{Trees: []string{w.work}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		byHand bool
		want   string
	}{
		{true, "checked 1 commit(s) of HEAD not on origin's remote-tracking refs: 1 commit could not be read.\n"},
		{false, "push refused: 1 commit could not be read, of 1 commit(s) pushed to origin.\n"},
	} {
		var stderr strings.Builder
		pp := &hooks.PrePush{Dir: w.work, Remote: "origin", URL: w.remote, Stderr: &stderr, Options: opt, ByHand: tc.byHand,
			Stdin: strings.NewReader("refs/heads/topic " + tip + " refs/heads/topic " + strings.Repeat("0", 40) + "\n")}
		code := pp.Run()
		out := stderr.String()
		if code != 1 || !strings.Contains(out, tc.want) || strings.Contains(out, "0 error(s)") || strings.Contains(out, "explain RULE_ID") {
			t.Errorf("by hand %v: exit %d, want 1 and %q:\n%s", tc.byHand, code, tc.want, out)
		}
		// The error itself is shown above the verdict.
		if !strings.Contains(out, "blob "+blob+" of kernel/bpf/helpers.c: not found") {
			t.Errorf("by hand %v: the read error is not shown:\n%s", tc.byHand, out)
		}
	}
}
