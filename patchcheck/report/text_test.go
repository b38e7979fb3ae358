// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// TestTextTerminalSafe: control characters from input (a patch's name,
// file, quoted lines, messages, input errors) never reach the terminal
// raw; they are shown escaped.
func TestTextTerminalSafe(t *testing.T) {
	evil := "x\x1b]0;owned\x07\x1b[2J\r\x9by"
	p := &model.Patch{Source: "0001-" + evil + ".patch"}
	res := &patchcheck.Result{Patch: p, Errors: []error{errors.New("bad " + evil)},
		Findings: []model.Finding{{Rule: "STABLE_REMOVAL", Severity: model.SeverityError, Message: "removed " + evil,
			Pos: model.Pos{File: "kernel/" + evil + ".c", Line: 3, PatchLine: 9}, Quote: []string{"-" + evil}}}}
	for _, opt := range []TextOptions{{}, {Emacs: true}, {ShowFile: true}, {Terse: true}} {
		var out bytes.Buffer
		tx := NewText(&out, opt)
		if err := tx.Patch(Unit{Result: res, Name: p.Source, Multi: true}); err != nil {
			t.Fatal(err)
		}
		tx.InputError("in", errors.New("unreadable "+evil))
		s := out.String()
		for _, c := range []string{"\x1b", "\x07", "\r", "\x9b"} {
			if strings.Contains(s, c) {
				t.Errorf("%+v: %q reached the output:\n%q", opt, c, s)
			}
		}
		if !strings.Contains(s, `removed x\x1b]0;owned\x07`) {
			t.Errorf("%+v: escapes not shown:\n%s", opt, s)
		}
		if !opt.Terse && !opt.Emacs && !strings.Contains(s, `"kernel/x\033]0;owned\a\033[2J\r\233y.c"`) {
			t.Errorf("%+v: the file name is not quoted as git quotes it:\n%s", opt, s)
		}
	}
}
