// SPDX-License-Identifier: GPL-2.0-only

package report

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
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
	// notes are the input errors, reported as the invocation's tool
	// execution notifications.
	notes []sarifNote
}

type sarifNote struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
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
	for _, e := range u.Result.Errors {
		s.notes = append(s.notes, sarifNote{Level: "error", Message: sarifText{oneline.String(u.Name + ": " + e.Error())}})
	}
	p := u.Result.Patch
	for _, f := range u.Result.Findings {
		res := map[string]any{
			"ruleId": f.Rule, "ruleIndex": s.index[f.Rule], "level": Level(f.Severity),
			"message":    sarifText{oneline.String(f.Message)},
			"properties": map[string]any{"kfunc": oneline.String(f.Kfunc), "patch": oneline.String(relative(p.Source)), "patchLine": f.Pos.PatchLine, "subject": oneline.String(p.Subject.Raw)},
		}
		file, line, inTree := TreePlace(u.Result, f)
		switch {
		case inTree:
			// A place in the kernel tree, relative to its root; for a
			// finding about a commit message, the kfunc's entry or
			// definition it is about.
			loc := map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": uriOf(file), "uriBaseId": "%SRCROOT%"},
				"region":           map[string]int{"startLine": line},
			}}
			if p.Commit != "" && p.FromRepo != "" && f.Pos.File == "" {
				commit := oneline.String(p.Commit)
				loc["logicalLocations"] = []any{map[string]string{
					"name": commit, "fullyQualifiedName": "commit " + commit, "kind": "object"}}
			}
			res["locations"] = []any{loc}
		default:
			// No place in the tree (a BTF file of btf diff): the input
			// itself is the place.
			line := f.Pos.PatchLine
			if line < 1 {
				line = 1
			}
			res["locations"] = []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": uriOf(relative(p.Source))},
				"region":           map[string]int{"startLine": line},
			}}}
		}
		if p.Commit != "" && p.FromRepo != "" {
			res["properties"].(map[string]any)["commit"] = oneline.String(p.Commit)
		}
		if f.Waived {
			res["suppressions"] = []any{map[string]string{"kind": "inSource", "justification": oneline.String(f.WaiverReason)}}
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

// InputError is recorded as a tool execution notification.
func (s *SARIF) InputError(input string, err error) error {
	s.notes = append(s.notes, sarifNote{Level: "error", Message: sarifText{oneline.String(err.Error())}})
	return nil
}

// End closes the log with the invocation: whether it ran to the end,
// and the inputs it could not read.
func (s *SARIF) End(Summary) error {
	if err := s.begin(); err != nil {
		return err
	}
	inv := map[string]any{"executionSuccessful": len(s.notes) == 0}
	if len(s.notes) > 0 {
		inv["toolExecutionNotifications"] = s.notes
	}
	b, err := json.Marshal([]any{inv})
	if err != nil {
		return err
	}
	return writeString(s.w, `],"invocations":`+string(b)+"}]}\n")
}

// relative turns a path under the current directory into a relative one
// (SARIF consumers resolve URIs against the checkout, never the
// runner's absolute directories); other absolute paths keep their base
// name only.
func relative(path string) string {
	if path == "" || path == "-" || !filepath.IsAbs(path) {
		return filepath.ToSlash(path)
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}
