// SPDX-License-Identifier: GPL-2.0-only

// Package extract builds the kfunc snapshots before and after a patch and
// diffs them into typed changes (added, removed, promoted, demoted,
// deprecated, undeprecated, flags, signature, moved).
package extract

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Options are the inputs of an extraction beyond the patch.
type Options struct {
	Policy   *policy.Config
	Baseline baseline.Baseline
	// Interest names functions to treat as kfuncs even when no set entry
	// is visible (a stable list's names).
	Interest map[string]bool
	// Tree is the rest of the pre-image tree, from the tree-wide kfunc
	// index; nil when only the patch (and the pre-images of the files it
	// touches) is known.
	Tree TreeView
}

// TreeView is the pre-image tree beyond the files a patch touches, as
// the tree-wide kfunc index shows it.
type TreeView interface {
	// Scans calls fn for every file of the tree that holds kfunc code,
	// but those in skip.
	Scans(skip map[string]bool, fn func(path string, r *cscan.Result))
	// List finds the body of an X-macro list for the file scanned as r,
	// in the file or in the headers it includes.
	List(r *cscan.Result, name string) (string, bool)
}

// Result is the extraction of one patch.
type Result struct {
	Before, After *model.Snapshot
	Changes       []*model.Change
	// FullFiles lists files whose whole pre-image was used.
	FullFiles []string
	Errors    []error
}

// notes maps a file to why its full pre-image could not be used.
type notes map[string]string

// IsSource reports whether path is C source or a header.
func IsSource(path string) bool {
	return strings.HasSuffix(path, ".c") || strings.HasSuffix(path, ".h")
}

// Patch extracts the kfunc changes a patch makes.
func Patch(p *model.Patch, opt Options) *Result {
	res := &Result{Before: model.NewSnapshot(), After: model.NewSnapshot()}
	missing := notes{}
	var pres, posts []fileScan
	for _, fd := range p.Files {
		if fd.Binary || !IsSource(fd.Path()) || !interesting(fd, opt.Interest) {
			continue
		}
		pre, post, full, note, err := segments(fd, opt.Baseline)
		if err != nil {
			res.Errors = append(res.Errors, err)
		}
		if note != "" {
			missing[fd.Path()] = note
		}
		if full {
			res.FullFiles = append(res.FullFiles, fd.Path())
		}
		all := func(string) bool { return true }
		oldPath := orPath(fd.OldPath, fd.NewPath)
		pres = append(pres, fileScan{path: oldPath, res: cscan.Scan(oldPath, pre, all), full: full})
		posts = append(posts, fileScan{path: fd.Path(), res: cscan.Scan(fd.Path(), post, all), full: full})
	}
	var lists ListSource
	if opt.Tree != nil {
		// The rest of the tree is the same on both sides: its entries,
		// registrations and definitions complete what the patch shows.
		skip := map[string]bool{}
		for _, fs := range pres {
			skip[fs.path] = true
		}
		for _, fs := range posts {
			skip[fs.path] = true
		}
		opt.Tree.Scans(skip, func(path string, r *cscan.Result) {
			pres = append(pres, fileScan{path: path, res: r, full: true})
			posts = append(posts, fileScan{path: path, res: r, full: true})
		})
		lists = opt.Tree.List
	}
	resolve(pres, opt.Policy, lists, res.Before)
	resolve(posts, opt.Policy, lists, res.After)
	res.Changes = diff(res.Before, res.After, opt)
	for i := range pres {
		if i < len(posts) && !pres[i].full {
			res.Changes = append(res.Changes, unresolvedRegistrations(pres[i], posts[i])...)
		}
	}
	for _, c := range res.Changes {
		c.BaselineNote = missing[c.Pos.File]
	}
	return res
}

func orPath(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func interesting(fd *model.FileDiff, interest map[string]bool) bool {
	for _, h := range fd.Hunks {
		if cscan.HasMarker(h.Section) {
			return true
		}
		for _, l := range h.Lines {
			if cscan.HasMarker(l.Text) {
				return true
			}
			if len(interest) > 0 && mentions(l.Text, interest) {
				return true
			}
		}
	}
	return false
}

// mentions reports whether text holds an identifier in names.
func mentions(text string, names map[string]bool) bool {
	start := -1
	for i := 0; i <= len(text); i++ {
		ident := i < len(text) && (text[i] == '_' || text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9')
		switch {
		case ident && start < 0:
			start = i
		case !ident && start >= 0:
			if names[text[start:i]] {
				return true
			}
			start = -1
		}
	}
	return false
}

// segments returns what the patch lets us see of the file before and
// after: the whole file when the baseline has its pre-image and the hunks
// apply to it, the hunks alone otherwise. note says why a pre-image the
// baseline should have had could not be used.
func segments(fd *model.FileDiff, bl baseline.Baseline) (pre, post []cscan.Segment, full bool, note string, err error) {
	if bl != nil && fd.Status != model.Added {
		data, perr := bl.PreImage(orPath(fd.OldPath, fd.NewPath), fd.OldBlob)
		switch {
		case perr == nil:
			pre, post, aerr := apply(fd, string(data))
			if aerr == nil {
				return pre, post, true, "", nil
			}
			note = aerr.Error()
		case errors.Is(perr, baseline.ErrMissing):
			note = perr.Error()
		case !errors.Is(perr, baseline.ErrUnavailable):
			err = perr
		}
	}
	for _, h := range fd.Hunks {
		hint, macro := cscan.SetFromSection(h.Section)
		var b, a cscan.Segment
		b.SetHint, a.SetHint = hint, hint
		b.SetHintMacro, a.SetHintMacro = macro, macro
		for _, l := range h.Lines {
			if l.Op != '+' {
				b.Lines = append(b.Lines, cscan.Line{Text: l.Text, Line: l.OldLine, PatchLine: l.PatchLine})
			}
			if l.Op != '-' {
				a.Lines = append(a.Lines, cscan.Line{Text: l.Text, Line: l.NewLine, PatchLine: l.PatchLine})
			}
		}
		pre, post = append(pre, b), append(post, a)
	}
	return pre, post, false, note, err
}

// apply applies the hunks of fd to the pre-image content and returns both
// whole files as segments.
func apply(fd *model.FileDiff, content string) (pre, post []cscan.Segment, err error) {
	old := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	var b, a []cscan.Line
	for i, t := range old {
		b = append(b, cscan.Line{Text: t, Line: i + 1})
	}
	at := 0 // next pre-image line to copy (0-based)
	for _, h := range fd.Hunks {
		start := h.OldStart - 1
		if h.OldCount == 0 {
			start = h.OldStart
		}
		if start < at || start > len(old) {
			return nil, nil, fmt.Errorf("%s: hunk at patch line %d does not apply to the pre-image", fd.Path(), h.PatchLine)
		}
		for ; at < start; at++ {
			a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1})
		}
		for _, l := range h.Lines {
			switch l.Op {
			case ' ', '-':
				if at >= len(old) || strings.TrimRight(old[at], " \t") != strings.TrimRight(l.Text, " \t") {
					return nil, nil, fmt.Errorf("%s: hunk at patch line %d does not apply to the pre-image (line %d differs)", fd.Path(), h.PatchLine, at+1)
				}
				b[at].PatchLine = l.PatchLine
				if l.Op == ' ' {
					a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1, PatchLine: l.PatchLine})
				}
				at++
			case '+':
				a = append(a, cscan.Line{Text: l.Text, Line: len(a) + 1, PatchLine: l.PatchLine})
			}
		}
	}
	for ; at < len(old); at++ {
		a = append(a, cscan.Line{Text: old[at], Line: len(a) + 1})
	}
	if fd.Status == model.Deleted {
		a = nil
	}
	return []cscan.Segment{{Lines: b}}, []cscan.Segment{{Lines: a}}, nil
}
