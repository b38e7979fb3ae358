// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

// SARIF streams a SARIF 2.1.0 log: one run, the rule metadata from the
// registry, one result per finding.
type SARIF struct {
	w       io.Writer
	version string
	n       int
	begun   bool
	index   map[string]int
}

// NewSARIF returns a SARIF formatter; version names the tool's version.
func NewSARIF(w io.Writer, version string) *SARIF {
	return &SARIF{w: w, version: version, index: map[string]int{}}
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration map[string]string `json:"defaultConfiguration"`
}

type sarifText struct {
	Text string `json:"text"`
}

// Level maps a severity to SARIF's levels.
func Level(s model.Severity) string {
	switch s {
	case model.SeverityError:
		return "error"
	case model.SeverityWarning:
		return "warning"
	}
	return "note"
}

func (s *SARIF) begin() error {
	if s.begun {
		return nil
	}
	s.begun = true
	var rs []sarifRule
	for i, r := range rules.All {
		s.index[r.ID] = i
		rs = append(rs, sarifRule{
			ID: r.ID, Name: camel(r.ID),
			ShortDescription:     sarifText{r.Title},
			FullDescription:      sarifText{strings.Join(strings.Fields(r.Doc), " ")},
			Help:                 sarifText{r.Explain()},
			DefaultConfiguration: map[string]string{"level": Level(r.Severity)},
		})
	}
	driver, err := json.Marshal(map[string]any{
		"name": "kfunccheck", "version": s.version,
		"informationUri": "https://github.com/kfunccheck/kfunccheck", "rules": rs,
	})
	if err != nil {
		return err
	}
	return writeString(s.w, `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":`+
		string(driver)+`},"results":[`)
}

func camel(id string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(id), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// Patch writes one result per finding.
func (s *SARIF) Patch(u Unit) error {
	if err := s.begin(); err != nil {
		return err
	}
	for _, f := range u.Result.Findings {
		uri, line := f.Pos.File, f.Pos.Line
		if uri == "" || line == 0 {
			uri, line = u.Result.Patch.Source, f.Pos.PatchLine
		}
		if line < 1 {
			line = 1
		}
		res := map[string]any{
			"ruleId": f.Rule, "ruleIndex": s.index[f.Rule], "level": Level(f.Severity),
			"message": sarifText{f.Message},
			"locations": []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": uri},
				"region":           map[string]int{"startLine": line},
			}}},
			"properties": map[string]any{"kfunc": f.Kfunc, "patch": u.Result.Patch.Source, "patchLine": f.Pos.PatchLine, "subject": u.Result.Patch.Subject.Raw},
		}
		if f.Waived {
			res["suppressions"] = []any{map[string]string{"kind": "inSource", "justification": f.WaiverReason}}
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if s.n > 0 {
			b = append([]byte{','}, b...)
		}
		s.n++
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// InputError is not part of SARIF results; the exit code carries it.
func (s *SARIF) InputError(string, error) error { return nil }

// End closes the log.
func (s *SARIF) End(Summary) error {
	if err := s.begin(); err != nil {
		return err
	}
	return writeString(s.w, "]}]}\n")
}
