// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// fileScan is what one side of a patch shows of one file.
type fileScan struct {
	path string
	res  *cscan.Result
	// full is true when the whole file was scanned, not only hunks.
	full bool
}

// setVerdict says whether a BTF id set holds kfuncs and how they are
// reached.
type setVerdict struct {
	kfunc bool
	// guess says why the set was taken as a kfunc set without seeing it
	// registered as one; "" when that is certain.
	guess string
	// routes are the registrations seen; known is false when they may be
	// incomplete.
	routes []model.Route
	known  bool
	// filter is the .filter of the id set bundling the set, and
	// filterKnown whether that id set is in view.
	filter      string
	filterKnown bool
	// flags are the KF_* flags membership gives in the v5.18 style, and
	// member is true for a set that makes a function callable.
	flags  []string
	member bool
	legacy bool
}

// fmodretName tells sets registered for fmod_ret attachment, not kfunc
// calls, by their conventional names.
func fmodretName(set string) bool {
	return strings.Contains(set, "fmodret") || strings.Contains(set, "fmod_ret") || strings.Contains(set, "modify_return")
}

// ListSource finds the body of an X-macro list a file uses, in the file
// itself or in the headers it includes.
type ListSource func(r *cscan.Result, name string) (string, bool)

// ownLists finds X-macro lists only in the file that uses them: all a
// patch alone can show.
func ownLists(r *cscan.Result, name string) (string, bool) {
	body, ok := r.ListMacros[name]
	return body, ok
}

// resolve turns the scans of one side into a snapshot: X-macro lists are
// expanded, only entries of kfunc sets are kept, v5.18-style property sets
// become flags, and each kfunc gets the routes it is callable through.
func resolve(scans []fileScan, cfg *policy.Config, lists ListSource, snap *model.Snapshot) {
	if lists == nil {
		lists = ownLists
	}
	for _, fs := range scans {
		if len(fs.res.MacroUses) > 0 {
			fs.res = expandMacros(fs.res, lists)
		}
		resolveFile(fs, cfg, snap)
	}
	for _, fs := range scans {
		for _, p := range fs.res.Protos {
			if old, ok := snap.Protos[p.Name]; !ok || p.Tagged && !old.Tagged {
				snap.Protos[p.Name] = p
			}
		}
		for _, d := range fs.res.Docs {
			snap.Docs[d.Name] = d.Text
		}
	}
}

func resolveFile(fs fileScan, cfg *policy.Config, snap *model.Snapshot) {
	r := fs.res
	decls := map[string]model.SetDecl{}
	for _, d := range r.SetDecls {
		decls[d.Name] = d
	}
	type ref struct {
		ids   model.IDSet
		field string
	}
	refs := map[string][]ref{}
	for _, ids := range r.IDSets {
		for field, set := range ids.Sets {
			if to, ok := r.Aliases[set]; ok {
				set = to
			}
			refs[set] = append(refs[set], ref{ids, field})
		}
	}
	regs := map[string][]model.Registration{}
	for _, reg := range r.Registrations {
		regs[reg.IDSet] = append(regs[reg.IDSet], reg)
	}
	verdicts := map[string]*setVerdict{}
	classify := func(set, entryMacro string) *setVerdict {
		if v, ok := verdicts[set]; ok {
			return v
		}
		v := &setVerdict{}
		verdicts[set] = v
		decl, declared := decls[set]
		var kfuncRegs, fmodret int
		for _, rf := range refs[set] {
			if fl, ok := cfg.LegacySetFlags[rf.field]; ok && rf.field != "set" {
				v.legacy = true
				if fl == "" {
					v.member = true
				} else if !slices.Contains(v.flags, fl) {
					v.flags = append(v.flags, fl)
				}
			}
			if !v.filterKnown || rf.ids.Filter != "" {
				v.filter, v.filterKnown = rf.ids.Filter, true
			}
			for _, reg := range regs[rf.ids.Name] {
				if reg.Func == "register_btf_fmodret_id_set" {
					fmodret++
					continue
				}
				kfuncRegs++
				v.routes = append(v.routes, model.Route{ProgType: reg.ProgType, Filter: rf.ids.Filter, Cond: reg.Cond, Set: set})
			}
		}
		macro := decl.Macro
		if !declared {
			macro = ""
		}
		switch {
		case kfuncRegs > 0:
			v.kfunc, v.known = true, true
		case fmodret > 0:
			// Registered for fmod_ret attachment: these functions are
			// not callable from BPF programs.
		case fmodretName(set):
		case macro == "BTF_KFUNCS_START" || macro == "BTF_HIDDEN_KFUNCS_START":
			v.kfunc = true
		case macro == "BTF_SET8_START":
			v.kfunc = true
			v.guess = "a BTF_SET8_START set whose registration is not in view"
		case macro == "BTF_SET_START" || macro == "" && entryMacro == "BTF_ID":
			// Before v6.0 kfunc sets were BTF_SET_START sets bundled in a
			// struct btf_kfunc_id_set; every other BTF_SET_START list
			// (deny lists, LSM hook lists, the verifier's own) is not.
			switch {
			case len(refs[set]) > 0:
				v.kfunc = true
				v.guess = "a BTF_SET_START set of a struct btf_kfunc_id_set whose registration is not in view"
			case strings.HasSuffix(set, "kfunc_ids") && !(fs.full && macro != ""):
				v.kfunc, v.legacy = true, true
				v.guess = "a BTF_SET_START set named like a v5.18 kfunc set; its registration is not in view"
			}
			if v.kfunc && !v.legacy {
				v.legacy = true
			}
			if v.legacy && len(refs[set]) == 0 {
				if fl, member := legacyFlagByName(set); member {
					v.member = true
				} else {
					v.flags = []string{fl}
				}
			}
		default:
			// The set's start is not in view and its entries carry
			// flags: only kfunc and fmod_ret sets are BTF_SET8 sets.
			v.kfunc = true
			v.guess = "the start of its set is not in view"
		}
		return v
	}
	// v5.18 style: collect the property flags of each function; the
	// property sets of a file are shared by its id sets.
	legacyFlags := map[string][]string{}
	for _, e := range r.Entries {
		if e.Macro != "BTF_ID" {
			continue
		}
		if v := classify(e.Set, e.Macro); v.kfunc && v.legacy {
			legacyFlags[e.Name] = append(legacyFlags[e.Name], v.flags...)
		}
	}
	for _, e := range r.Entries {
		v := classify(e.Set, e.Macro)
		if !v.kfunc {
			continue
		}
		if e.Macro == "BTF_ID" && v.legacy {
			if !v.member {
				continue
			}
			fl := append(slices.Clone(e.Flags), legacyFlags[e.Name]...)
			slices.Sort(fl)
			e.Flags = slices.Compact(fl)
		}
		e.Guess = v.guess
		snap.Entries[e.Name] = append(snap.Entries[e.Name], e)
		a := snap.Avail[e.Name]
		if a == nil {
			a = &model.Availability{Complete: true}
			snap.Avail[e.Name] = a
		}
		if !v.known {
			a.Complete = false
			if v.filterKnown {
				// The registrations are not in view, the set's filter is.
				a.Routes = append(a.Routes, model.Route{Filter: v.filter, Cond: e.Cond, Set: e.Set})
			}
			continue
		}
		for _, rt := range v.routes {
			rt.Cond = andCond(e.Cond, rt.Cond)
			a.Routes = append(a.Routes, rt)
		}
	}
}

// legacyFlagByName guesses the role of a v5.18-style set from its name
// when the struct btf_kfunc_id_set bundling it is not in view.
func legacyFlagByName(set string) (flag string, member bool) {
	switch {
	case strings.Contains(set, "kptr_acquire"):
		return "KF_KPTR_GET", false
	case strings.Contains(set, "acquire"):
		return "KF_ACQUIRE", false
	case strings.Contains(set, "release"):
		return "KF_RELEASE", false
	case strings.Contains(set, "ret_null"):
		return "KF_RET_NULL", false
	}
	return "", true
}

func andCond(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " && " + b
}

// unresolvedRegistrations reports, for a file seen only through its hunks,
// registrations that were removed and id set filters that were added or
// replaced: they narrow where the kfuncs of the sets are callable, but
// which kfuncs those are is not in view. Each becomes a change without a
// kfunc, which says what would resolve it.
func unresolvedRegistrations(pre, post fileScan) []*model.Change {
	var out []*model.Change
	key := func(r model.Registration) string { return r.Func + " " + r.ProgType + " " + r.IDSet }
	after := map[string]bool{}
	for _, r := range post.res.Registrations {
		after[key(r)] = true
	}
	// An id set whose sets are wholly in view was judged kfunc by kfunc.
	inView := map[string]bool{}
	for _, ids := range pre.res.IDSets {
		whole := len(ids.Sets) > 0
		for _, set := range ids.Sets {
			if to, ok := pre.res.Aliases[set]; ok {
				set = to
			}
			whole = whole && slices.Contains(pre.res.Sets, set) && slices.Contains(pre.res.SetEnds, set)
		}
		inView[ids.Name] = whole
	}
	for _, r := range pre.res.Registrations {
		if after[key(r)] || r.Func != "register_btf_kfunc_id_set" || inView[r.IDSet] {
			continue
		}
		out = append(out, &model.Change{Kind: model.KindAvailability, Pos: r.Pos,
			Detail: "registration of " + r.IDSet + " for " + r.ProgType + " removed",
			Access: []model.AccessChange{{ProgType: r.ProgType, What: model.AccessLost, Detail: "registration of " + r.IDSet + " removed"}},
			Guess:  "the kfunc sets of " + r.IDSet + " are not in view"})
	}
	filters := map[string]string{}
	for _, ids := range pre.res.IDSets {
		filters[ids.Name] = ids.Filter
	}
	for _, ids := range post.res.IDSets {
		was, seen := filters[ids.Name]
		if !seen || ids.Filter == "" || ids.Filter == was || inView[ids.Name] {
			continue
		}
		out = append(out, &model.Change{Kind: model.KindAvailability, Pos: ids.Pos,
			Detail: "filter " + ids.Filter + " set on " + ids.Name,
			Access: []model.AccessChange{{What: model.AccessFiltered, Detail: ids.Filter}},
			Guess:  "the kfuncs of " + ids.Name + " are not in view"})
	}
	return out
}

// expandMacros returns r with the entries its X-macro uses expand to.
func expandMacros(r *cscan.Result, lists ListSource) *cscan.Result {
	out := *r
	out.Entries = slices.Clone(r.Entries)
	for _, u := range r.MacroUses {
		if body, ok := lists(r, u.Name); ok {
			out.Entries = append(out.Entries, u.Expand(body)...)
		}
	}
	return &out
}
