// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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

// WriteJSON writes the document as json.Encoder with a two-space indent
// writes it, one kfunc and one step at a time, so that a history of
// thousands of releases is never held as one buffer.
func WriteJSON(w io.Writer, d *Doc) error {
	bw := bufio.NewWriter(w)
	put := func(prefix string, v any) error {
		b, err := json.MarshalIndent(v, prefix, "  ")
		if err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	}
	list := func(name string, n int, item func(i int) any, last bool) error {
		fmt.Fprintf(bw, "  %q: ", name)
		if n == 0 {
			bw.WriteString("[]")
		} else {
			bw.WriteString("[\n")
			for i := range n {
				bw.WriteString("    ")
				if err := put("    ", item(i)); err != nil {
					return err
				}
				if i < n-1 {
					bw.WriteString(",")
				}
				bw.WriteString("\n")
			}
			bw.WriteString("  ]")
		}
		if !last {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	bw.WriteString("{\n  \"schema\": ")
	if err := put("  ", d.Schema); err != nil {
		return err
	}
	bw.WriteString(",\n")
	if err := list("releases", len(d.Releases), func(i int) any { return d.Releases[i] }, false); err != nil {
		return err
	}
	if err := list("kfuncs", len(d.Kfuncs), func(i int) any { return d.Kfuncs[i] }, false); err != nil {
		return err
	}
	more := len(d.Compat) > 0 || d.URLTemplate != ""
	if err := list("steps", len(d.Steps), func(i int) any { return d.Steps[i] }, !more); err != nil {
		return err
	}
	if len(d.Compat) > 0 {
		if err := list("compat", len(d.Compat), func(i int) any { return d.Compat[i] }, d.URLTemplate == ""); err != nil {
			return err
		}
	}
	if d.URLTemplate != "" {
		bw.WriteString("  \"url_template\": ")
		if err := put("  ", d.URLTemplate); err != nil {
			return err
		}
		bw.WriteString("\n")
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
