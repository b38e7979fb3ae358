// SPDX-License-Identifier: GPL-2.0-only

// Package rulestest is the driver of the rules' testdata, in the manner of
// golang.org/x/tools/go/analysis/analysistest: every case under a testdata
// directory is a patch (or a series directory) whose notes, after the
// "---" line where git am drops them, say what must be found:
//
//	kfunccheck-want: RULE kfunc [severity] [~"message regexp"] [@"quoted line"]
//	kfunccheck-want-repo: RULE kfunc ...      (with the whole tree in view; "none" for nothing)
//	kfunccheck-stable-list: kfunc ...          (a --stable-list for the case)
//	kfunccheck-release: NAME [kfunc[=stable,deprecated]] ...
//	                                           (the release history, oldest first)
//	kfunccheck-target: NAME [SERIES]           (where the patch goes)
//
// The release and target lines declare facts the history rules read
// (rules.FactHistory, rules.FactTarget); a case without them has neither.
//
// kfunc "-" stands for a finding about no kfunc. A finding must match a
// want line in all it gives: rule, kfunc, severity, a message matching
// the pattern and a quote holding the line, so that a finding at the
// wrong place or with a garbled message fails. Every finding of every
// rule and severity must be wanted, and every want found.
package rulestest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Want is one expected finding.
type Want struct {
	Rule, Kfunc string
	// Severity is "" for the rule's default.
	Severity string
	// Message, when set, must match the finding's message.
	Message *regexp.Regexp
	// Quote, when set, must be contained in one of the quoted lines.
	Quote string
	// Text is the want line as written.
	Text string
}

// ParseWant reads the text after "kfunccheck-want:".
func ParseWant(text string) (Want, error) {
	w := Want{Text: strings.TrimSpace(text)}
	rest := w.Text
	word := func() string {
		rest = strings.TrimLeft(rest, " \t")
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			i = len(rest)
		}
		v := rest[:i]
		rest = rest[i:]
		return v
	}
	w.Rule, w.Kfunc = word(), word()
	if w.Rule == "" || w.Kfunc == "" {
		return w, fmt.Errorf("want %q: needs RULE and kfunc", text)
	}
	if w.Kfunc == "-" {
		w.Kfunc = ""
	}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return w, nil
		}
		switch rest[0] {
		case '~', '@':
			q, err := strconv.QuotedPrefix(rest[1:])
			if err != nil {
				return w, fmt.Errorf("want %q: %c needs a quoted string: %v", text, rest[0], err)
			}
			v, _ := strconv.Unquote(q)
			if rest[0] == '~' {
				re, err := regexp.Compile(v)
				if err != nil {
					return w, fmt.Errorf("want %q: %v", text, err)
				}
				w.Message = re
			} else {
				w.Quote = v
			}
			rest = rest[1+len(q):]
		default:
			sev := word()
			if _, err := model.ParseSeverity(sev); err != nil || w.Severity != "" {
				return w, fmt.Errorf("want %q: unexpected %q", text, sev)
			}
			w.Severity = sev
		}
	}
}

// Key is "RULE kfunc severity", with the rule's default severity filled
// in, for comparing sets of findings.
func (w Want) Key() string {
	sev := w.Severity
	if sev == "" {
		if r := rules.ByID(w.Rule); r != nil {
			sev = r.Severity.String()
		}
	}
	return w.Rule + " " + w.Kfunc + " " + sev
}

// Matches reports whether f is the finding w describes.
func (w Want) Matches(f model.Finding) bool {
	if w.Rule != f.Rule || w.Kfunc != f.Kfunc {
		return false
	}
	if w.Severity != "" && w.Severity != f.Severity.String() {
		return false
	}
	if w.Message != nil && !w.Message.MatchString(f.Message) {
		return false
	}
	if w.Quote != "" && !slices.ContainsFunc(f.Quote, func(q string) bool { return strings.Contains(q, w.Quote) }) {
		return false
	}
	return true
}

// Expect is what one patch's notes ask for.
type Expect struct {
	Wants []Want
	// Repo are the wants with the whole tree in view, when the patch
	// gives them (HasRepo); otherwise Wants hold there too.
	Repo    []Want
	HasRepo bool
	Stable  []string
	// Releases is the declared release history, nil when none is.
	Releases *model.Releases
	// Target is the declared target, nil when none is.
	Target *model.Target
}

// parseRelease reads the text after "kfunccheck-release:".
func parseRelease(text string) (model.Release, error) {
	f := strings.Fields(text)
	if len(f) == 0 {
		return model.Release{}, fmt.Errorf("release %q: needs a name", text)
	}
	r := model.Release{Name: f[0], Kfuncs: map[string]model.ReleaseKfunc{}}
	for _, k := range f[1:] {
		name, states, _ := strings.Cut(k, "=")
		var rk model.ReleaseKfunc
		for _, st := range strings.Split(states, ",") {
			switch st {
			case "":
			case "stable":
				rk.Stable = true
			case "deprecated":
				rk.Deprecated = true
			default:
				return r, fmt.Errorf("release %q: %s: unknown state %q (want stable, deprecated)", text, name, st)
			}
		}
		r.Kfuncs[name] = rk
	}
	return r, nil
}

// Expectations reads the notes of p.
func Expectations(p *model.Patch) (Expect, error) {
	var e Expect
	for _, l := range p.Notes {
		t := strings.TrimSpace(l.Text)
		key, v, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		switch key {
		case "kfunccheck-want", "kfunccheck-want-repo":
			if key == "kfunccheck-want-repo" {
				e.HasRepo = true
				if strings.TrimSpace(v) == "none" {
					continue
				}
			}
			w, err := ParseWant(v)
			if err != nil {
				return e, fmt.Errorf("%s: line %d: %w", p.Name(), l.N, err)
			}
			if key == "kfunccheck-want" {
				e.Wants = append(e.Wants, w)
			} else {
				e.Repo = append(e.Repo, w)
			}
		case "kfunccheck-stable-list":
			e.Stable = append(e.Stable, strings.Fields(v)...)
		case "kfunccheck-release":
			r, err := parseRelease(v)
			if err != nil {
				return e, fmt.Errorf("%s: line %d: %w", p.Name(), l.N, err)
			}
			if e.Releases == nil {
				e.Releases = &model.Releases{}
			}
			e.Releases.List = append(e.Releases.List, r)
		case "kfunccheck-target":
			f := strings.Fields(v)
			if len(f) == 0 || len(f) > 2 {
				return e, fmt.Errorf("%s: line %d: target %q: want NAME [SERIES]", p.Name(), l.N, v)
			}
			e.Target = &model.Target{Name: f[0]}
			if len(f) == 2 {
				e.Target.Series = f[1]
			}
		}
	}
	if !e.HasRepo {
		e.Repo = e.Wants
	}
	return e, nil
}

// Compare matches findings against wants and returns what is wrong:
// unexpected findings and missing wants.
func Compare(fs []model.Finding, wants []Want) []string {
	var problems []string
	used := make([]bool, len(wants))
	for _, f := range fs {
		i := slices.IndexFunc(wants, func(w Want) bool { return w.Matches(f) })
		for i >= 0 && used[i] {
			j := slices.IndexFunc(wants[i+1:], func(w Want) bool { return w.Matches(f) })
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			problems = append(problems, fmt.Sprintf("unexpected finding %s %q %s: %s (quote %q)", f.Rule, f.Kfunc, f.Severity, f.Message, f.Quote))
			continue
		}
		used[i] = true
	}
	for i, w := range wants {
		if !used[i] {
			problems = append(problems, "missing finding "+w.Text)
		}
	}
	return problems
}

// Releases is a declared release history, as a history source.
type Releases struct{ R *model.Releases }

// Releases returns the history.
func (r Releases) Releases() (*model.Releases, error) { return r.R, nil }

// Run checks every case under dir (dir/RULE_ID/case) with the patch
// alone and the case's stable list, and returns the rules some case
// wants.
func Run(t *testing.T, dir string) map[string]bool {
	t.Helper()
	wanted := map[string]bool{}
	cases, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases under %s (%v)", dir, err)
	}
	for _, c := range cases {
		name := filepath.Base(filepath.Dir(c)) + "/" + filepath.Base(c)
		t.Run(name, func(t *testing.T) {
			var series []*model.Series
			if err := input.Read(c, input.Options{}, func(s *model.Series) { series = append(series, s) }); err != nil {
				t.Fatalf("reading: %v", err)
			}
			expect := map[*model.Patch]Expect{}
			var stable []string
			opt := patchcheck.Options{Interest: map[string]bool{}}
			for _, s := range series {
				for _, p := range s.Patches {
					e, err := Expectations(p)
					if err != nil {
						t.Fatal(err)
					}
					expect[p] = e
					stable = append(stable, e.Stable...)
					if e.Releases != nil {
						opt.History = Releases{e.Releases}
					}
					if e.Target != nil {
						opt.Target = e.Target
					}
				}
			}
			if len(stable) > 0 {
				opt.Baseline = baseline.Multi{baseline.NewStableList("testdata", stable), baseline.HunksOnly{}}
				for _, n := range stable {
					opt.Interest[n] = true
				}
			}
			checked := 0
			for _, s := range series {
				for _, res := range patchcheck.CheckSeries(s, opt) {
					checked++
					if len(res.Errors) > 0 {
						t.Errorf("%s: input errors: %v", res.Patch.Name(), res.Errors)
					}
					e := expect[res.Patch]
					for _, w := range e.Wants {
						wanted[w.Rule] = true
					}
					for _, w := range e.Repo {
						wanted[w.Rule] = true
					}
					for _, problem := range Compare(res.Findings, e.Wants) {
						t.Errorf("%s: %s", res.Patch.Name(), problem)
					}
				}
			}
			if checked == 0 {
				t.Error("case holds no patch")
			}
		})
	}
	return wanted
}
