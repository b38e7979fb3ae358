// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFSchema validates kfunccheck's SARIF against the SARIF 2.1.0
// JSON schema (OASIS, errata01; vendored in patchcheck/report/testdata) in
// every shape it takes: findings in the kernel tree, findings about a
// patch file's message and about a commit's, waivers, input errors, and
// the kernel-to-kernel diff. It also holds the output to what GitHub's
// code scanning ingests: a rule ID, a message text, and a location for
// every result, URIs relative to the checkout.
func TestSARIFSchema(t *testing.T) {
	schema := compileSchema(t, "../../patchcheck/report/testdata/sarif-schema-2.1.0.json")
	// The schema is enforced: a result with a level SARIF does not know
	// is refused.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"level":"fatal","message":{"text":"m"}}]}]}`))
	if schema.Validate(bad) == nil {
		t.Fatal("the schema accepts an unknown level: it is not enforced")
	}
	needGit(t)
	repo, cases := fixtureRepo(t)
	branch := fixtureBranch(t, cases, "STABLE_PROMOTION_RATIONALE/promote-no-rationale.patch")
	runs := map[string][]string{
		"kernel-tree findings": {"check", "--format", "sarif", ex + "0002-bpf-Remove-bpf_rdonly_cast.patch"},
		"patch message":        {"check", "--format", "sarif", ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"},
		"commit message":       {"check", "--format", "sarif", "--repo", repo, "-g", "main.." + branch},
		"waiver":               {"check", "--format", "sarif", "--strict", "--stable-list", filepath.Join(t.TempDir(), "none"), "../../rules/testdata/clean/waiver-ok.patch"},
		"input error":          {"check", "--format", "sarif", filepath.Join(t.TempDir(), "missing.patch")},
		"btf diff":             {"btf", "diff", "--format", "sarif", "--stable-list", bt + "stable.txt", bt + "old.btf", bt + "new.btf"},
	}
	// The waiver case needs its stable list: make it.
	list := filepath.Join(t.TempDir(), "stable.txt")
	if err := os.WriteFile(list, []byte("bpf_dynptr_slice\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs["waiver"][4] = list
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			out, _, _ := runCLI(t, "", args...)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
			if err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("not valid SARIF 2.1.0: %v", err)
			}
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID    string                `json:"ruleId"`
						Message   struct{ Text string } `json:"message"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string } `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
			for _, r := range log.Runs {
				for _, res := range r.Results {
					// Code scanning refuses a result without
					// physicalLocation.artifactLocation.uri.
					if res.RuleID == "" || res.Message.Text == "" || len(res.Locations) == 0 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
						t.Errorf("a result GitHub cannot show: %+v", res)
					}
				}
			}
			if strings.Contains(out, `"uri":"/`) {
				t.Errorf("an absolute URI:\n%s", out)
			}
		})
	}
}
