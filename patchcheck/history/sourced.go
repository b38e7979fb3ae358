// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// A built kernel's BTF names each kfunc's sets (.BTF_ids) but not what
// they are registered for, nor the release's hook table: both are in its
// source. For the kernel series whose source the project has read, a
// sourced table gives them, matched by set name; sourced.json is written
// by internal/gensourced from Debian's linux-source packages (see
// scripts/gen-sourced.sh) and names the package version it read.

// SourcedTable is what one kernel series' source says about its kfunc
// sets.
type SourcedTable struct {
	// Series is the kernel's major.minor ("6.12").
	Series string `json:"series"`
	// Provenance names the source read ("Debian linux-source-6.12
	// 6.12.117").
	Provenance string     `json:"provenance"`
	Hooks      *HookTable `json:"hooks"`
	// Sets maps a kfunc set's name to its registrations.
	Sets map[string]SourcedSet `json:"sets"`
}

// SourcedSet is one kfunc set's registrations.
type SourcedSet struct {
	ProgTypes []string `json:"prog_types"`
	Filters   []string `json:"filters,omitempty"`
	Conds     []string `json:"conds,omitempty"`
}

//go:embed sourced.json
var sourcedJSON []byte

var sourced = sync.OnceValue(func() map[string]*SourcedTable {
	var ts []*SourcedTable
	if err := json.Unmarshal(sourcedJSON, &ts); err != nil {
		panic("history: sourced.json: " + err.Error())
	}
	out := map[string]*SourcedTable{}
	for _, t := range ts {
		out[t.Series] = t
	}
	return out
})

// kernelSeriesRE finds a kernel's major.minor at the start of a release label
// ("6.1.0-57-amd64", "v6.12.3").
var kernelSeriesRE = regexp.MustCompile(`^v?(\d+\.\d+)(?:[.\-+~]|$)`)

// Sourced returns the sourced table of the series a release label names,
// nil when there is none.
func Sourced(label string) *SourcedTable {
	m := kernelSeriesRE.FindStringSubmatch(label)
	if m == nil {
		return nil
	}
	return sourced()[m[1]]
}

// SourcedFrom writes a sourced table from a release read from source:
// each set's registrations, from the routes of the kfuncs it holds. A
// route's condition joins the entry's with the registration's; a set's
// conditions are the conjuncts every one of its routes has (the
// registration's), not one entry's own.
func SourcedFrom(r *Release, series, provenance string) *SourcedTable {
	t := &SourcedTable{Series: series, Provenance: provenance, Hooks: r.Hooks, Sets: map[string]SourcedSet{}}
	if r.snap == nil {
		return t
	}
	conds := map[string][]string{}
	seen := map[string]bool{}
	for _, a := range r.snap.Avail {
		if a == nil {
			continue
		}
		for _, rt := range a.Routes {
			if rt.Set == "" {
				continue
			}
			s := t.Sets[rt.Set]
			s.ProgTypes = addSorted(s.ProgTypes, rt.ProgType)
			s.Filters = addSorted(s.Filters, rt.Filter)
			t.Sets[rt.Set] = s
			var cj []string
			for _, c := range strings.Split(rt.Cond, "&&") {
				if c = strings.TrimSpace(c); c != "" {
					cj = addSorted(cj, c)
				}
			}
			if !seen[rt.Set] {
				seen[rt.Set], conds[rt.Set] = true, cj
				continue
			}
			conds[rt.Set] = slices.DeleteFunc(conds[rt.Set], func(c string) bool { return !slices.Contains(cj, c) })
		}
	}
	for name, cj := range conds {
		if len(cj) > 0 {
			s := t.Sets[name]
			s.Conds = []string{strings.Join(cj, " && ")}
			t.Sets[name] = s
		}
	}
	return t
}

func addSorted(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	list = append(list, v)
	slices.Sort(list)
	return list
}

// applySourced gives a BTF release the registrations of its kfuncs' sets
// and its hook table from the sourced table of its series.
func (r *Release) applySourced(t *SourcedTable, sets func(name string) []string) {
	if t == nil {
		r.applyHooks(nil, "BTF holds no registrations, and no sourced table covers "+r.Name)
		return
	}
	for name, c := range r.Kfuncs {
		ss := sets(name)
		if len(ss) == 0 {
			continue
		}
		var pts, filters, conds []string
		known := true
		for _, s := range ss {
			src, ok := t.Sets[s]
			if !ok {
				known = false
				break
			}
			for _, pt := range src.ProgTypes {
				pts = addSorted(pts, pt)
			}
			for _, f := range src.Filters {
				filters = addSorted(filters, f)
			}
			for _, cd := range src.Conds {
				conds = addSorted(conds, cd)
			}
		}
		if known {
			c.ProgTypes, c.Filters, c.Conds = pts, filters, conds
			if c.ProgTypes == nil {
				c.ProgTypes = []string{}
			}
		}
	}
	h := *t.Hooks
	h.Source = "the sets' registrations and " + btfC + " of " + t.Provenance + ", matched by set name"
	r.applyHooks(&h, "")
	r.HasProgTypes = true
}
