// SPDX-License-Identifier: GPL-2.0-only

package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// tree writes a tree holding the policy text and the files given (name ->
// content; a content starting with "->" makes a symbolic link to the
// rest), and returns the policy file's path.
func tree(t *testing.T, policyText string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, FileName)
	if policyText != "" {
		if err := os.WriteFile(p, []byte(policyText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestTreeConfinement: what a tree's policy file names stays inside its
// directory, is a regular file of bounded size, and no error quotes what
// it read.
func TestTreeConfinement(t *testing.T) {
	t.Setenv("KFUNCCHECK_TEST_SECRET", "hunter2-token")
	outside := filepath.Join(t.TempDir(), "kfuncs.txt")
	if err := os.WriteFile(outside, []byte("bpf_a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		policy string
		files  map[string]string
		want   string // in the error; "" for no error
	}{
		{"absolute path", `stable_lists = ["/proc/self/environ"]`, nil, "only name files inside its directory"},
		{"parent", `stable_lists = ["../kfuncs.txt"]`, nil, `".."`},
		{"parent inside", `stable_lists = ["lists/../../kfuncs.txt"]`, nil, `".."`},
		{"home", `stable_lists = ["~/kfuncs.txt"]`, nil, "relative path"},
		{"symlink out", `stable_lists = ["kfuncs.txt"]`, map[string]string{"kfuncs.txt": "->" + outside}, "leads outside"},
		{"symlink to environ", `stable_lists = ["env.txt"]`, map[string]string{"env.txt": "->/proc/self/environ"}, "leads outside"},
		{"symlink to zero", `stable_lists = ["zero.txt"]`, map[string]string{"zero.txt": "->/dev/zero"}, "leads outside"},
		{"directory", `stable_lists = ["lists"]`, map[string]string{"lists/a.txt": "bpf_a\n"}, "not a regular file"},
		{"missing", `stable_lists = ["missing.txt"]`, nil, "no such file"},
		{"symlink inside", `stable_lists = ["current.txt"]`, map[string]string{"lists/v1.txt": "bpf_a\n", "current.txt": "->lists/v1.txt"}, ""},
		{"plain", `stable_lists = ["lists/v1.txt"]`, map[string]string{"lists/v1.txt": "bpf_a\n"}, ""},
		{"secret in a key", "hunter2-token = = 1\n", nil, "not valid TOML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tree(t, tc.policy, tc.files)
			f, err := Read(p, Tree)
			if err == nil {
				err = f.Apply(Default())
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error quotes what it read: %v", err)
			}
		})
	}
}

// TestTreePolicyFileItself: the policy file of a tree is a regular file
// inside it, of bounded size; an operator's may be anything readable, but
// is read only up to the bound.
func TestTreePolicyFileItself(t *testing.T) {
	t.Setenv("KFUNCCHECK_TEST_SECRET", "hunter2-token")
	for name, target := range map[string]string{"to environ": "/proc/self/environ", "to zero": "/dev/zero"} {
		dir := t.TempDir()
		p := filepath.Join(dir, FileName)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := Read(p, Tree)
		if err == nil || !strings.Contains(err.Error(), "leads outside") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v", name, err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %v", name, time.Since(start))
		}
	}
	big := tree(t, "# "+strings.Repeat("x", MaxFileSize)+"\n", nil)
	if _, err := Read(big, Tree); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("a policy file over the bound: %v", err)
	}
	start := time.Now()
	if _, err := Load("/dev/zero"); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("operator's /dev/zero: %v after %v", err, time.Since(start))
	}
}

// TestEveryKeyHasATightenRule: each key of the policy says how a tree's
// file may tighten it, so that a new key cannot be relaxed by default.
func TestEveryKeyHasATightenRule(t *testing.T) {
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			sf := typ.Field(i)
			name := sf.Tag.Get("toml")
			if name == "-" {
				continue
			}
			rule := sf.Tag.Get("tighten")
			switch rule {
			case "keep", "max", "failon", "union", "intersect", "flags", "severity":
			case "struct":
				walk(sf.Type, prefix+name+".")
			default:
				t.Errorf("%s%s: tighten rule %q", prefix, name, rule)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

// TestTighten: a tree's file over an operator's policy applies what makes
// it stricter, and notes each thing it would relax.
func TestTighten(t *testing.T) {
	ruleSeverity := func(id string) (model.Severity, bool) {
		switch id {
		case "STABLE_REMOVAL":
			return model.SeverityError, true
		case "DEPRECATION_DOCS", "STABLE_FLAGS":
			return model.SeverityWarning, true
		}
		return 0, false
	}
	p := tree(t, `stable_flag = "KF_MAYBE_STABLE"
ignore = ["STABLE_REMOVAL"]
fail_on = "warning"
min_deprecation_releases = 3
min_deprecation_days = 400
stable_series = ["v6.6.*"]
stable_lists = ["mine.txt"]
relaxing_suffixes = ["__nullable", "__whatever"]
not_kernel = []

[severity]
STABLE_REMOVAL = "check"
DEPRECATION_DOCS = "error"
NO_SUCH_RULE = "error"

[flags.KF_RET_NULL]
add = "breaking"
remove = "breaking"

[flags.KF_RCU]
add = "compatible"
remove = "breaking"

[flags.KF_SHINY]
add = "compatible"
remove = "compatible"

[flags.KF_STRICT]
add = "breaking"
remove = "breaking"

[type_aliases]
"struct task_struct" = "struct cgroup"

[text]
min_rationale_words = 40
production_words = ["production", "a word of my own"]
posting_links = ["example.org/r/"]
`, map[string]string{"mine.txt": "bpf_a\n"})
	f, err := Read(p, Tree)
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Severity = map[string]string{"STABLE_FLAGS": "error"}
	notes, err := f.Tighten(c, ruleSeverity)
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	checks := []struct {
		what string
		ok   bool
	}{
		{"stable_flag kept", c.StableFlag == "KF_STABLE"},
		{"ignore not applied", len(c.Ignore) == 0},
		{"fail_on tightened", c.FailOn == "warning"},
		{"min_deprecation_releases not lowered", c.MinDeprecationReleases == 10},
		{"min_deprecation_days raised", c.MinDeprecationDays == 400},
		{"stable_series added", slices.Equal(c.StableSeries, []string{"v6.6.*"})},
		{"stable list added", len(c.StableLists) == 1 && strings.HasSuffix(c.StableLists[0], "mine.txt")},
		{"relaxing suffixes only narrowed", slices.Equal(c.RelaxingSuffixes, []string{"__nullable"})},
		{"not_kernel narrowed", len(c.NotKernel) == 0},
		{"severity not lowered", c.Severity["STABLE_REMOVAL"] == ""},
		{"severity raised", c.Severity["DEPRECATION_DOCS"] == "error"},
		{"an operator's severity kept", c.Severity["STABLE_FLAGS"] == "error"},
		{"unknown rule left", c.Severity["NO_SUCH_RULE"] == ""},
		{"flag made stricter", c.Flags["KF_RET_NULL"].Remove == Breaking},
		{"flag not relaxed", c.Flags["KF_RCU"].Add == d.Flags["KF_RCU"].Add},
		{"lenient unknown flag left", c.Flags["KF_SHINY"].Add == ""},
		{"strict unknown flag taken", c.Flags["KF_STRICT"].Add == Breaking},
		{"aliases kept", c.TypeAliases["struct task_struct"] == ""},
		{"rationale words raised", c.Text.MinRationaleWords == 40},
		{"production words only narrowed", slices.Equal(c.Text.ProductionWords, []string{"production"})},
		{"posting links added", slices.Contains(c.Text.PostingLinks, "example.org/r/")},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s", ch.what)
		}
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"stable_flag", "ignore", "min_deprecation_releases", "relaxing_suffixes", "severity.STABLE_REMOVAL",
		"severity.NO_SUCH_RULE", "flags.KF_RCU", "flags.KF_SHINY", "type_aliases", "text.production_words"} {
		if !strings.Contains(joined, want+" not applied") {
			t.Errorf("no note for %s in:\n%s", want, joined)
		}
	}
	for _, quiet := range []string{"fail_on", "min_deprecation_days", "stable_series", "stable_lists", "flags.KF_STRICT", "text.posting_links"} {
		if strings.Contains(joined, quiet+" not applied") {
			t.Errorf("a note for %s, which tightens", quiet)
		}
	}
}

// TestKeysDocumented: every key of the policy has its row in
// docs/policy.md.
func TestKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			sf := typ.Field(i)
			name := sf.Tag.Get("toml")
			switch {
			case name == "-":
			case sf.Tag.Get("tighten") == "struct":
				walk(sf.Type, prefix+name+".")
			case !strings.Contains(string(doc), "| `"+prefix+name+"` |"):
				t.Errorf("docs/policy.md has no row for %s%s", prefix, name)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}
