// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/history"
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
	if code != 0 || stderr != "" {
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
	doc, _ := historyDoc(t, "--repo", repo, "v6.1", "v6.12")
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
