// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// The page is written by the server, not by a script: the table, every
// kfunc's contract release by release and every step are HTML, so that
// the page reads without JavaScript (a kfunc's contract opens at its
// anchor, #bpf_task_acquire, through CSS :target). The inline script only
// adds the filters, the search and keys. Hostile histories are bounded:
// the page holds at most PageLimits' rows, cells, prototype length and
// list lines, and says what it left out.

//go:embed page.tmpl
var pageTemplate string

//go:embed page.css
var pageCSS string

//go:embed page.js
var pageJS string

// PageLimits bound what one page holds.
type PageLimits struct {
	// Rows is the most kfuncs the table and the page's contracts hold.
	Rows int
	// Cells is the most table cells: a long history's table shows its
	// newest releases only (every kfunc's contract still covers all).
	Cells int
	// ProtoChars is the longest prototype shown whole; ProtoDiffParams
	// the most parameters whose differences are marked.
	ProtoChars, ProtoDiffParams int
	// Lines is the most change and finding lines per kfunc and per step.
	Lines int
}

// DefaultPageLimits keep a page under a few MB and quick in a browser;
// Debian's 6.1 and 6.12 (226 kfuncs, 2 releases) are far inside them.
var DefaultPageLimits = PageLimits{Rows: 5000, Cells: 60000, ProtoChars: 2000, ProtoDiffParams: 128, Lines: 200}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"state": stateSymbol,
}).Parse(pageTemplate))

// stateSymbol is the short text of a cell.
func stateSymbol(s string) string {
	switch s {
	case StateNew:
		return "new"
	case StateChanged:
		return "changed"
	case StateDeprecated:
		return "deprecated"
	case StateRemoved:
		return "removed"
	case StateUnchanged:
		return "="
	case StatePresent:
		return "\u2713"
	}
	return ""
}

type pageData struct {
	Summary   string
	Notes     []string
	Columns   []pageColumn
	Rows      []*pageKfunc
	Steps     []pageStep
	Compat    []*Compat
	Site      bool
	Index     string // the index page, from a kfunc page of a site
	Kfunc     *pageKfunc
	CSS       template.CSS
	JS        template.JS
	Data      template.JS
	Subs      []string
	ProgTypes []string
	Flags     []string
	Releases  []string
}

type pageColumn struct{ Name, Title string }

type pageKfunc struct {
	Name, Anchor, Page, Subsystem, File string
	Changed                             bool
	Cells                               []pageCell
	Versions                            []pageVersion
	Lines                               []pageLine
	LinesLeft                           int
}

type pageCell struct{ State, Title string }

type pageLine struct{ Class, Text string }

type pageVersion struct {
	Releases   string
	Absent     bool
	Proto      template.HTML
	Flags      []pageFlag
	Callable   string
	Registered string
	Limits     []string
	Stability  string
	Source     string
	Link       string
}

type pageFlag struct{ Name, Mark string }

type pageStep struct {
	Title     string
	Lines     []pageLine
	LinesLeft int
}

// pageKfuncData is what the script reads of a kfunc: its name, the text
// the search matches, and each version's release range, flags and
// callable program types.
type pageKfuncData struct {
	Name     string        `json:"n"`
	Search   string        `json:"s"`
	Sub      string        `json:"sub"`
	Changed  bool          `json:"c"`
	Versions []pageVerData `json:"v"`
}

type pageVerData struct {
	From     int      `json:"f"`
	To       int      `json:"t"`
	Flags    []string `json:"fl"`
	Callable []string `json:"cf"` // nil: unknown
}

// Anchor is the page anchor of a kfunc: its name when it is a C
// identifier (the case of every kernel kfunc), else an escaped form
// that cannot collide with one.
func Anchor(name string) string {
	if isCIdent(name) {
		return name
	}
	var b strings.Builder
	b.WriteString("k-")
	for i := 0; i < len(name); i++ {
		fmt.Fprintf(&b, "%02x", name[i])
	}
	return b.String()
}

func isCIdent(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// page builds the page's data under the limits.
func (h *History) page(compat []*Compat, urlTemplate string, lim PageLimits, site bool) *pageData {
	d := &pageData{Compat: compat, Site: site, CSS: template.CSS(pageCSS), JS: template.JS(pageJS)}
	for _, r := range h.Releases {
		d.Releases = append(d.Releases, r.Name)
	}
	names := h.Names
	if len(names) > lim.Rows {
		d.Notes = append(d.Notes, fmt.Sprintf("%d of %d kfuncs are left out of this page (it holds %d); --format json has them all.", len(names)-lim.Rows, len(names), lim.Rows))
		names = names[:lim.Rows]
	}
	cols := len(h.Releases)
	if rows := max(len(names), 1); cols*rows > lim.Cells {
		cols = max(1, lim.Cells/rows)
	}
	first := len(h.Releases) - cols
	if first > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("The table shows the newest %d of %d releases (%s to %s); each kfunc's contract below covers all of them.",
			cols, len(h.Releases), h.Releases[first].Name, h.Releases[len(h.Releases)-1].Name))
	}
	for _, r := range h.Releases[first:] {
		d.Columns = append(d.Columns, pageColumn{Name: r.Name, Title: r.Kind + " " + r.Source})
	}
	perKfunc := h.linesByKfunc()
	subs, pts, flags := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var data []pageKfuncData
	for _, n := range names {
		k := &pageKfunc{Name: n, Anchor: Anchor(n)}
		if site {
			k.Page = "k/" + k.Anchor + ".html"
		}
		kd := pageKfuncData{Name: n}
		for i, r := range h.Releases {
			st := h.State(n, i)
			if st != StatePresent && st != StateAbsent && st != StateUnchanged {
				k.Changed = true
			}
			if i >= first {
				k.Cells = append(k.Cells, pageCell{State: st, Title: r.Name + ": " + st})
			}
			if c := r.Kfuncs[n]; c != nil {
				k.File = c.File
			}
		}
		k.Subsystem = Subsystem(k.File)
		kd.Sub, kd.Changed = k.Subsystem, k.Changed
		subs[k.Subsystem] = true
		k.Versions, kd.Versions, kd.Search = h.versions(n, urlTemplate, lim)
		for _, v := range kd.Versions {
			for _, f := range v.Flags {
				flags[f] = true
			}
			for _, p := range v.Callable {
				pts[p] = true
			}
		}
		kd.Search = strings.ToLower(n + "\n" + kd.Search + "\n" + k.File)
		lines := perKfunc[n]
		if len(lines) > lim.Lines {
			k.LinesLeft = len(lines) - lim.Lines
			lines = lines[:lim.Lines]
		}
		k.Lines = lines
		d.Rows = append(d.Rows, k)
		data = append(data, kd)
	}
	d.Subs, d.ProgTypes, d.Flags = sortedSet(subs), sortedSet(pts), sortedSet(flags)
	for _, s := range h.Steps {
		ps := pageStep{Title: s.From + " \u2192 " + s.To + ": " + CountsText(s.Counts())}
		for _, f := range s.Findings {
			if len(ps.Lines) == lim.Lines {
				ps.LinesLeft++
				continue
			}
			ps.Lines = append(ps.Lines, pageLine{Class: "finding-" + f.Severity.String(), Text: clipText(f.Severity.Label()+":"+f.Rule+": "+f.Message, maxLineChars)})
		}
		d.Steps = append(d.Steps, ps)
	}
	d.Summary = fmt.Sprintf("%d kfuncs over %d releases", len(h.Names), len(h.Releases))
	if len(h.Releases) > 0 {
		d.Summary += fmt.Sprintf(", %s to %s", h.Releases[0].Name, h.Releases[len(h.Releases)-1].Name)
	}
	b, _ := json.Marshal(map[string]any{"releases": d.Releases, "kfuncs": data})
	// encoding/json escapes <, > and &, so the data cannot end its
	// script element.
	d.Data = template.JS(b)
	return d
}

// maxLineChars bounds one line of a change or a finding on the page: a
// 6,000-parameter signature change says what changed in a line of its
// own in --format text and json.
const maxLineChars = 2000

// clipText cuts s to n bytes (at a rune boundary), saying how much it
// left out.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" \u2026 (%d more characters)", len(s)-cut)
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// linesByKfunc lists each kfunc's changes and findings, step by step.
func (h *History) linesByKfunc() map[string][]pageLine {
	out := map[string][]pageLine{}
	for _, s := range h.Steps {
		for _, c := range s.Changes {
			if c.Kfunc == "" {
				continue
			}
			text := clipText(s.From+" \u2192 "+s.To+": "+c.Summary(), maxLineChars)
			out[c.Kfunc] = append(out[c.Kfunc], pageLine{Class: "change", Text: text})
		}
		for _, f := range s.Findings {
			if f.Kfunc != "" {
				out[f.Kfunc] = append(out[f.Kfunc], pageLine{Class: "finding-" + f.Severity.String(),
					Text: clipText(s.From+" \u2192 "+s.To+": "+f.Severity.Label()+":"+f.Rule+": "+f.Message, maxLineChars)})
			}
		}
	}
	return out
}

// versions groups a kfunc's releases into runs of one contract (or of
// absence), oldest first, each rendered against the version before.
func (h *History) versions(name, urlTemplate string, lim PageLimits) ([]pageVersion, []pageVerData, string) {
	var out []pageVersion
	var data []pageVerData
	search := ""
	var prev *Contract
	start := 0
	flush := func(end int) {
		r0, r1 := h.Releases[start], h.Releases[end]
		span := r0.Name
		if end > start {
			span += " \u2013 " + r1.Name
		}
		c := r0.Kfuncs[name]
		if c == nil {
			out = append(out, pageVersion{Releases: span, Absent: true})
			return
		}
		v := pageVersion{Releases: span, Stability: strings.TrimSpace(map[bool]string{true: "stable"}[c.Stable] + map[bool]string{true: " deprecated"}[c.Deprecated])}
		v.Proto = protoHTML(prev, c, lim)
		var before []string
		if prev != nil {
			before = prev.Flags
		}
		for _, f := range c.Flags {
			mark := ""
			if prev != nil && !slices.Contains(before, f) {
				mark = "ins"
			}
			v.Flags = append(v.Flags, pageFlag{Name: f, Mark: mark})
		}
		for _, f := range before {
			if !slices.Contains(c.Flags, f) {
				v.Flags = append(v.Flags, pageFlag{Name: f, Mark: "del"})
			}
		}
		switch {
		case c.CallableFrom == nil:
			v.Callable = "unknown: " + r0.CallableSource
		case len(c.CallableFrom) == 0:
			v.Callable = "none (no registration files it under a hook)"
		default:
			var pts []string
			for _, p := range c.CallableFrom {
				pts = append(pts, ProgTypeName(p))
			}
			v.Callable = strings.Join(pts, ", ")
		}
		var reg []string
		for _, p := range c.ProgTypes {
			reg = append(reg, ProgTypeName(p))
		}
		v.Registered = strings.Join(reg, ", ")
		for _, f := range c.Filters {
			v.Limits = append(v.Limits, "filter "+f+"() may refuse some programs")
		}
		for _, cd := range c.Conds {
			v.Limits = append(v.Limits, "only when "+cd)
		}
		if c.File != "" {
			v.Source = c.File
			if c.Line > 0 {
				v.Source += ":" + strconv.Itoa(c.Line)
			}
			if r0.Kind == "git" {
				v.Link = Link(urlTemplate, r0, c.File, c.Line)
			}
		}
		out = append(out, v)
		data = append(data, pageVerData{From: start, To: end, Flags: c.Flags, Callable: c.CallableFrom})
		search = c.Prototype
		prev = c
	}
	for i := range h.Releases {
		if i == 0 {
			continue
		}
		a, b := h.Releases[i-1].Kfuncs[name], h.Releases[i].Kfuncs[name]
		if a == b || a != nil && b != nil && a.sameAs(b) && h.State(name, i) == StateUnchanged {
			continue
		}
		flush(i - 1)
		start = i
	}
	flush(len(h.Releases) - 1)
	search = clipText(search, lim.ProtoChars)
	return out, data, search
}

// protoHTML renders a contract's prototype, its differences from the
// version before marked parameter by parameter (linear in the
// parameters, bounded by the limits).
func protoHTML(prev, c *Contract, lim PageLimits) template.HTML {
	text := c.Prototype
	if text == "" {
		return template.HTML("<em>definition not found</em>")
	}
	clip := func(s string) string { return clipText(s, lim.ProtoChars) }
	esc := template.HTMLEscapeString
	p, q := (*model.Proto)(nil), c.proto
	if prev != nil {
		p = prev.proto
	}
	if p == nil || q == nil || prev.Prototype == text {
		return template.HTML(esc(clip(text)))
	}
	if len(p.Params) > lim.ProtoDiffParams || len(q.Params) > lim.ProtoDiffParams {
		return template.HTML(esc(clip(text)) + fmt.Sprintf(` <span class="note">(changed; differences not marked past %d parameters)</span>`, lim.ProtoDiffParams))
	}
	var b strings.Builder
	part := func(old, new string) {
		switch {
		case old == new:
			b.WriteString(esc(new))
		default:
			if old != "" {
				b.WriteString(`<del>` + esc(old) + `</del>`)
			}
			if new != "" {
				b.WriteString(`<ins>` + esc(new) + `</ins>`)
			}
		}
	}
	part(p.Return, q.Return)
	if !strings.HasSuffix(q.Return, "*") {
		b.WriteByte(' ')
	}
	b.WriteString(esc(q.Name) + "(")
	// The parameters are matched by a longest common subsequence (at most
	// ProtoDiffParams squared steps): an inserted parameter shows as one
	// insertion, not as every later one changed.
	decl := func(ps []model.Param) []string {
		out := make([]string, len(ps))
		for i, pa := range ps {
			out[i] = model.Declare(pa.Type, pa.Name)
		}
		return out
	}
	for i, op := range diffLists(decl(p.Params), decl(q.Params)) {
		if i > 0 {
			b.WriteString(", ")
		}
		part(op[0], op[1])
	}
	if q.Variadic {
		b.WriteString(", ...")
	}
	b.WriteString(")")
	if b.Len() > 4*lim.ProtoChars {
		return template.HTML(esc(clip(text)))
	}
	return template.HTML(b.String())
}

// diffLists aligns two lists by their longest common subsequence: each
// pair is {old, new}, equal for a kept item, one side empty for an item
// removed or added.
func diffLists(a, b []string) [][2]string {
	m, n := len(a), len(b)
	l := make([][]int, m+1)
	for i := range l {
		l[i] = make([]int, n+1)
	}
	for i := m - 1; i >= 0; i-- {
		for j := n - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var out [][2]string
	i, j := 0, 0
	for i < m || j < n {
		switch {
		case i < m && j < n && a[i] == b[j]:
			out = append(out, [2]string{a[i], b[j]})
			i, j = i+1, j+1
		case j < n && (i == m || l[i][j+1] >= l[i+1][j]):
			out = append(out, [2]string{"", b[j]})
			j++
		default:
			out = append(out, [2]string{a[i], ""})
			i++
		}
	}
	return out
}

// WriteHTML writes one self-contained page: the table of kfuncs by
// release, each kfunc's contract at its anchor, the steps and the
// compatibility of the programs, within DefaultPageLimits.
func (h *History) WriteHTML(w io.Writer, compat []*Compat, urlTemplate string) error {
	return pageTmpl.ExecuteTemplate(w, "page", h.page(compat, urlTemplate, DefaultPageLimits, false))
}

// WriteSite writes a static site into dir: index.html, the page's table
// with each kfunc linked to k/NAME.html, a self-contained page of its
// contract (no script needed).
func (h *History) WriteSite(dir string, compat []*Compat, urlTemplate string) error {
	lim := DefaultPageLimits
	d := h.page(compat, urlTemplate, lim, true)
	if err := os.MkdirAll(filepath.Join(dir, "k"), 0o755); err != nil {
		return err
	}
	write := func(path, tmpl string, data *pageData) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		err = pageTmpl.ExecuteTemplate(bw, tmpl, data)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := write(filepath.Join(dir, "index.html"), "page", d); err != nil {
		return err
	}
	for _, k := range d.Rows {
		kd := *d
		kd.Kfunc, kd.Index = k, "../index.html"
		if err := write(filepath.Join(dir, "k", k.Anchor+".html"), "kfuncpage", &kd); err != nil {
			return err
		}
	}
	return nil
}
