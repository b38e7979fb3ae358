// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
)

// B4 writes b4's review check protocol: b4 passes one message on stdin and
// reads a JSON array of {tool, status, summary, url, details} on stdout,
// status being pass, warn or fail. As for b4's built-in checkpatch, details
// is a JSON list of {status, description}, one per finding.
type B4 struct {
	w        io.Writer
	url      string
	findings []b4Finding
	counts   Counts
	problems []string
}

type b4Finding struct {
	Status      string `json:"status"`
	Description string `json:"description"`
}

// NewB4 returns a formatter for b4; url points at the rules' documentation.
func NewB4(w io.Writer, url string) *B4 { return &B4{w: w, url: url} }

func b4Status(s model.Severity) string {
	if s == model.SeverityError {
		return "fail"
	}
	return "warn"
}

// Patch collects a patch's findings.
func (b *B4) Patch(u Unit) error {
	for _, f := range u.Result.Findings {
		b.counts.Add(f)
		b.findings = append(b.findings, b4Finding{Status: b4Status(f.Severity),
			Description: fmt.Sprintf("%s:%s: %s", f.Severity.Label(), f.Rule, oneline.String(f.Message))})
	}
	for _, e := range u.Result.Errors {
		b.problems = append(b.problems, oneline.String(e.Error()))
	}
	return nil
}

// InputError records an unreadable input.
func (b *B4) InputError(_ string, err error) error {
	b.problems = append(b.problems, oneline.String(err.Error()))
	return nil
}

// End writes the one result.
func (b *B4) End(Summary) error {
	res := map[string]string{"tool": "kfunccheck", "url": b.url}
	switch {
	case len(b.problems) > 0:
		res["status"], res["summary"] = "fail", "could not read the patch: "+b.problems[0]
		res["details"] = strings.Join(b.problems, "\n")
	case len(b.findings) == 0:
		res["status"], res["summary"] = "pass", "no stable-kfunc process problem"
	default:
		res["status"] = "warn"
		if b.counts.Errors > 0 {
			res["status"] = "fail"
		}
		var parts []string
		for _, c := range []struct {
			n    int
			word string
		}{{b.counts.Errors, "error"}, {b.counts.Warnings, "warning"}, {b.counts.Checks, "check"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s%s", c.n, c.word, map[bool]string{true: "s"}[c.n != 1]))
			}
		}
		res["summary"] = strings.Join(parts, ", ")
		d, err := json.Marshal(b.findings)
		if err != nil {
			return err
		}
		res["details"] = string(d)
	}
	out, err := json.Marshal([]map[string]string{res})
	if err != nil {
		return err
	}
	_, err = b.w.Write(append(out, '\n'))
	return err
}
