// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
)

// JSONChange is one change in the JSON document (DESIGN.md §4).
type JSONChange struct {
	Kfunc   string   `json:"kfunc"`
	Kind    string   `json:"kind"`
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Detail  string   `json:"detail,omitempty"`
	Added   []string `json:"flags_added,omitempty"`
	Removed []string `json:"flags_removed,omitempty"`
	Diffs   []string `json:"signature_diffs,omitempty"`
	// Lost and Gained describe an availability change: "no longer
	// callable from BPF_PROG_TYPE_TRACING".
	Lost   []string `json:"availability_lost,omitempty"`
	Gained []string `json:"availability_gained,omitempty"`
	// Guess says what the change assumes, when it rests on a guess.
	Guess string `json:"guess,omitempty"`
	// Summary says what the change did in kfunc terms.
	Summary string `json:"summary,omitempty"`
}

// JSONFinding is one finding in the JSON document.
type JSONFinding struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Kfunc     string `json:"kfunc"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	PatchLine int    `json:"patch_line"`
	Message   string `json:"message"`
	Waived    bool   `json:"waived,omitempty"`
}

// JSONPatch is one patch in the JSON document.
type JSONPatch struct {
	Source    string        `json:"source"`
	Index     int           `json:"index"`
	Subject   string        `json:"subject"`
	MessageID string        `json:"message_id"`
	Commit    string        `json:"commit"`
	Changes   []JSONChange  `json:"changes"`
	Findings  []JSONFinding `json:"findings"`
	Errors    []string      `json:"errors,omitempty"`
}

// SchemaVersion is the version of the JSON document's shape, which
// docs/check-output.schema.json describes; it changes when a field is
// removed or changes meaning, not when one is added.
const SchemaVersion = 1

// JSON streams the document {"schema_version":1,"patches":[...],"summary":{...}}.
type JSON struct {
	w     io.Writer
	n     int
	begun bool
	// failed lists every input that failed, whole or in part, in order.
	failed []string
}

// NewJSON returns a JSON formatter writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w} }

func (j *JSON) begin() error {
	if j.begun {
		return nil
	}
	j.begun = true
	return writeString(j.w, fmt.Sprintf("{\"schema_version\":%d,\"patches\":[", SchemaVersion))
}

// ToJSON converts a unit to its JSON form. Every string taken from the
// input is rendered on one line with its control characters escaped
// (oneline.String), as in every other format: a consumer that prints a
// field cannot be made to print a forged line or a terminal escape.
func ToJSON(u Unit) JSONPatch {
	r := u.Result
	str := oneline.String
	p := JSONPatch{
		Source: str(r.Patch.Source), Index: r.Patch.Index, Subject: str(r.Patch.Subject.Raw),
		MessageID: str(r.Patch.Header.MessageID), Commit: str(r.Patch.Commit),
		Changes: []JSONChange{}, Findings: []JSONFinding{},
	}
	for _, c := range r.Changes {
		jc := JSONChange{Kfunc: str(c.Kfunc), Kind: string(c.Kind), File: str(c.Pos.File), Line: c.Pos.Line,
			Before: str(StateText(c, c.Before)), After: str(StateText(c, c.After)), Detail: str(c.Detail),
			Added: strs(c.FlagsAdded), Removed: strs(c.FlagsRemoved)}
		for _, d := range c.SigDiffs {
			jc.Diffs = append(jc.Diffs, str(d.What))
		}
		for _, a := range c.Access {
			if a.What == model.AccessGained {
				jc.Gained = append(jc.Gained, str(a.String()))
			} else {
				jc.Lost = append(jc.Lost, str(a.String()))
			}
		}
		jc.Guess = str(c.Guess)
		jc.Summary = str(c.Summary())
		p.Changes = append(p.Changes, jc)
	}
	for _, f := range r.Findings {
		p.Findings = append(p.Findings, JSONFinding{Rule: f.Rule, Severity: f.Severity.String(), Kfunc: str(f.Kfunc),
			File: str(f.Pos.File), Line: f.Pos.Line, PatchLine: f.Pos.PatchLine, Message: str(f.Message), Waived: f.Waived})
	}
	for _, e := range r.Errors {
		p.Errors = append(p.Errors, str(e.Error()))
	}
	return p
}

// strs renders each of a list of outside strings on one line.
func strs(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = oneline.String(s)
	}
	return out
}

// Patch writes one patch object.
func (j *JSON) Patch(u Unit) error {
	if err := j.begin(); err != nil {
		return err
	}
	p := ToJSON(u)
	for _, e := range p.Errors {
		// A patch read in part is an input that failed too.
		if src := p.Source; src != "" && !strings.HasPrefix(e, src+":") {
			e = src + ": " + e
		}
		j.failed = append(j.failed, e)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if j.n > 0 {
		b = append([]byte{','}, b...)
	}
	j.n++
	_, err = j.w.Write(append(b, '\n'))
	return err
}

// InputError is recorded in the summary.
func (j *JSON) InputError(_ string, err error) error {
	j.failed = append(j.failed, oneline.String(err.Error()))
	return nil
}

type jsonSummary struct {
	Patches     int      `json:"patches"`
	Errors      int      `json:"errors"`
	Warnings    int      `json:"warnings"`
	Checks      int      `json:"checks"`
	InputErrors []string `json:"input_errors"`
	// Skipped is omitted when empty, so that documents of runs that
	// skip nothing stay as they were.
	Skipped []jsonSkip `json:"skipped_rules,omitempty"`
}

type jsonSkip struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// End closes the document with the summary.
func (j *JSON) End(s Summary) error {
	if err := j.begin(); err != nil {
		return err
	}
	// Every input that failed: those reported to InputError, the
	// patches read in part, and any other the summary names.
	ie := append([]string{}, j.failed...)
	for _, e := range strs(s.InputErrors) {
		if !slices.Contains(ie, e) {
			ie = append(ie, e)
		}
	}
	js := jsonSummary{Patches: s.Patches, Errors: s.Counts.Errors, Warnings: s.Counts.Warnings, Checks: s.Counts.Checks, InputErrors: ie}
	for _, sk := range s.Skipped {
		js.Skipped = append(js.Skipped, jsonSkip{Rule: sk.Rule, Reason: sk.Reason})
	}
	b, err := json.Marshal(js)
	if err != nil {
		return err
	}
	return writeString(j.w, "],\"summary\":"+string(b)+"}\n")
}
