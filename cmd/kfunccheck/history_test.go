// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// evoRepo restores the evolution fixture (6.1 and 6.12 kfunc files, tags
// v6.1 and v6.12) into a bare repository and reads both releases with the
// independent reader of evolution_reader_test.go.
func evoRepo(t *testing.T) (repo string, oldRel, newRel *evoRelease) {
	t.Helper()
	needGit(t)
	gz, err := os.ReadFile(evolutionFixture)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	if _, err := stream.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	repo = filepath.Join(t.TempDir(), "linux.git")
	evoGit(t, filepath.Dir(repo), nil, "init", "-q", "--bare", repo)
	evoGit(t, repo, stream.Bytes(), "fast-import", "--quiet")
	if oldRel, err = readEvoRelease(evoGit(t, repo, nil, "archive", "--format=tar", "v6.1")); err != nil {
		t.Fatal(err)
	}
	if newRel, err = readEvoRelease(evoGit(t, repo, nil, "archive", "--format=tar", "v6.12")); err != nil {
		t.Fatal(err)
	}
	return repo, oldRel, newRel
}

// historyDoc runs history with --format json and decodes the document.
func historyDoc(t *testing.T, args ...string) (*history.Doc, string) {
	t.Helper()
	out, stderr, code := runCLI(t, "", append([]string{"history", "--format", "json"}, args...)...)
	if code == 2 || stderr != "" {
		t.Fatalf("history %v: exit %d\n%s", args, code, stderr)
	}
	var doc history.Doc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("history %v: %v", args, err)
	}
	return &doc, out
}

// stepAsCheck puts a history step in the shape of check's JSON document,
// which the evolution test's comparison reads.
func stepAsCheck(t *testing.T, step history.DocStep) *evoJSON {
	t.Helper()
	b, err := json.Marshal(map[string]any{"patches": []any{map[string]any{"changes": step.Changes, "findings": step.Findings}}})
	if err != nil {
		t.Fatal(err)
	}
	var doc evoJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// releaseDisagreements compares one release of the history with the
// reader's view of the same tree: the same kfuncs, each with the same
// flags over its entries, program types and defining file.
func releaseDisagreements(doc *history.Doc, i int, rel *evoRelease) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range doc.Kfuncs {
		s := k.Releases[i]
		rk := rel.Kfuncs[k.Name]
		if !s.Present {
			if rk != nil {
				out = append(out, k.Name+": missing")
			}
			continue
		}
		seen[k.Name] = true
		if rk == nil {
			out = append(out, k.Name+": not a kfunc of the release")
			continue
		}
		var flags, pts []string
		for _, e := range rk.Entries {
			flags = append(flags, e.Flags...)
		}
		for _, r := range rk.Routes {
			pts = append(pts, r.ProgType)
		}
		flags = slices.Compact(slices.Sorted(slices.Values(flags)))
		pts = slices.Compact(slices.Sorted(slices.Values(pts)))
		if !slices.Equal(flags, s.Flags) && !(len(flags) == 0 && len(s.Flags) == 0) {
			out = append(out, k.Name+": flags "+strings.Join(s.Flags, "|")+", reader "+strings.Join(flags, "|"))
		}
		if !slices.Equal(pts, s.ProgTypes) {
			out = append(out, k.Name+": program types "+strings.Join(s.ProgTypes, ",")+", reader "+strings.Join(pts, ","))
		}
		if rk.Proto != nil && rk.Proto.File != s.DefFile {
			out = append(out, k.Name+": defined in "+s.DefFile+", reader "+rk.Proto.File)
		}
	}
	for n := range rel.Kfuncs {
		if !seen[n] {
			out = append(out, n+": not in the history")
		}
	}
	sort.Strings(out)
	return out
}

// TestHistoryEvolution runs history over the real 6.1 and 6.12 trees and
// holds it against the independent reader: every release's kfuncs with
// their flags, program types and definitions, and the step's changes and
// findings exactly as the evolution test holds check's (159 added, 22
// removed, 2 signature, 1 moved, 1 availability).
func TestHistoryEvolution(t *testing.T) {
	repo, oldRel, newRel := evoRepo(t)
	w := evolve(oldRel, newRel)
	var stable []string
	for n := range oldRel.Kfuncs {
		stable = append(stable, n)
	}
	sort.Strings(stable)
	stableFile := filepath.Join(t.TempDir(), "stable-6.1.txt")
	if err := os.WriteFile(stableFile, []byte(strings.Join(stable, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, revs := range [][]string{{"v6.1", "v6.12"}, {"v6.*"}} {
		t.Run(strings.Join(revs, ","), func(t *testing.T) {
			start := time.Now()
			doc, _ := historyDoc(t, append([]string{"--stable-list", stableFile, "--repo", repo}, revs...)...)
			t.Logf("history over %v: %v", revs, time.Since(start).Round(time.Millisecond))
			if len(doc.Releases) != 2 || doc.Releases[0].Name != "v6.1" || doc.Releases[1].Name != "v6.12" || len(doc.Steps) != 1 {
				t.Fatalf("releases %+v, %d steps; want v6.1, v6.12 and one step", doc.Releases, len(doc.Steps))
			}
			for i, rel := range []*evoRelease{oldRel, newRel} {
				if d := releaseDisagreements(doc, i, rel); len(d) > 0 {
					t.Errorf("release %s disagrees with the reader:\n%s", doc.Releases[i].Name, strings.Join(d, "\n"))
				}
			}
			want := map[string]int{"added": 159, "removed": 22, "signature": 2, "moved": 1, "availability": 1}
			got := map[string]int{}
			for k, n := range doc.Steps[0].Counts {
				got[string(k)] = n
			}
			if !mapsEqualInt(got, want) {
				t.Errorf("counts %v, want %v", got, want)
			}
			d, counts := compareEvolution(t, evoMode{name: "history", full: true}, w, stable, stepAsCheck(t, doc.Steps[0]))
			t.Logf("history: %s", counts)
			for _, x := range d {
				t.Errorf("disagreement: %s: history says %s; truth: %s", x.kfunc, x.says, x.truth)
			}
		})
	}
	// The comparison of releases can fail: a kfunc dropped from a
	// release, or given a flag it does not have, is caught.
	doc, _ := historyDoc(t, "--url-template", "https://example.org/{release}/{commit}/{file}#n{line}", "--repo", repo, "v6.1", "v6.12")
	for _, k := range doc.Kfuncs {
		if k.Name == "bbr_main" {
			want := "https://example.org/v6.12/" + doc.Releases[1].Source + "/net/ipv4/tcp_bbr.c#n1160"
			if got := k.Releases[1].Link; got != want {
				t.Errorf("bbr_main's link in v6.12: %q, want %q", got, want)
			}
		}
	}
	for i := range doc.Kfuncs {
		switch doc.Kfuncs[i].Name {
		case "bpf_task_acquire":
			doc.Kfuncs[i].Releases[1].Present = false
		case "crash_kexec":
			c := *doc.Kfuncs[i].Releases[0].Contract
			c.Flags = []string{"KF_SLEEPABLE"}
			doc.Kfuncs[i].Releases[0].Contract = &c
		}
	}
	if d := releaseDisagreements(doc, 1, newRel); !slices.Contains(d, "bpf_task_acquire: missing") {
		t.Errorf("a dropped kfunc not caught: %v", d)
	}
	if d := releaseDisagreements(doc, 0, oldRel); len(d) != 1 || !strings.HasPrefix(d[0], "crash_kexec: flags") {
		t.Errorf("a wrong flag not caught: %v", d)
	}
}

func mapsEqualInt(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestHistoryBTF runs history over Debian's 6.1 and 6.12 kernels: the
// releases hold the kfuncs btfinfo's independent reader counts (42 and
// 132) with their flags, and the step holds exactly the changes btf diff
// reports between the same kernels, judged alike.
func TestHistoryBTF(t *testing.T) {
	dir := t.TempDir()
	k61 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.1.0-57-amd64.elf.gz")
	k612 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz")
	start := time.Now()
	doc, _ := historyDoc(t, k61, "v6.12="+k612)
	t.Logf("history over two kernels' BTF: %v", time.Since(start).Round(time.Millisecond))
	if len(doc.Releases) != 2 || doc.Releases[0].Name != "6.1.0-57-amd64" || doc.Releases[1].Name != "v6.12" {
		t.Fatalf("releases %+v", doc.Releases)
	}
	// Program types come from the sourced tables of 6.1 and 6.12.
	if doc.Releases[0].Kfuncs != 42 || doc.Releases[1].Kfuncs != 132 || !doc.Releases[0].HasFlags || !doc.Releases[0].HasProgTypes {
		t.Errorf("releases %+v: want 42 and 132 kfuncs, flags and program types", doc.Releases)
	}
	// A set registered for TRACING is callable from LSM programs too on
	// 6.1 (one hook), and from TRACEPOINT and PERF_EVENT as well on 6.12.
	callable := map[[2]string]string{
		{"bpf_lookup_user_key", "6.1.0-57-amd64"}: "BPF_PROG_TYPE_LSM BPF_PROG_TYPE_TRACING",
		{"bpf_lookup_user_key", "v6.12"}:          "BPF_PROG_TYPE_LSM BPF_PROG_TYPE_PERF_EVENT BPF_PROG_TYPE_TRACEPOINT BPF_PROG_TYPE_TRACING",
	}
	for _, k := range doc.Kfuncs {
		for _, s := range k.Releases {
			if want, ok := callable[[2]string{k.Name, s.Release}]; ok && strings.Join(s.CallableFrom, " ") != want {
				t.Errorf("%s in %s: callable from %v, want %s", k.Name, s.Release, s.CallableFrom, want)
			}
		}
	}
	spot := map[[2]string]string{
		{"bpf_lookup_user_key", "6.1.0-57-amd64"}: "KF_ACQUIRE KF_RET_NULL KF_SLEEPABLE",
		{"bpf_task_acquire", "v6.12"}:             "KF_ACQUIRE KF_RCU KF_RET_NULL",
		{"bpf_iter_num_new", "v6.12"}:             "KF_ITER_NEW",
		{"bpf_task_acquire", "6.1.0-57-amd64"}:    "absent",
	}
	for _, k := range doc.Kfuncs {
		for _, s := range k.Releases {
			want, ok := spot[[2]string{k.Name, s.Release}]
			if !ok {
				continue
			}
			got := "absent"
			if s.Present {
				got = strings.Join(s.Flags, " ")
			}
			if got != want {
				t.Errorf("%s in %s: %q, want %q", k.Name, s.Release, got, want)
			}
			delete(spot, [2]string{k.Name, s.Release})
		}
	}
	if len(spot) > 0 {
		t.Errorf("not in the history: %v", spot)
	}
	out, stderr, code := runCLI(t, "", "btf", "diff", "--format", "json", k61, k612)
	if code == 2 {
		t.Fatalf("btf diff: %s", stderr)
	}
	var diff evoJSON
	if err := json.Unmarshal([]byte(out), &diff); err != nil || len(diff.Patches) != 1 {
		t.Fatalf("btf diff: %v", err)
	}
	key := func(kfunc, kind, detail string) string { return kind + " " + kfunc + " " + detail }
	var want, got []string
	for _, c := range diff.Patches[0].Changes {
		want = append(want, key(c.Kfunc, c.Kind, strings.Join(c.Diffs, ";")+strings.Join(c.FlagsAdded, ",")+strings.Join(c.FlagsRemoved, ",")))
	}
	for _, c := range doc.Steps[0].Changes {
		got = append(got, key(c.Kfunc, c.Kind, strings.Join(c.Diffs, ";")+strings.Join(c.Added, ",")+strings.Join(c.Removed, ",")))
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) || len(got) < 100 {
		t.Errorf("history's step and btf diff differ:\nhistory %d: %v\nbtf diff %d: %v", len(got), got, len(want), want)
	}
	counts := map[string]int{}
	for k, n := range doc.Steps[0].Counts {
		counts[string(k)] = n
	}
	if w := map[string]int{"added": 112, "removed": 22, "signature": 1, "moved": 1}; !mapsEqualInt(counts, w) {
		t.Errorf("counts %v, want %v", counts, w)
	}

	// Raw BTF: prototypes only, flags unknown (null).
	raw, _ := historyDoc(t, "../../patchcheck/btfinfo/testdata/old.btf", "../../patchcheck/btfinfo/testdata/new.btf")
	if raw.Releases[0].Name != "old" || raw.Releases[1].HasFlags || raw.Kfuncs[0].Releases[0].Flags != nil {
		t.Errorf("raw BTF: %+v, flags %v", raw.Releases, raw.Kfuncs[0].Releases[0].Flags)
	}
	rawCounts := map[string]int{}
	for k, n := range raw.Steps[0].Counts {
		rawCounts[string(k)] = n
	}
	if w := map[string]int{"added": 1, "removed": 1, "signature": 2}; !mapsEqualInt(rawCounts, w) {
		t.Errorf("raw BTF counts %v, want %v", rawCounts, w)
	}

	// Modules with their kernels' base BTF, one --base per file.
	m61 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/nf_conntrack-6.1.0-57-amd64.ko.gz")
	m612 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/nf_conntrack-6.12.117+deb12-amd64.ko.gz")
	mdoc, _ := historyDoc(t, "--base", k61, "--base", k612, m61, m612)
	if len(mdoc.Kfuncs) != 10 || mdoc.Releases[0].Kfuncs != 10 || len(mdoc.Steps[0].Changes) != 0 {
		t.Errorf("nf_conntrack: %d kfuncs, releases %+v, changes %v", len(mdoc.Kfuncs), mdoc.Releases, mdoc.Steps[0].Changes)
	}
	if _, stderr, code := runCLI(t, "", "history", "--base", k61, "--base", k612, "--base", k61, m61, m612); code != 2 || !strings.Contains(stderr, "--base given 3 times") {
		t.Errorf("three bases for two files: exit %d, %s", code, stderr)
	}
}

// TestHistoryUses checks the compatibility matrix of the clang-built
// test program: on each release, which strong kfuncs are missing (it
// does not load) and which weak ones, from BTF and from source.
func TestHistoryUses(t *testing.T) {
	dir := t.TempDir()
	k61 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.1.0-57-amd64.elf.gz")
	k612 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz")
	repo, _, _ := evoRepo(t)
	const prog = "../../patchcheck/btfinfo/testdata/prog.bpf.o"
	type rel struct {
		loads         bool
		missing, weak string
		unknown       bool
	}
	tests := []struct {
		name string
		args []string
		want []rel
	}{
		{"btf", []string{"6.1=" + k61, "6.12=" + k612}, []rel{
			{false, "bpf_cast_to_kern_ctx bpf_dynptr_slice bpf_gone_for_good bpf_task_acquire bpf_task_release", "bpf_old_thing", false},
			{false, "bpf_gone_for_good", "bpf_old_thing", false},
		}},
		{"source", []string{"--repo", repo, "v6.1", "v6.12"}, []rel{
			{false, "bpf_cast_to_kern_ctx bpf_dynptr_slice bpf_gone_for_good bpf_task_acquire bpf_task_release", "bpf_old_thing", false},
			{false, "bpf_gone_for_good", "bpf_old_thing", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := historyDoc(t, append([]string{"--uses", prog}, tt.args...)...)
			if len(doc.Compat) != 1 || !slices.Equal(doc.Compat[0].ProgTypes, []string{"BPF_PROG_TYPE_TRACING"}) || len(doc.Compat[0].Uses) != 6 {
				t.Fatalf("compat: %+v", doc.Compat)
			}
			for i, r := range doc.Compat[0].Releases {
				got := rel{r.Loads, strings.Join(r.Missing, " "), strings.Join(r.WeakMissing, " "), r.Unknown != ""}
				if got != tt.want[i] || len(r.Incompatible) > 0 || len(r.NotCallable) > 0 {
					t.Errorf("%s: %+v, want %+v", r.Release, r, tt.want[i])
				}
			}
			text, _, code := runCLI(t, "", append([]string{"history", "--uses", prog}, tt.args...)...)
			if code != 0 || !strings.Contains(text, "does not load; missing bpf_gone_for_good; weak missing bpf_old_thing") {
				t.Errorf("text: exit %d\n%s", code, text)
			}
		})
	}
}

// TestHistoryGolden pins the text output of the evolution's history;
// go test -run TestHistoryGolden -update rewrites it.
func TestHistoryGolden(t *testing.T) {
	repo, _, _ := evoRepo(t)
	out, stderr, code := runCLI(t, "", "history", "--repo", repo, "v6.1", "v6.12")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The commit ids depend on nothing but the fixture; keep them.
	golden := filepath.Join("testdata", "golden", "history-evolution.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out != string(want) {
		t.Errorf("history text differs from %s (run with -update after checking the difference):\n%s", golden, out)
	}
}

// TestHistoryUsage checks the input errors: exit 2 with a message.
func TestHistoryUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "usage:"},
		{[]string{"--format", "xml", "x"}, "unknown --format"},
		{[]string{"/nonexistent.btf"}, "/nonexistent.btf"},
		{[]string{"--repo", "/nonexistent", "v6.1"}, "--repo /nonexistent"},
	}
	for _, tt := range tests {
		_, stderr, code := runCLI(t, "", append([]string{"history"}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("history %v: exit %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// historyFixtureFile is a kfunc file at one release: the entries' flags
// by kfunc, in set order.
func historyFixtureFile(entries [][2]string) string {
	var b strings.Builder
	b.WriteString("// SPDX-License-Identifier: GPL-2.0-only\n#include <linux/btf_ids.h>\n\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "__bpf_kfunc int %s(struct task_struct *p)\n{\n\treturn 0;\n}\n\n", e[0])
	}
	b.WriteString("BTF_KFUNCS_START(test_kfunc_ids)\n")
	for _, e := range entries {
		if e[1] == "" {
			fmt.Fprintf(&b, "BTF_ID_FLAGS(func, %s)\n", e[0])
		} else {
			fmt.Fprintf(&b, "BTF_ID_FLAGS(func, %s, %s)\n", e[0], e[1])
		}
	}
	b.WriteString("BTF_KFUNCS_END(test_kfunc_ids)\n\nstatic const struct btf_kfunc_id_set test_kfunc_set = {\n\t.owner = THIS_MODULE,\n\t.set = &test_kfunc_ids,\n};\n\n")
	b.WriteString("static int __init test_init(void)\n{\n\treturn register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &test_kfunc_set);\n}\n")
	return b.String()
}

// TestHistoryRulesRepo runs the history rules on a repository whose
// tags make each of them fire once: bpf_a deprecated in v6.11 and removed
// in v6.12 (HISTORY_DEPRECATION_PERIOD), bpf_old removed in v6.11 and
// back in v6.12 (HISTORY_NAME_REUSED), bpf_b's flags changed in v6.12.1
// (HISTORY_STABLE_SERIES); with a deprecation period of one release and
// series given as patterns that do not hold v6.12, only the reuse stays.
func TestHistoryRulesRepo(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	evoGit(t, dir, nil, "init", "-q", "-b", "main")
	evoGit(t, dir, nil, "config", "user.email", "t@example.org")
	evoGit(t, dir, nil, "config", "user.name", "t")
	releases := []struct {
		tag     string
		entries [][2]string
	}{
		{"v6.10", [][2]string{{"bpf_a", "KF_STABLE"}, {"bpf_b", "KF_STABLE"}, {"bpf_old", ""}}},
		{"v6.11", [][2]string{{"bpf_a", "KF_STABLE | KF_DEPRECATED"}, {"bpf_b", "KF_STABLE"}}},
		{"v6.12", [][2]string{{"bpf_b", "KF_STABLE"}, {"bpf_old", ""}}},
		{"v6.12.1", [][2]string{{"bpf_b", "KF_STABLE | KF_RCU"}, {"bpf_old", ""}}},
	}
	for _, r := range releases {
		if err := os.MkdirAll(filepath.Join(dir, "kernel/bpf"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "kernel/bpf/test.c"), []byte(historyFixtureFile(r.entries)), 0o644); err != nil {
			t.Fatal(err)
		}
		evoGit(t, dir, nil, "add", "-A")
		evoGit(t, dir, nil, "commit", "-q", "-m", "release "+r.tag)
		evoGit(t, dir, nil, "tag", r.tag)
	}
	findings := func(args ...string) []string {
		t.Helper()
		doc, _ := historyDoc(t, append(args, "--repo", dir, "v6.*")...)
		if len(doc.Releases) != 4 || doc.Releases[3].Name != "v6.12.1" || doc.Releases[0].Time == "" {
			t.Fatalf("releases %+v", doc.Releases)
		}
		var out []string
		for _, s := range doc.Steps {
			for _, f := range s.Findings {
				if strings.HasPrefix(f.Rule, "HISTORY_") {
					out = append(out, s.To+" "+f.Rule+" "+f.Kfunc+" "+f.File)
				}
			}
		}
		return out
	}
	got := findings()
	want := []string{
		"v6.12 HISTORY_DEPRECATION_PERIOD bpf_a kernel/bpf/test.c",
		"v6.12 HISTORY_NAME_REUSED bpf_old kernel/bpf/test.c",
		"v6.12.1 HISTORY_STABLE_SERIES bpf_b kernel/bpf/test.c",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	got = findings("--min-deprecation-releases", "1", "--stable-series", "v6.1.*")
	if !slices.Equal(got, want[1:2]) {
		t.Errorf("with a period of one release and the 6.1 series: %q, want %q", got, want[1:2])
	}
	text, _, code := runCLI(t, "", "history", "--repo", dir, "v6.10", "v6.11", "v6.12")
	if code != 1 {
		t.Errorf("an error finding: exit %d, want 1", code)
	}
	// bpf_b's KF_RCU in v6.12.1 is an error twice (STABLE_FLAGS_BREAKING,
	// HISTORY_STABLE_SERIES); with both ignored nothing reaches the
	// default --fail-on in that step.
	conf := filepath.Join(t.TempDir(), "policy.toml")
	if err := os.WriteFile(conf, []byte("ignore = [\"HISTORY_STABLE_SERIES\", \"STABLE_FLAGS_BREAKING\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "", "history", "--config", conf, "--repo", dir, "v6.11", "v6.12", "v6.12.1"); code != 1 {
		t.Errorf("v6.11..v6.12 has STABLE_REMOVAL_NOTES, an error: exit %d, want 1 (%s)", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "history", "--config", conf, "--repo", dir, "v6.12", "v6.12.1"); code != 0 {
		t.Errorf("nothing at or above error: exit %d, want 0 (%s)", code, stderr)
	}
	if _, _, code := runCLI(t, "", "history", "--fail-on", "warning", "--repo", dir, "v6.11", "v6.12"); code != 1 {
		t.Errorf("--fail-on warning: exit %d, want 1", code)
	}
	if !strings.Contains(text, "ERROR:HISTORY_DEPRECATION_PERIOD: bpf_a: deprecated stable kfunc removed in v6.12, 1 release(s) after it was deprecated in v6.11; the policy asks for at least 10") {
		t.Errorf("text:\n%s", text)
	}
	list, _, code := runCLI(t, "", "history", "--list-rules")
	for _, id := range []string{"HISTORY_DEPRECATION_PERIOD", "HISTORY_NAME_REUSED", "HISTORY_STABLE_SERIES"} {
		if code != 0 || !strings.Contains(list, id+" (") {
			t.Errorf("--list-rules lacks %s", id)
		}
	}
}

// TestHistoryLTS reads two of Debian's 6.1 LTS kernels (6.1.176 and
// 6.1.192) and 6.12: the kfunc contracts did not change inside the
// series (HISTORY_STABLE_SERIES stays quiet, the exit code is 0), and
// the step to 6.12 is not judged as one of the series. Eight kernels'
// BTF are read, to measure.
func TestHistoryLTS(t *testing.T) {
	dir := t.TempDir()
	k50 := gunzip(t, dir, "../../testdata/history/vmlinux-6.1.0-50-amd64.elf.gz")
	k57 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.1.0-57-amd64.elf.gz")
	k612 := gunzip(t, dir, "../../patchcheck/btfinfo/testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz")
	out, stderr, code := runCLI(t, "", "history", "--format", "json", k50, k57, k612)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc history.Doc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Steps) != 2 || len(doc.Steps[0].Changes) != 0 || len(doc.Steps[0].Findings) != 0 || doc.Releases[0].Kfuncs != 42 {
		t.Errorf("6.1.0-50 to 6.1.0-57: %d changes, findings %v, %d kfuncs", len(doc.Steps[0].Changes), doc.Steps[0].Findings, doc.Releases[0].Kfuncs)
	}
	for _, f := range doc.Steps[1].Findings {
		if f.Rule == "HISTORY_STABLE_SERIES" {
			t.Errorf("6.1 to 6.12 judged as a stable series: %s", f.Message)
		}
	}
	// The same series made to change: 6.12 labelled as a 6.1 release.
	_, _, code = runCLI(t, "", "history", "6.1.0-50="+k50, "6.1.0-99="+k612)
	if code != 1 {
		t.Errorf("a change inside the series: exit %d, want 1", code)
	}
	var args []string
	for i := range 8 {
		args = append(args, fmt.Sprintf("r%d=%s", i, []string{k50, k57, k612}[i%3]))
	}
	start := time.Now()
	if _, stderr, code := runCLI(t, "", append([]string{"history", "--format", "html", "-o", filepath.Join(dir, "h.html")}, args...)...); code != 0 {
		t.Fatalf("eight kernels: exit %d: %s", code, stderr)
	}
	t.Logf("history over eight kernels' BTF, as a page: %v", time.Since(start).Round(time.Millisecond))
}

// TestReleasesCompatMatrix runs Debian's point releases of both LTS
// series (two each, committed; every one in $KFUNCCHECK_BTF_DIR) in one
// run: history keeps each series' contracts unchanged, and the
// compatibility of real BPF objects (the selftests objects btfinfo keeps,
// the test program) is the same from history --uses as from btf compat
// over the same kernels in one run.
func TestReleasesCompatMatrix(t *testing.T) {
	dir := t.TempDir()
	gzs := []string{
		"../../testdata/history/vmlinux-6.1.0-50-amd64.elf.gz",
		"../../patchcheck/btfinfo/testdata/real/vmlinux-6.1.0-57-amd64.elf.gz",
		"../../testdata/history/vmlinux-6.12.107+deb12-amd64.elf.gz",
		"../../patchcheck/btfinfo/testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz",
	}
	if more := os.Getenv("KFUNCCHECK_BTF_DIR"); more != "" {
		extra, _ := filepath.Glob(filepath.Join(more, "vmlinux-*.elf.gz"))
		gzs = append(gzs, extra...)
	}
	seen := map[string]bool{}
	var kernels []string
	for _, gz := range gzs {
		if b := filepath.Base(gz); !seen[b] {
			seen[b] = true
			kernels = append(kernels, gunzip(t, dir, gz))
		}
	}
	slices.SortFunc(kernels, func(a, b string) int { return history.CompareVersions(history.Label(a), history.Label(b)) })
	objs := []string{"../../patchcheck/btfinfo/testdata/prog.bpf.o"}
	objGz, _ := filepath.Glob("../../patchcheck/btfinfo/testdata/objects/*.bpf.o.gz")
	for _, gz := range objGz {
		objs = append(objs, gunzip(t, dir, gz))
	}
	var args []string
	for _, o := range objs {
		args = append(args, "--uses", o)
	}
	start := time.Now()
	doc, _ := historyDoc(t, append(args, kernels...)...)
	took := time.Since(start)
	series := func(label string) string {
		return strings.SplitN(label, ".", 3)[0] + "." + strings.SplitN(label, ".", 3)[1]
	}
	for i, st := range doc.Steps {
		from, to := doc.Releases[i].Name, doc.Releases[i+1].Name
		if series(from) == series(to) && (len(st.Changes) > 0 || len(st.Findings) > 0) {
			t.Errorf("%s to %s, one LTS series: %d changes, %d findings", from, to, len(st.Changes), len(st.Findings))
		}
	}
	var cargs []string
	for _, k := range kernels {
		cargs = append(cargs, "--kernel", k)
	}
	start = time.Now()
	out, stderr, code := runCLI(t, "", append(append([]string{"btf", "compat", "--format", "json"}, cargs...), objs...)...)
	ctook := time.Since(start)
	if code == 2 {
		t.Fatalf("btf compat: %s", stderr)
	}
	var compat struct {
		Programs []*history.Compat
	}
	if err := json.Unmarshal([]byte(out), &compat); err != nil {
		t.Fatal(err)
	}
	if len(compat.Programs) != len(doc.Compat) {
		t.Fatalf("btf compat judged %d programs, history %d", len(compat.Programs), len(doc.Compat))
	}
	verdicts := 0
	for i, c := range compat.Programs {
		h := doc.Compat[i]
		for j, r := range c.Releases {
			hr := h.Releases[j]
			if r.Loads != hr.Loads || len(r.Kfuncs) != len(hr.Kfuncs) {
				t.Errorf("%s on %s: btf compat loads %v, history %v", c.Program, r.Release, r.Loads, hr.Loads)
				continue
			}
			for k, v := range r.Kfuncs {
				verdicts++
				if hv := hr.Kfuncs[k]; v.Status != hv.Status || v.Loads != hv.Loads || !slices.Equal(v.Reasons, hv.Reasons) {
					t.Errorf("%s on %s: %s: btf compat %s %v, history %s %v", c.Program, r.Release, v.Use.Name, v.Status, v.Reasons, hv.Status, hv.Reasons)
				}
			}
		}
	}
	t.Logf("%d kernels, %d programs, %d verdicts the same from both; history %v, btf compat %v", len(kernels), len(objs), verdicts, took.Round(time.Millisecond), ctook.Round(time.Millisecond))
	if verdicts < 24*len(kernels) {
		t.Errorf("only %d verdicts", verdicts)
	}
}

// TestSourceShapesMatchBTF: the kernel side of the compat rule read from
// source (history --uses --repo) and from the same release's BTF agree:
// every kfunc of Debian's 6.12 source, read as libbpf would read its BTF,
// is compatible with the prototype the built 6.12 kernel's BTF gives, and
// the source's types are understood (no unknown shape) for nearly all.
func TestSourceShapesMatchBTF(t *testing.T) {
	repo, _, _ := evoRepo(t)
	r, _, err := gitrepo.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cfg := policy.Default()
	rels, err := history.FromRepo(r, kindex.ForRepo(r, cfg.NotKernel), []string{"v6.12"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := btfinfo.Load(gunzip(t, t.TempDir(), "../../patchcheck/btfinfo/testdata/real/vmlinux-6.12.117+deb12-amd64.elf.gz"), "")
	if err != nil {
		t.Fatal(err)
	}
	both, unknown := 0, 0
	for _, kf := range k.Kfuncs {
		c := rels[0].Kfuncs[kf.Name]
		if c == nil || c.Proto() == nil {
			continue
		}
		both++
		ok, why, unk := btfinfo.Compatible(btfinfo.ShapeOfProto(c.Proto()), k.Offer(kf.Name).Shape)
		if !ok {
			t.Errorf("%s: source %q and BTF %q: %s", kf.Name, c.Prototype, kf.Prototype, why)
		}
		if len(unk) > 0 {
			unknown++
			t.Logf("%s: %v", kf.Name, unk)
		}
	}
	if both < 120 || unknown*20 > both {
		t.Errorf("%d kfuncs in both, %d with a type the source reader cannot resolve", both, unknown)
	}
}
