// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const ex = "../../testdata/examples/"

// TestMain removes the binary the process tests built (testbin).
func TestMain(m *testing.M) { testbin.Main(m) }

func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// TestGolden compares whole outputs of the main formats with golden files;
// go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"text-promotion", []string{"check", ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"}},
		{"text-show-types-strict-series", []string{"check", "--show-types", "--strict", ex + "series-deprecate-then-remove"}},
		{"text-terse-emacs", []string{"check", "--terse", "--emacs", "--show-types", ex + "0003-bpf-Make-bpf_task_acquire-sleepable.patch"}},
		{"text-showfile", []string{"check", "--showfile", ex + "0002-bpf-Remove-bpf_rdonly_cast.patch"}},
		{"text-clean", []string{"check", ex + "0004-bpf-Deprecate-bpf_cpumask_first.patch"}},
		{"text-multiple-inputs", []string{"check", "--no-summary", ex + "0002-bpf-Remove-bpf_rdonly_cast.patch", ex + "quilt-flags-breaking.diff"}},
		{"text-verbose", []string{"check", "-v", ex + "0003-bpf-Make-bpf_task_acquire-sleepable.patch"}},
		{"text-quiet-clean", []string{"check", "-q", ex + "0004-bpf-Deprecate-bpf_cpumask_first.patch"}},
		{"text-changes", []string{"check", "--changes", ex + "0004-bpf-Deprecate-bpf_cpumask_first.patch", ex + "series-deprecate-then-remove"}},
		{"json-thread", []string{"check", "--format", "json", ex + "thread-v1-v2.mbox.gz"}},
		{"sarif-removal", []string{"check", "--format=sarif", ex + "0002-bpf-Remove-bpf_rdonly_cast.patch"}},
		{"github-promotion", []string{"check", "--format", "github", ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"}},
		{"explain", []string{"explain", "STABLE_REMOVAL"}},
		{"explain-list", []string{"explain", "--list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			got := out + "exit: " + itoa(code) + "\n"
			if stderr != "" {
				got += "stderr:\n" + stderr
			}
			path := filepath.Join("testdata", "golden", tt.name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lying := write("lying.patch", "Subject: x\n\n---\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,9 +1,9 @@\n-a\n+b\n")
	text := write("notes.txt", "Just some notes.\nNo diff here.\n")
	stable := write("stable.txt", "# kfuncs our project depends on\nbpf_dynptr_slice\n")
	badList := write("bad.txt", "bpf_ok\nnot a name\n")
	demote := write(".kfunccheck.toml", "[severity]\nSTABLE_PROMOTION_RATIONALE = \"warning\"\n")
	typo := write("typo.toml", "stable_flagg = \"KF_X\"\n")
	sig := "../../rules/testdata/STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	prom := ex + "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch"
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{"findings", []string{"check", prom}, 1, "ERROR: bpf_cgroup_acquire: KF_STABLE added without a rationale"},
		{"malformed hunk", []string{"check", lying}, 2, "kfunccheck: " + lying + ":7: hunk does not match its @@ counts"},
		{"no diff", []string{"check", text}, 2, "no patch found"},
		{"missing file", []string{"check", filepath.Join(dir, "nope")}, 2, "no such file"},
		{"unknown flag", []string{"check", "--frobnicate", prom}, 2, "unknown flag: --frobnicate"},
		{"unknown format", []string{"check", "--format", "xml", prom}, 2, "unknown --format"},
		// As checkpatch 6.12: taken in silence, named in the closing note.
		{"unknown rule named", []string{"check", "--ignore", "NO_SUCH_RULE,LONG_LINE", prom}, 1, `NOTE: Ignored message types: LONG_LINE NO_SUCH_RULE`},
		{"ignore", []string{"check", "--ignore", "stable_promotion_rationale", prom}, 0, "ready for submission"},
		{"types", []string{"check", "--types", "STABLE_REMOVAL", prom}, 0, "ready for submission"},
		{"flags after paths", []string{"check", prom, "--ignore=STABLE_PROMOTION_RATIONALE"}, 0, "ready for submission"},
		{"fail-on warning", []string{"check", "--fail-on", "warning", "--strict", "../../rules/testdata/STABLE_FLAGS/flags-compatible.patch"}, 1, "WARNING:"},
		{"a warning fails, as in checkpatch", []string{"check", "../../rules/testdata/STABLE_FLAGS/flags-compatible.patch"}, 1, "has style problems"},
		{"--fail-on error lets a warning pass", []string{"check", "--fail-on", "error", "../../rules/testdata/STABLE_FLAGS/flags-compatible.patch"}, 0, "has style problems"},
		{"a check fails with --strict", []string{"check", "--strict", sig}, 1, "CHECK:"},
		{"checks need --strict", []string{"check", sig}, 0, "ready for submission"},
		{"strict shows the unknown", []string{"check", "--strict", "--fail-on=check", sig}, 1, "CHECK: bpf_dynptr_slice: kfunc signature changed, but its set entry is not in the patch"},
		{"stable list", []string{"check", "--stable-list", stable, sig}, 1, "ERROR: bpf_dynptr_slice: signature of a stable kfunc changed"},
		{"bad stable list", []string{"check", "--stable-list", badList, sig}, 2, "bad.txt:2"},
		{"config severity", []string{"check", "--config", demote, "--fail-on", "error", prom}, 0, "WARNING: bpf_cgroup_acquire"},
		{"config typo", []string{"check", "--config", typo, prom}, 2, "unknown keys"},
		{"list types", []string{"check", "--list-types"}, 0, "STABLE_SIGNATURE_COMPAT"},
		{"explain unknown", []string{"explain", "NOPE"}, 2, "unknown rule"},
		{"version", []string{"version"}, 0, "kfunccheck " + Version},
		{"no command", nil, 2, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out+stderr, tt.out) {
				t.Errorf("exit %d (want %d); output lacks %q:\n%s%s", code, tt.code, tt.out, out, stderr)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	data, err := os.ReadFile(ex + "0003-bpf-Make-bpf_task_acquire-sleepable.patch")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check"}, {"check", "-"}} {
		out, _, code := runCLI(t, string(data), args...)
		// Named by its Subject, as checkpatch names standard input.
		if code != 1 || !strings.Contains(out, "\"[PATCH bpf-next] bpf: Make bpf_task_acquire() sleepable\" has style problems") || !strings.Contains(out, "#28: FILE: kernel/bpf/helpers.c:3100:") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

func TestMachineFormats(t *testing.T) {
	out, _, code := runCLI(t, "", "check", "--format", "json", "--strict", ex+"thread-v1-v2.mbox", ex+"0001-bpf-Mark-bpf_cgroup_acquire-stable.patch")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	var doc struct {
		Patches []struct {
			Source   string `json:"source"`
			Subject  string `json:"subject"`
			Changes  []struct{ Kfunc, Kind string }
			Findings []struct{ Rule, Severity, Kfunc string }
		} `json:"patches"`
		Summary struct{ Patches, Errors int } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if doc.Summary.Patches != 5 || len(doc.Patches) != 5 || doc.Summary.Errors != 3 {
		t.Errorf("summary %+v, %d patches", doc.Summary, len(doc.Patches))
	}
	kinds := map[string]bool{}
	for _, p := range doc.Patches {
		for _, c := range p.Changes {
			kinds[c.Kind] = true
		}
	}
	for _, k := range []string{"deprecated", "removed", "promoted"} {
		if !kinds[k] {
			t.Errorf("no %s change in %v", k, kinds)
		}
	}
	out, _, _ = runCLI(t, "", "check", "--format", "sarif", ex+"0002-bpf-Remove-bpf_rdonly_cast.patch")
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil {
		t.Fatalf("sarif: %v", err)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 1 ||
		sarif.Runs[0].Results[0].RuleID != "STABLE_REMOVAL" || sarif.Runs[0].Results[0].Level != "error" || len(sarif.Runs[0].Tool.Driver.Rules) < 18 {
		t.Errorf("sarif %+v", sarif)
	}
}

// TestOddInputs covers input a well-made tool meets in the wild: each is
// either checked normally or refused with exit 2 and its place, never a
// crash or a silent pass.
func TestOddInputs(t *testing.T) {
	good, err := os.ReadFile(ex + "0003-bpf-Make-bpf_task_acquire-sleepable.patch")
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	cut := strings.Index(s, "\n+BTF_ID_FLAGS(func, bpf_task_acquire") + 1
	truncated := s[:cut]
	// Cut in the middle of the hunk's last context lines, as a mail cut
	// off in transit: GNU patch's repair of lost empty context lines must
	// not apply to a line that ends without its newline.
	after := cut + strings.Index(s[cut:], "\n") + 1
	after += strings.Index(s[after:], "\n") + 1
	cutLine := s[:after+5]
	long := strings.Replace(s, " BTF_ID_FLAGS(func, bpf_rbtree_add_impl)\n",
		" BTF_ID_FLAGS(func, bpf_rbtree_add_impl)\n", 1)
	long = strings.Replace(long, "@@ -3097,7 +3097,7 @@", "@@ -3097,7 +3097,8 @@", 1)
	long = strings.Replace(long, "\n+BTF_ID_FLAGS(func, bpf_task_acquire", "\n+/* "+strings.Repeat("x", 10<<20)+" */\n+BTF_ID_FLAGS(func, bpf_task_acquire", 1)
	latin := strings.Replace(s, "It may now wait", "It may now wait (\xe9t\xe9 \xff)", 1)
	binary := strings.Replace(s, "diff --git a/kernel/bpf/helpers.c", "diff --git a/fw.bin b/fw.bin\nnew file mode 100644\nindex 0000000..e69de29\nGIT binary patch\nliteral 12\nTcmZ?wbhEHbRA5kGU|;|M2nYbE\n\nliteral 0\nHcmV?d00001\n\ndiff --git a/kernel/bpf/helpers.c", 1)
	tests := []struct {
		name, input string
		args        []string
		code        int
		out         string
	}{
		{"truncated mail", truncated, []string{"check"}, 2, "hunk does not match its @@ counts"},
		{"cut inside a context line", cutLine, []string{"check"}, 2, "the patch was cut off"},
		{"10 MB line", long, []string{"check", "--show-types"}, 1, "STABLE_FLAGS_BREAKING"},
		{"invalid UTF-8 as JSON", latin, []string{"check", "--format", "json"}, 1, `"rule":"STABLE_FLAGS_BREAKING"`},
		{"binary file beside", binary, []string{"check", "--show-types"}, 1, "STABLE_FLAGS_BREAKING"},
		// As checkpatch: nothing to report on, so nothing said, exit 0.
		{"empty stdin", "", []string{"check"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, tt.input, tt.args...)
			if code != tt.code || !strings.Contains(out+stderr, tt.out) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%.2000s%s", code, tt.code, tt.out, out, stderr)
			}
			if code == 2 && strings.Contains(out, "ready for submission") {
				t.Errorf("an input error, yet the verdict says ready for submission:\n%s", out)
			}
			if strings.Contains(tt.name, "JSON") && !json.Valid([]byte(out)) {
				t.Errorf("invalid JSON:\n%s", out)
			}
		})
	}
}

// TestB4Format speaks b4's review check protocol: one message on stdin, a
// JSON array of {tool,status,summary,url,details} on stdout.
func TestB4Format(t *testing.T) {
	for _, tt := range []struct {
		file, status, summary string
	}{
		{"0001-bpf-Mark-bpf_cgroup_acquire-stable.patch", "fail", "1 error"},
		{"0004-bpf-Deprecate-bpf_cpumask_first.patch", "pass", "no stable-kfunc process problem"},
	} {
		data, err := os.ReadFile(ex + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		out, _, code := runCLI(t, string(data), "check", "--format", "b4")
		var res []struct{ Tool, Status, Summary, URL, Details string }
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res) != 1 {
			t.Fatalf("%s: exit %d, %v\n%s", tt.file, code, err, out)
		}
		r := res[0]
		if r.Tool != "kfunccheck" || r.Status != tt.status || r.Summary != tt.summary {
			t.Errorf("%s: %+v", tt.file, r)
		}
		if tt.status == "fail" && !strings.Contains(r.Details, `"description":"ERROR:STABLE_PROMOTION_RATIONALE:`) {
			t.Errorf("details %s", r.Details)
		}
	}
	out, _, _ := runCLI(t, "garbage without a diff\n", "check", "--format", "b4")
	if !strings.Contains(out, `"status":"fail"`) || !strings.Contains(out, "no patch found") {
		t.Errorf("bad input: %s", out)
	}
}

// TestPrePushTerminalStdin: on a character device (a terminal, as a hook
// runner without use_stdin leaves it) the hook refuses at once instead of
// waiting for ref updates that never come.
func TestPrePushTerminalStdin(t *testing.T) {
	tty, err := os.Open("/dev/zero") // a character device that is not /dev/null
	if err != nil {
		t.Skipf("no character device to stand for a terminal: %v", err)
	}
	defer tty.Close()
	done := make(chan struct{})
	var code int
	var errb bytes.Buffer
	go func() {
		code = run([]string{"hook", "pre-push", "--repo", t.TempDir(), "origin", "url"}, tty, io.Discard, &errb)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the hook waits on a terminal")
	}
	if code != 2 || !strings.Contains(errb.String(), "standard input is a terminal") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if readsTerminal(null) {
		t.Error("/dev/null taken for a terminal")
	}
}

// TestHelpEverywhere: -h is a request, not an error, for every command
// and subcommand: exit 0 with a usage text.
func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"help"}, {"check", "-h"}, {"explain", "-h"}, {"btf", "-h"}, {"btf", "list", "-h"},
		{"btf", "diff", "--help"}, {"hook", "-h"}, {"hook", "install", "-h"}, {"bot", "-h"}, {"bot", "run", "-h"},
	} {
		out, stderr, code := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(strings.ToLower(out+stderr), "usage") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	out, _, code := runCLI(t, "", "--version")
	if code != 0 || !strings.Contains(out, "kfunccheck "+Version) || !strings.Contains(out, "built with go") {
		t.Errorf("--version: exit %d\n%s", code, out)
	}
}

// TestRepoPolicy: with --repo DIR and no policy file around the current
// directory, DIR's .kfunccheck.toml is the policy.
func TestRepoPolicy(t *testing.T) {
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, ".kfunccheck.toml"), []byte("ignore = [\"STABLE_PROMOTION_RATIONALE\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	cf := &checkFlags{policyFlags: policyFlags{repo: repo}}
	opt, err := checkOptions(cf, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opt.Policy.Ignore, "STABLE_PROMOTION_RATIONALE") {
		t.Errorf("the policy of --repo is not read: ignore %v", opt.Policy.Ignore)
	}
}
