// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"bytes"
	"path"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// defFinder finds the definitions of kfuncs the kfunc index cannot show:
// before __bpf_kfunc (v6.2), a kfunc's definition is a plain function in
// a file without kfunc markers (crash_kexec in kernel/kexec_core.c), which
// the index does not keep. It looks first in the files that define the
// kfunc in other releases, then in every C file of the tree; what a blob
// defines is kept per blob, so a later release reads only the files that
// changed.
type defFinder struct {
	src defSource
	// byBlob holds, per blob and name looked for, the definition found
	// (nil when the blob has none).
	byBlob map[string]map[string]*model.Proto
	// Reads counts the blobs read.
	Reads int
}

func isC(path string) bool {
	return strings.HasSuffix(path, ".c") && !strings.HasPrefix(path, "tools/") && !strings.HasPrefix(path, "samples/")
}

// find adds to snap the definitions of the kfuncs it has entries but no
// prototype for, from the tree of commit; hints are files that define
// them in other releases. The files are read nearest first: the hinted
// files, the directories of the hints and of the kfuncs' entries, their
// top-level trees, then the rest, stopping once all are found; a
// definition is usually beside its entry or where another release has it.
func (f *defFinder) find(commit string, snap *model.Snapshot, hints map[string][]string) error {
	missing := map[string]bool{}
	hinted := map[string]bool{}
	dirs := map[string]bool{}
	tops := map[string]bool{}
	near := func(p string) {
		dirs[path.Dir(p)] = true
		tops[strings.SplitN(p, "/", 2)[0]] = true
	}
	for n, es := range snap.Entries {
		if len(es) == 0 || snap.Protos[n] != nil {
			continue
		}
		missing[n] = true
		for _, e := range es {
			near(e.Pos.File)
		}
		for _, p := range hints[n] {
			hinted[p] = true
			near(p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	files, err := f.src.TreeFiles(commit, func(p string) bool { return isC(p) || hinted[p] })
	if err != nil {
		return err
	}
	tiers := []func(string) bool{
		func(p string) bool { return hinted[p] },
		func(p string) bool { return dirs[path.Dir(p)] },
		func(p string) bool { return tops[strings.SplitN(p, "/", 2)[0]] },
		func(string) bool { return true },
	}
	done := map[string]bool{}
	for _, in := range tiers {
		var tier []gitrepo.FileBlob
		for _, fb := range files {
			if !done[fb.Path] && in(fb.Path) {
				tier = append(tier, fb)
				done[fb.Path] = true
			}
		}
		if f.scan(tier, missing, snap); len(missing) == 0 {
			return nil
		}
	}
	return nil
}

// scan looks for the missing definitions in files, removing each found
// from missing.
func (f *defFinder) scan(files []gitrepo.FileBlob, missing map[string]bool, snap *model.Snapshot) {
	for _, fb := range files {
		if len(missing) == 0 {
			return
		}
		known := f.byBlob[fb.Blob]
		var todo []string
		for n := range missing {
			if _, ok := known[n]; !ok {
				todo = append(todo, n)
			}
		}
		if len(todo) > 0 {
			f.look(fb, todo)
			known = f.byBlob[fb.Blob]
		}
		for n := range missing {
			if p := known[n]; p != nil {
				snap.Protos[n] = p
				delete(missing, n)
			}
		}
	}
}

// look scans one blob for the definitions of names and records what it
// found, nil for those it does not define.
func (f *defFinder) look(fb gitrepo.FileBlob, names []string) {
	known := f.byBlob[fb.Blob]
	if known == nil {
		known = map[string]*model.Proto{}
		f.byBlob[fb.Blob] = known
	}
	for _, n := range names {
		known[n] = nil
	}
	data, err := f.src.Blob(fb.Blob)
	if err != nil {
		return
	}
	f.Reads++
	var want []string
	for _, n := range names {
		if bytes.Contains(data, []byte(n)) {
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		return
	}
	var lines []cscan.Line
	for i, l := range strings.Split(string(data), "\n") {
		lines = append(lines, cscan.Line{Text: l, Line: i + 1})
	}
	wanted := map[string]bool{}
	for _, n := range want {
		wanted[n] = true
	}
	r := cscan.Scan(fb.Path, []cscan.Segment{{Lines: lines}}, func(name string) bool { return wanted[name] })
	for _, p := range r.Protos {
		if wanted[p.Name] && known[p.Name] == nil {
			known[p.Name] = p
		}
	}
}
