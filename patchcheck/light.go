// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"bytes"
	"path"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// markers are the strings cscan.HasMarker looks for in hunk lines and
// hunk headers, the test extraction uses to pick the files it scans.
// Every one holds an underscore, which MayMatter scans for; a test checks
// that MayMatter finds whatever cscan.HasMarker finds.
var markers = []string{"BTF_ID", "__bpf_kfunc", "BTF_SET", "BTF_KFUNCS", "KF_", "__diag_push", "_id_set"}

// MayMatter returns the test that tells a reader whether a message body
// may hold something extraction reads: a kfunc marker (what
// cscan.HasMarker finds: set macros and entries, __bpf_kfunc, KF_ flags,
// kfunc id sets and their registration) or a name of opt.Interest (a
// stable list's kfuncs). A body without any can yield no kfunc change, so
// its patch may be read without its hunks' lines (mail.LightParser): the
// engine still runs on it and reaches the same result.
func MayMatter(opt Options) func(body []byte) bool {
	interest := opt.Interest
	return func(body []byte) bool {
		return hasMarker(body) || len(interest) > 0 && mentions(body, interest) || bytes.Contains(body, policyFile)
	}
}

// policyFile is the name of the tree's policy file, whose changes a rule
// reports (rules.PolicyFileChanged).
var policyFile = []byte(policy.FileName)

// hasMarker reports whether b holds one of the markers. It visits the
// underscores, rarer than most bytes of a marker, instead of searching for
// each marker in turn, and compares markers only where the bytes around
// the underscore can start one (nearLow, nearHigh).
func hasMarker(b []byte) bool {
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '_')
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if !(i > 0 && near[b[i-1]]&before != 0 || i+1 < len(b) && near[b[i+1]]&after != 0) {
			continue
		}
		for _, m := range markerAt {
			at := i - m.under
			if at >= 0 && at+len(m.s) <= len(b) && string(b[at:at+len(m.s)]) == m.s {
				return true
			}
		}
	}
	return false
}

// marker is a marker with the place of its first underscore.
type marker struct {
	s     string
	under int
}

const (
	before = 1 << iota // the byte comes before a marker's first underscore
	after              // the byte follows an underscore that starts a marker
)

var markerAt, near = func() ([]marker, [256]byte) {
	out := make([]marker, len(markers))
	var near [256]byte
	for k, m := range markers {
		u := strings.IndexByte(m, '_')
		out[k] = marker{s: m, under: u}
		if u > 0 {
			near[m[u-1]] |= before
		} else {
			near[m[1]] |= after
		}
	}
	return out, near
}()

// mentions reports whether b holds an identifier in names.
func mentions(b []byte, names map[string]bool) bool {
	start := -1
	for i := 0; i <= len(b); i++ {
		ident := i < len(b) && (b[i] == '_' || b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= '0' && b[i] <= '9')
		switch {
		case ident && start < 0:
			start = i
		case !ident && start >= 0:
			if names[string(b[start:i])] {
				return true
			}
			start = -1
		}
	}
	return false
}

// judgedWithoutChanges reports whether the rules judge p although it
// changes no kfunc: its commit message holds a waiver trailer line, or it
// changes the tree's policy file. Every other finding is about a change,
// so a patch without changes skips the rules and the analysis of its
// message they share: most patches change no kfunc.
// TestRulesQuietWithoutChanges holds every rule to this.
func judgedWithoutChanges(p *model.Patch, cfg *policy.Config) bool {
	for _, l := range p.Message {
		if strings.HasPrefix(l.Text, cfg.WaiverTrailer+":") {
			return true
		}
	}
	for _, f := range p.Files {
		if path.Base(f.NewPath) == policy.FileName || path.Base(f.OldPath) == policy.FileName {
			return true
		}
	}
	return false
}
