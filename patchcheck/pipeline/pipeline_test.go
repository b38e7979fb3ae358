// SPDX-License-Identifier: GPL-2.0-only

package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// inputs lists the fixtures: files, directories, and a missing file.
func inputs(t *testing.T) []string {
	t.Helper()
	var in []string
	for _, root := range []string{"../../testdata/examples", "../../rules/testdata"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && path != root {
				in = append(in, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return append(in, "../../testdata/no-such-file.patch")
}

// describe renders what a reading yields, in order, as the CLI sees it.
func describe(path string, s *model.Series, res []*patchcheck.Result, end bool, err error) string {
	if end {
		return fmt.Sprintf("end %s %v\n", path, err)
	}
	var b strings.Builder
	for _, r := range res {
		fmt.Fprintf(&b, "%s %q lines=%d changes=%d findings=%d errors=%v\n", path, r.Patch.Subject.Raw, r.Lines(), len(r.Changes), len(r.Findings), r.Errors)
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "  %s %s %d\n", f.Rule, f.Message, f.Pos.PatchLine)
		}
	}
	return b.String()
}

// TestRunMatchesSerial reads the fixtures on several workers, lightly,
// and compares every event with a serial full reading.
func TestRunMatchesSerial(t *testing.T) {
	paths := inputs(t)
	opt := patchcheck.Options{}
	var want strings.Builder
	for _, p := range paths {
		err := input.Read(p, input.Options{}, func(s *model.Series) {
			want.WriteString(describe(p, s, patchcheck.CheckSeries(s, opt), false, nil))
		})
		want.WriteString(describe(p, nil, nil, true, err))
	}
	for _, workers := range []int{1, 3, 8} {
		var got strings.Builder
		err := Run(paths, Options{Check: opt, Light: true, Workers: workers}, func(ev Event) error {
			got.WriteString(describe(ev.Path, ev.Series, ev.Results, ev.End, ev.Err))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d workers: events differ from a serial reading:\n%s\nwant:\n%s", workers, got.String(), want.String())
		}
	}
}

// TestRunStops checks that an error from the callback ends the run.
func TestRunStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Run(inputs(t), Options{Light: true}, func(Event) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d events", err, n)
	}
}

// TestRunStdin reads standard input once, for the first "-".
func TestRunStdin(t *testing.T) {
	f, err := os.Open("../../testdata/examples/0004-bpf-Deprecate-bpf_cpumask_first.patch")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ends []string
	patches := 0
	err = Run([]string{"-", "-"}, Options{Read: input.Options{Stdin: f}, Light: true, Workers: 2}, func(ev Event) error {
		if ev.End {
			ends = append(ends, fmt.Sprint(ev.Err))
		} else {
			patches += len(ev.Results)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if patches != 1 || len(ends) != 2 || ends[0] != "<nil>" || !strings.Contains(ends[1], "no patch found") {
		t.Errorf("%d patches, ends %q", patches, ends)
	}
}
