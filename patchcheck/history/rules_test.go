// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// rel is a release for the rule fixtures: a name, a commit time in days
// and its kfuncs as "name flags..." (the prototype is "int name(int x)",
// or "void name(void)" for a name ending in _v).
type rel struct {
	name   string
	day    int64
	kfuncs []string
}

// withPolicy returns the default policy changed by fn.
func withPolicy(fn func(*policy.Config)) *policy.Config {
	cfg := policy.Default()
	fn(cfg)
	return cfg
}

func buildRules(t *testing.T, rels []rel, cfg *policy.Config) []string {
	t.Helper()
	var rs []*Release
	for i, x := range rels {
		entries, protos := map[string]string{}, map[string]string{}
		for _, k := range x.kfuncs {
			name, flags, _ := strings.Cut(k, " ")
			entries[name] = flags + " @BPF_PROG_TYPE_TRACING"
			protos[name] = "int(int x)"
			if strings.HasSuffix(name, "_v") {
				protos[name] = "void(void)"
			}
		}
		rr := FromSnapshot(x.name, "c"+x.name, snap(t, entries, protos), cfg, nil)
		rr.Time = x.day * 86400
		if i == 0 && x.day == 0 {
			rr.Time = 0
		}
		rs = append(rs, rr)
	}
	h, err := Build(rs, patchcheck.Options{Policy: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range h.Steps {
		for _, f := range s.Findings {
			if strings.HasPrefix(f.Rule, "HISTORY_") {
				out = append(out, s.From+".."+s.To+" "+f.Rule+" "+f.Kfunc)
				if !strings.HasPrefix(f.Message, f.Kfunc+": ") {
					t.Errorf("message %q does not start with the kfunc", f.Message)
				}
			}
		}
	}
	return out
}

// TestHistoryRules holds each history rule to fixtures that fire and
// fixtures that pass.
func TestHistoryRules(t *testing.T) {
	tens := policy.Default()
	one := withPolicy(func(c *policy.Config) { c.MinDeprecationReleases = 1 })
	days := withPolicy(func(c *policy.Config) { c.MinDeprecationReleases, c.MinDeprecationDays = 0, 365 })
	lts := withPolicy(func(c *policy.Config) { c.StableSeries = []string{"v6.1.*"} })
	tests := []struct {
		name  string
		rels  []rel
		rules *policy.Config
		want  []string
	}{
		{"deprecated one release before removal", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a KF_STABLE", "bpf_b"}},
			{name: "v6.11", kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED", "bpf_b"}},
			{name: "v6.12", kfuncs: []string{"bpf_b"}},
		}, tens, []string{"v6.11..v6.12 HISTORY_DEPRECATION_PERIOD bpf_a"}},
		{"deprecated long enough for the policy", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a KF_STABLE"}},
			{name: "v6.11", kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED"}},
			{name: "v6.12", kfuncs: []string{}},
		}, one, nil},
		{"deprecated before history begins", []rel{
			{name: "v6.11", kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED"}},
			{name: "v6.12", kfuncs: []string{}},
		}, tens, nil},
		{"demoted while deprecated", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a KF_STABLE"}},
			{name: "v6.11", kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED"}},
			{name: "v6.12", kfuncs: []string{"bpf_a KF_DEPRECATED"}},
		}, tens, []string{"v6.11..v6.12 HISTORY_DEPRECATION_PERIOD bpf_a"}},
		{"a deprecated kfunc that is not stable may go", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a"}},
			{name: "v6.11", kfuncs: []string{"bpf_a KF_DEPRECATED"}},
			{name: "v6.12", kfuncs: []string{}},
		}, tens, nil},
		{"deprecated 30 days before removal", []rel{
			{name: "v6.10", day: 1, kfuncs: []string{"bpf_a KF_STABLE"}},
			{name: "v6.11", day: 100, kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED"}},
			{name: "v6.12", day: 130, kfuncs: []string{}},
		}, days, []string{"v6.11..v6.12 HISTORY_DEPRECATION_PERIOD bpf_a"}},
		{"deprecated 400 days before removal", []rel{
			{name: "v6.10", day: 1, kfuncs: []string{"bpf_a KF_STABLE"}},
			{name: "v6.11", day: 100, kfuncs: []string{"bpf_a KF_STABLE KF_DEPRECATED"}},
			{name: "v6.12", day: 500, kfuncs: []string{}},
		}, days, nil},
		{"a removed name comes back", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a", "bpf_old"}},
			{name: "v6.11", kfuncs: []string{"bpf_a"}},
			{name: "v6.12", kfuncs: []string{"bpf_a", "bpf_old_v", "bpf_new"}},
		}, tens, nil /* bpf_old_v is another name */},
		{"a removed name reused", []rel{
			{name: "v6.10", kfuncs: []string{"bpf_a", "bpf_old"}},
			{name: "v6.11", kfuncs: []string{"bpf_a"}},
			{name: "v6.12", kfuncs: []string{"bpf_a", "bpf_old", "bpf_new"}},
		}, tens, []string{"v6.11..v6.12 HISTORY_NAME_REUSED bpf_old"}},
		{"changes inside the 6.1 series, by version", []rel{
			{name: "v6.1", kfuncs: []string{"bpf_a", "bpf_b"}},
			{name: "v6.1.5", kfuncs: []string{"bpf_a KF_RCU", "bpf_b", "bpf_c"}},
			{name: "v6.2", kfuncs: []string{"bpf_a", "bpf_b"}},
		}, tens, []string{"v6.1..v6.1.5 HISTORY_STABLE_SERIES bpf_a", "v6.1..v6.1.5 HISTORY_STABLE_SERIES bpf_c"}},
		{"Debian's 6.1 kernels are one series", []rel{
			{name: "6.1.0-47-amd64", kfuncs: []string{"bpf_a"}},
			{name: "6.1.0-57-amd64", kfuncs: []string{}},
		}, tens, []string{"6.1.0-47-amd64..6.1.0-57-amd64 HISTORY_STABLE_SERIES bpf_a"}},
		{"a series by pattern", []rel{
			{name: "v6.1", kfuncs: []string{"bpf_a"}},
			{name: "v6.1.1", kfuncs: []string{"bpf_a KF_RCU"}},
			{name: "v6.1.2", kfuncs: []string{}},
		}, lts, []string{"v6.1.1..v6.1.2 HISTORY_STABLE_SERIES bpf_a"}},
		{"no change inside the series", []rel{
			{name: "v6.1.1", kfuncs: []string{"bpf_a KF_RCU"}},
			{name: "v6.1.2", kfuncs: []string{"bpf_a KF_RCU"}},
		}, lts, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := buildRules(t, tt.rels, tt.rules)
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHistoryRulesPolicy checks that the policy's ignores and severities
// apply to the history rules.
func TestHistoryRulesPolicy(t *testing.T) {
	cfg := policy.Default()
	cfg.Severity = map[string]string{"HISTORY_NAME_REUSED": "error"}
	cfg.Ignore = []string{"HISTORY_STABLE_SERIES"}
	mk := func(name string, ks ...string) *Release {
		e, p := map[string]string{}, map[string]string{}
		for _, k := range ks {
			e[k], p[k] = "", "int(int x)"
		}
		return FromSnapshot(name, name, snap(t, e, p), cfg, nil)
	}
	h, err := Build([]*Release{mk("v6.1", "bpf_a"), mk("v6.1.1"), mk("v6.1.2", "bpf_a")}, patchcheck.Options{Policy: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range h.Steps {
		for _, f := range s.Findings {
			if strings.HasPrefix(f.Rule, "HISTORY_") {
				got = append(got, f.Rule+" "+f.Severity.String())
			}
		}
	}
	if !slices.Equal(got, []string{"HISTORY_NAME_REUSED error"}) {
		t.Errorf("findings %v", got)
	}
}

// TestRulesOnPatches holds the history rules as check runs them on a
// patch on top of the last release of a repository's history: fixtures
// that fire and that pass.
func TestRulesOnPatches(t *testing.T) {
	cfg := policy.Default()
	mk := func(name string, ks map[string]string) *Release {
		p := map[string]string{}
		for k := range ks {
			p[k] = "int(int x)"
		}
		return FromSnapshot(name, name, snap(t, ks, p), cfg, nil)
	}
	rels := []*Release{
		mk("v6.10", map[string]string{"bpf_a": "KF_STABLE", "bpf_old": "", "bpf_c": "KF_STABLE KF_DEPRECATED"}),
		mk("v6.11", map[string]string{"bpf_a": "KF_STABLE KF_DEPRECATED", "bpf_c": "KF_STABLE KF_DEPRECATED", "bpf_d": "KF_STABLE"}),
		mk("v6.12", map[string]string{"bpf_a": "KF_STABLE KF_DEPRECATED", "bpf_c": "KF_STABLE KF_DEPRECATED", "bpf_d": "KF_STABLE"}),
	}
	history := known{&model.Releases{List: facts(rels)}}
	state := func(flags ...string) *model.KfuncState {
		return &model.KfuncState{Entries: []model.Entry{{Flags: flags}}}
	}
	removed := func(name string, flags ...string) *model.Change {
		return &model.Change{Kfunc: name, Kind: model.KindRemoved, Before: state(flags...)}
	}
	added := &model.Change{Kfunc: "bpf_old", Kind: model.KindAdded, After: state()}
	addedNew := &model.Change{Kfunc: "bpf_new", Kind: model.KindAdded, After: state()}
	dep := []string{"KF_DEPRECATED", "KF_STABLE"}
	two := withPolicy(func(c *policy.Config) { c.MinDeprecationReleases = 2 })
	branches := withPolicy(func(c *policy.Config) { c.StableSeries = []string{"linux-*.y"} })
	tests := []struct {
		name    string
		msg     string
		changes []*model.Change
		target  string
		cfg     *policy.Config
		want    []string
	}{
		{"removed two releases after its deprecation", "bpf: remove bpf_a\n\nIt was deprecated since v6.11.", []*model.Change{removed("bpf_a", dep...)}, "", cfg,
			[]string{"HISTORY_DEPRECATION_PERIOD bpf_a"}},
		{"the same with a period of two releases", "deprecated since v6.11", []*model.Change{removed("bpf_a", dep...)}, "", two, nil},
		{"a claim history contradicts", "bpf_a was deprecated since v6.10.", []*model.Change{removed("bpf_a", dep...)}, "", two,
			[]string{"HISTORY_DEPRECATION_CLAIM bpf_a"}},
		{"a claim about a release history does not hold", "deprecated since v5.4", []*model.Change{removed("bpf_a", dep...)}, "", two, nil},
		{"deprecated since before the history", "", []*model.Change{removed("bpf_c", dep...)}, "", cfg, nil},
		{"deprecated after the last release", "", []*model.Change{removed("bpf_d", dep...)}, "", cfg,
			[]string{"HISTORY_DEPRECATION_PERIOD bpf_d"}},
		{"not stable: no period", "", []*model.Change{removed("bpf_x", "KF_DEPRECATED")}, "", cfg, nil},
		{"a removed name reused", "", []*model.Change{added, addedNew}, "", cfg, []string{"HISTORY_NAME_REUSED bpf_old"}},
		// bpf_old came back after v6.12, in a commit judged then; a
		// second entry for it now is no new reuse.
		{"a reused name gets another entry", "", []*model.Change{{Kfunc: "bpf_old", Kind: model.KindAdded, Before: state(), After: state()}}, "", cfg, nil},
		{"a change on a stable branch", "", []*model.Change{addedNew}, "linux-6.12.y", branches,
			[]string{"HISTORY_STABLE_SERIES bpf_new"}},
		{"the same change on mainline", "", []*model.Change{addedNew}, "master", branches, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &model.Patch{Message: []model.Line{{N: 1, Text: tt.msg}}}
			opt := patchcheck.Options{Policy: tt.cfg, History: history, Rules: historyRules()}
			if tt.target != "" {
				opt.Target = &model.Target{Name: tt.target, Series: tt.cfg.StableSeriesOf(tt.target)}
			}
			var got []string
			for _, f := range patchcheck.CheckChanges(p, tt.changes, opt).Findings {
				got = append(got, f.Rule+" "+f.Kfunc)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}

// historyRules returns the rules that read the release history or the
// target.
func historyRules() []*rules.Rule {
	var out []*rules.Rule
	for _, r := range rules.All {
		if slices.Contains(r.Requires, rules.FactHistory) || slices.Contains(r.Requires, rules.FactTarget) {
			out = append(out, r)
		}
	}
	return out
}
