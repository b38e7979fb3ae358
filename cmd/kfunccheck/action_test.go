// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// TestGitHubAction reads action.yml as GitHub would and checks what it
// runs: a composite action that installs this module's binary, checks
// the range with flags check accepts, writes SARIF and uploads that file.
func TestGitHubAction(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name   string
		Inputs map[string]struct{ Default string }
		Runs   struct {
			Using string
			Steps []struct {
				ID    string
				Uses  string
				Run   string
				Shell string
				With  map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", action.Runs.Using)
	}
	var install, check, upload bool
	sarifOut := ""
	flagRE := regexp.MustCompile(`(?:^|\s)(--?[a-z][a-z-]*)`)
	for _, s := range action.Runs.Steps {
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %q: a composite run step needs a shell", s.Run)
		}
		switch {
		case strings.Contains(s.Run, "go install ./cmd/kfunccheck"):
			install = true
		case strings.Contains(s.Run, "kfunccheck\" check"):
			check = true
			sarifOut = s.ID
			for _, line := range strings.Split(s.Run, "\n") {
				if !strings.Contains(line, "kfunccheck\" check") && !strings.Contains(line, "args=") {
					continue
				}
				for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
					name := strings.TrimLeft(m[1], "-")
					fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
					addCheckFlags(fs, &checkFlags{})
					if fs.Lookup(name) == nil && fs.ShorthandLookup(name) == nil {
						t.Errorf("the action passes %s, which check does not know", m[1])
					}
				}
			}
			if !strings.Contains(s.Run, "--format sarif") || !strings.Contains(s.Run, `-g "$BASE..$HEAD"`) {
				t.Errorf("the check step does not write SARIF for the range:\n%s", s.Run)
			}
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = true
			if !strings.Contains(s.With["sarif_file"], "steps."+sarifOut+".outputs.sarif") {
				t.Errorf("upload-sarif uploads %q, not the check step's file", s.With["sarif_file"])
			}
		}
	}
	if !install || !check || !upload {
		t.Errorf("install %v, check %v, upload %v", install, check, upload)
	}
	for _, in := range []string{"base", "head", "stable-list", "upload-sarif"} {
		if _, ok := action.Inputs[in]; !ok {
			t.Errorf("input %s missing", in)
		}
	}
}
