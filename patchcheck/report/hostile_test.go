// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// forged is what an attacker puts in every field that comes from outside:
// line breaks that would start a trailer, a checkpatch line or a workflow
// command, and terminal escapes.
const forged = "x\nAcked-by: Evil <e@example.org>\r\nReviewed-by: Evil\n::error::owned\nERROR: forged\x1b]0;t\x07\x1b[2J\u2028y\u202e"

var forgedLine = regexp.MustCompile(`(?m)^(Acked-by|Reviewed-by|ERROR: forged|::error::owned)`)

func hostileResult() *patchcheck.Result {
	p := &model.Patch{Source: "0001-" + forged + ".patch", Commit: "c0ffee" + forged, FromRepo: "/r",
		Subject: model.Subject{Raw: "[PATCH] " + forged}, Header: model.Header{MessageID: "id" + forged + "@h"},
		Files: []*model.FileDiff{{NewPath: "kernel/" + forged + ".c"}}}
	ch := &model.Change{Kfunc: "bpf_x" + forged, Kind: model.KindFlags, Pos: model.Pos{File: "kernel/" + forged + ".c", Line: 7},
		Detail: "detail " + forged, FlagsAdded: []string{"KF_" + forged}}
	return &patchcheck.Result{Patch: p, Changes: []*model.Change{ch}, Errors: []error{errors.New("unreadable " + forged)},
		Findings: []model.Finding{
			{Rule: "STABLE_REMOVAL", Severity: model.SeverityError, Kfunc: ch.Kfunc, Message: "removed " + forged,
				Pos: model.Pos{File: "kernel/" + forged + ".c", Line: 3, PatchLine: 9}, Quote: []string{"-" + forged}},
			{Rule: "STABLE_PROMOTION_RATIONALE", Severity: model.SeverityWarning, Kfunc: ch.Kfunc, Message: "message " + forged,
				Pos: model.Pos{PatchLine: 4}, Quote: []string{"Subject: " + forged}},
		}}
}

// TestEveryFormatOneLine feeds a result whose every outside field holds
// forged lines and terminal escapes to every format: no output line
// starts with a forged trailer, checkpatch line or workflow command, and
// no control character but newline and TAB reaches the output; JSON
// formats are checked on their decoded strings, which consumers print.
func TestEveryFormatOneLine(t *testing.T) {
	res := hostileResult()
	for _, name := range Formats {
		for i, topt := range []TextOptions{{}, {ShowTypes: true, Verbose: true, Changes: true, SummaryFile: true, IgnoredTypes: []string{forged}}, {Terse: true}, {Emacs: true}, {ShowFile: true}} {
			if name != "text" && i > 0 {
				continue
			}
			var out bytes.Buffer
			f, err := New(name, &out, topt, "test")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Patch(Unit{Result: res, Name: res.Patch.Source, Multi: true}); err != nil {
				t.Fatal(err)
			}
			f.InputError("in"+forged, errors.New("input "+forged))
			if err := f.End(Summary{Patches: 1, InputErrors: []string{"input " + forged}}); err != nil {
				t.Fatal(err)
			}
			texts := []string{out.String()}
			if name == "json" || name == "sarif" || name == "b4" {
				var v any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Fatalf("%s: %v\n%s", name, err, out.String())
				}
				texts = append(texts, decodedStrings(v)...)
				if name == "b4" {
					// b4 decodes details, a JSON list, once more.
					for _, s := range texts[1:] {
						var d any
						if json.Unmarshal([]byte(s), &d) == nil {
							texts = append(texts, decodedStrings(d)...)
						}
					}
				}
			}
			for i, s := range texts {
				if m := forgedLine.FindString(s); m != "" {
					t.Errorf("%s %+v (text %d): a forged line %q:\n%s", name, topt, i, m, s)
				}
				// (b4's details list its problems one per line.)
				if i > 0 && name != "b4" && strings.Contains(s, "Evil") && strings.ContainsAny(s, "\n") {
					t.Errorf("%s: a decoded string spans lines: %q", name, s)
				}
				for _, r := range s {
					if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x202e {
						t.Errorf("%s %+v (text %d): %U reached the output: %q", name, topt, i, r, s)
						break
					}
				}
			}
		}
	}
}

func decodedStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = append(out, decodedStrings(e)...)
		}
	case map[string]any:
		for k, e := range x {
			out = append(out, k)
			out = append(out, decodedStrings(e)...)
		}
	}
	return out
}
