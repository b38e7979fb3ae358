// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

// SchemaVersion names the JSON document's schema; it changes only when a
// field changes meaning or goes away, never when one is added.
const SchemaVersion = "kfunccheck-history/1"

// Doc is the JSON document of a history (README, "kfunccheck history").
type Doc struct {
	Schema   string       `json:"schema"`
	Releases []DocRelease `json:"releases"`
	Kfuncs   []DocKfunc   `json:"kfuncs"`
	Steps    []DocStep    `json:"steps"`
	// Compat is the compatibility matrix of BPF programs (--uses).
	Compat []*Compat `json:"compat,omitempty"`
	// URLTemplate links source lines (see Link).
	URLTemplate string `json:"url_template,omitempty"`
}

// DocRelease is one release.
type DocRelease struct {
	Name         string `json:"name"`
	Source       string `json:"source"`
	Kind         string `json:"kind"`
	Kfuncs       int    `json:"kfuncs"`
	HasFlags     bool   `json:"has_flags"`
	HasProgTypes bool   `json:"has_prog_types"`
	// Time is a git release's commit time, RFC 3339; "" for BTF.
	Time string `json:"time,omitempty"`
}

// DocKfunc is one kfunc over every release.
type DocKfunc struct {
	Name string `json:"name"`
	// File and Subsystem are those of its latest entry.
	File      string `json:"file"`
	Subsystem string `json:"subsystem"`
	// Changed is true when any step changed it (added and removed
	// included).
	Changed  bool       `json:"changed"`
	Releases []DocState `json:"releases"`
}

// DocState is a kfunc in one release: its cell state and, when present,
// its contract.
type DocState struct {
	Release string `json:"release"`
	State   string `json:"state"`
	Present bool   `json:"present"`
	*Contract
	// Link is the source line's URL, from the URL template.
	Link string `json:"link,omitempty"`
}

// DocStep is one step between consecutive releases: the changes and the
// findings, in the form of check's JSON (DESIGN.md §4).
type DocStep struct {
	From     string                   `json:"from"`
	To       string                   `json:"to"`
	Counts   map[model.ChangeKind]int `json:"counts"`
	Changes  []report.JSONChange      `json:"changes"`
	Findings []report.JSONFinding     `json:"findings"`
}

// Document builds the JSON document; urlTemplate may be "".
func (h *History) Document(urlTemplate string) *Doc {
	d := &Doc{Schema: SchemaVersion, Releases: []DocRelease{}, Kfuncs: []DocKfunc{}, Steps: []DocStep{}, URLTemplate: urlTemplate}
	for _, r := range h.Releases {
		dr := DocRelease{Name: r.Name, Source: r.Source, Kind: r.Kind, Kfuncs: len(r.Kfuncs),
			HasFlags: r.HasFlags, HasProgTypes: r.HasProgTypes}
		if r.Time > 0 {
			dr.Time = time.Unix(r.Time, 0).UTC().Format(time.RFC3339)
		}
		d.Releases = append(d.Releases, dr)
	}
	for _, n := range h.Names {
		k := DocKfunc{Name: n, Releases: []DocState{}}
		for i, r := range h.Releases {
			st := DocState{Release: r.Name, State: h.State(n, i)}
			if c := r.Kfuncs[n]; c != nil {
				st.Present, st.Contract = true, c
				k.File = c.File
				if r.Kind == "git" {
					st.Link = Link(urlTemplate, r, c.File, c.Line)
				}
			}
			if st.State != StatePresent && st.State != StateAbsent && st.State != StateUnchanged {
				k.Changed = true
			}
			k.Releases = append(k.Releases, st)
		}
		k.Subsystem = Subsystem(k.File)
		d.Kfuncs = append(d.Kfuncs, k)
	}
	for _, s := range h.Steps {
		j := report.ToJSON(report.Unit{Result: s.Result})
		d.Steps = append(d.Steps, DocStep{From: s.From, To: s.To, Counts: s.Counts(), Changes: j.Changes, Findings: j.Findings})
	}
	return d
}
