// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// availabilityDiffer compares where the kfunc is callable from: the
// program types its sets are registered for, the sets' filters and the
// preprocessor conditions of its entries and registrations.
type availabilityDiffer struct{}

func (availabilityDiffer) diff(k *kfuncDiff) {
	if len(k.before.Entries) == 0 || len(k.after.Entries) == 0 {
		// Added and removed kfuncs are the entry differ's.
		return
	}
	ba, aa := k.before.Avail, k.after.Avail
	var acc []model.AccessChange
	pos := k.after.Entries[0].Pos
	if ba != nil && aa != nil && len(ba.Routes) > 0 && aa.Complete && ba.Complete {
		acc = routeChanges(ba.Routes, aa.Routes)
	} else {
		// Registrations are not all in view: only what the entries and
		// the sets' filters show, set by set.
		acc, pos = entryCondChanges(k.before.Entries, k.after.Entries, pos)
		if ba != nil && aa != nil {
			acc = append(acc, filterChanges(ba.Routes, aa.Routes)...)
		}
	}
	if ba != nil && aa != nil && aa.Complete && ba.Complete {
		acc = append(acc, gains(ba.Routes, aa.Routes)...)
	}
	if len(acc) == 0 {
		return
	}
	var what []string
	for _, a := range acc {
		what = append(what, a.String())
	}
	c := k.emit(model.KindAvailability, pos, strings.Join(what, "; "))
	c.Access = append(c.Access, acc...)
}

// conjuncts splits a condition into its && terms.
func conjuncts(cond string) []string {
	if cond == "" {
		return nil
	}
	parts := strings.Split(cond, " && ")
	slices.Sort(parts)
	return slices.Compact(parts)
}

// subset reports whether every term of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// covers reports whether route a lets every program that route b lets
// call the kfunc: the same program type (or every type), no other filter,
// and no condition b lacks.
func covers(a, b model.Route) bool {
	if a.ProgType != b.ProgType && a.ProgType != "BPF_PROG_TYPE_UNSPEC" {
		return false
	}
	if a.Filter != "" && a.Filter != b.Filter {
		return false
	}
	return subset(conjuncts(a.Cond), conjuncts(b.Cond))
}

// routeChanges lists how the routes before are narrowed after.
func routeChanges(before, after []model.Route) []model.AccessChange {
	var out []model.AccessChange
	seen := map[model.AccessChange]bool{}
	add := func(a model.AccessChange) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, b := range before {
		if slices.ContainsFunc(after, func(a model.Route) bool { return covers(a, b) }) {
			continue
		}
		var same []model.Route
		for _, a := range after {
			if a.ProgType == b.ProgType || a.ProgType == "BPF_PROG_TYPE_UNSPEC" {
				same = append(same, a)
			}
		}
		if len(same) == 0 {
			d := ""
			if b.ProgType == "BPF_PROG_TYPE_UNSPEC" {
				var now []string
				for _, a := range after {
					now = append(now, a.ProgType)
				}
				slices.Sort(now)
				d = "now only " + strings.Join(slices.Compact(now), ", ")
			}
			add(model.AccessChange{ProgType: b.ProgType, What: model.AccessLost, Detail: d})
			continue
		}
		a := same[0]
		switch {
		case a.Filter != "" && a.Filter != b.Filter:
			add(model.AccessChange{ProgType: b.ProgType, What: model.AccessFiltered, Detail: a.Filter})
		case subset(conjuncts(b.Cond), conjuncts(a.Cond)):
			add(model.AccessChange{ProgType: b.ProgType, What: model.AccessConditional, Detail: a.Cond})
		default:
			add(model.AccessChange{ProgType: b.ProgType, What: model.AccessCondChanged,
				Detail: orAlways(b.Cond) + " -> " + orAlways(a.Cond)})
		}
	}
	return out
}

// gains lists the program types the kfunc becomes callable from.
func gains(before, after []model.Route) []model.AccessChange {
	var out []model.AccessChange
	for _, a := range after {
		if slices.ContainsFunc(before, func(b model.Route) bool { return b.ProgType == a.ProgType || b.ProgType == "BPF_PROG_TYPE_UNSPEC" }) {
			continue
		}
		g := model.AccessChange{ProgType: a.ProgType, What: model.AccessGained}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// filterChanges compares the filters of the same sets on both sides.
func filterChanges(before, after []model.Route) []model.AccessChange {
	var out []model.AccessChange
	for _, b := range before {
		for _, a := range after {
			if a.Set != b.Set || a.Filter == b.Filter || a.Filter == "" {
				continue
			}
			c := model.AccessChange{ProgType: b.ProgType, What: model.AccessFiltered, Detail: a.Filter}
			if b.ProgType != a.ProgType {
				c.ProgType = ""
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// entryCondChanges compares the #if conditions of a kfunc's entries in
// the same set on both sides.
func entryCondChanges(before, after []model.Entry, pos model.Pos) ([]model.AccessChange, model.Pos) {
	var out []model.AccessChange
	for _, b := range before {
		for _, a := range after {
			if a.Set != b.Set || a.Pos.File != b.Pos.File || a.Cond == b.Cond {
				continue
			}
			bc, ac := conjuncts(b.Cond), conjuncts(a.Cond)
			switch {
			case subset(ac, bc):
				// Fewer conditions: the entry is available more widely.
			case subset(bc, ac):
				out = append(out, model.AccessChange{What: model.AccessConditional, Detail: a.Cond})
				pos = a.Pos
			default:
				out = append(out, model.AccessChange{What: model.AccessCondChanged, Detail: orAlways(b.Cond) + " -> " + orAlways(a.Cond)})
				pos = a.Pos
			}
		}
	}
	return out, pos
}

func orAlways(cond string) string {
	if cond == "" {
		return "always"
	}
	return cond
}
