// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
	"github.com/kfunccheck/kfunccheck/rules"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles the JSON schema in the file at path, with its
// formats asserted.
func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	name := filepath.Base(path)
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkOutputSchema(t *testing.T) *jsonschema.Schema {
	return compileSchema(t, "../../docs/check-output.schema.json")
}

func validateJSON(t *testing.T, s *jsonschema.Schema, out string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("not valid against docs/check-output.schema.json: %v\n%s", err, out)
	}
}

// TestJSONSchema validates check's JSON, in the shapes it takes, against
// the schema published in docs/, and holds summary.input_errors to
// listing every input that failed, whole or in part.
func TestJSONSchema(t *testing.T) {
	schema := checkOutputSchema(t)
	dir := t.TempDir()
	nul := filepath.Join(dir, "nul.patch")
	raw, err := os.ReadFile(ex + "0002-bpf-Remove-bpf_rdonly_cast.patch")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nul, append([]byte("From: a@b\nSubject: [PATCH] x\n\n\x00"), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.patch")
	os.WriteFile(good, raw, 0o644)
	missing := filepath.Join(dir, "missing.patch")
	runs := map[string][]string{
		"findings":   {"check", "--format", "json", good},
		"strict":     {"check", "--format", "json", "--strict", ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"},
		"no patch":   {"check", "--format", "json", filepath.Join(dir, "empty.patch")},
		"input errs": {"check", "--format", "json", good, missing, nul},
	}
	os.WriteFile(filepath.Join(dir, "empty.patch"), nil, 0o644)
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			out, _, _ := runCLI(t, "", args...)
			validateJSON(t, schema, out)
			var doc struct {
				Version int `json:"schema_version"`
				Summary struct {
					InputErrors []string `json:"input_errors"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Version != report.SchemaVersion {
				t.Fatalf("schema_version %d, %v", doc.Version, err)
			}
			if name == "input errs" {
				ie := strings.Join(doc.Summary.InputErrors, "\n")
				if len(doc.Summary.InputErrors) != 2 || !strings.Contains(ie, "missing.patch") || !strings.Contains(ie, "nul.patch") {
					t.Errorf("input_errors do not list every input that failed:\n%s", ie)
				}
			}
		})
	}
}

// TestJSONSchemaEveryField: a patch with every field of the document set
// validates, so a field added to the Go types without the schema fails
// (the schema admits no other property).
func TestJSONSchemaEveryField(t *testing.T) {
	schema := checkOutputSchema(t)
	p := &model.Patch{Source: "a.patch", Index: 1, Subject: model.Subject{Raw: "[PATCH] s"}, Commit: "c0ffee",
		Header: model.Header{MessageID: "a@b"}}
	ch := &model.Change{Kfunc: "bpf_x", Kind: model.KindFlags, Pos: model.Pos{File: "kernel/bpf/x.c", Line: 3},
		Detail: "d", Guess: "g", FlagsAdded: []string{"KF_A"}, FlagsRemoved: []string{"KF_B"},
		SigDiffs: []model.SigDiff{{What: "w"}},
		Access:   []model.AccessChange{{What: model.AccessGained}, {What: model.AccessLost}}}
	res := &patchcheck.Result{Patch: p, Changes: []*model.Change{ch}, Errors: []error{errors.New("e")},
		Findings: []model.Finding{{Rule: "STABLE_FLAGS", Severity: model.SeverityWarning, Kfunc: "bpf_x", Waived: true,
			Pos: model.Pos{File: "kernel/bpf/x.c", Line: 3, PatchLine: 9}, Message: "m"}}}
	var b strings.Builder
	f := report.NewJSON(&b)
	if err := f.Patch(report.Unit{Result: res, Name: "a.patch"}); err != nil {
		t.Fatal(err)
	}
	f.End(report.Summary{Patches: 1, Skipped: []rules.Skip{{Rule: "HISTORY_STABLE_SERIES", Reason: "r"}}})
	var doc map[string]any
	json.Unmarshal([]byte(b.String()), &doc)
	if _, ok := doc["summary"].(map[string]any)["skipped_rules"]; !ok {
		t.Error("summary field skipped_rules not set by the test: it no longer tests every field")
	}
	jp := doc["patches"].([]any)[0].(map[string]any)
	jc := jp["changes"].([]any)[0].(map[string]any)
	for _, k := range []string{"detail", "guess", "flags_added", "flags_removed", "signature_diffs", "availability_lost", "availability_gained", "summary"} {
		if _, ok := jc[k]; !ok {
			t.Errorf("change field %s not set by the test: it no longer tests every field", k)
		}
	}
	validateJSON(t, schema, b.String())
}
