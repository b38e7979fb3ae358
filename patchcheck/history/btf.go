// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// FromKernel makes a release of a built kernel's BTF. Flags are known
// when the kernel was read from an ELF with .BTF_ids; program types never
// are (BTF holds no registrations).
func FromKernel(name string, k *btfinfo.Kernel, cfg *policy.Config, interest map[string]bool) *Release {
	if cfg == nil {
		cfg = policy.Default()
	}
	r := &Release{Name: name, Source: k.Source, Kind: "btf", Kfuncs: map[string]*Contract{}, HasFlags: k.HasFlags, kernel: k}
	for _, kf := range k.Kfuncs {
		c := &Contract{Prototype: kf.Prototype, File: k.Source, proto: kf.Proto(), Flags: []string{}}
		for _, s := range kf.Sets {
			fl := s.Flags
			if fl == nil {
				fl = []string{}
			}
			c.Sets = append(c.Sets, SetFlags{Set: s.Set, Flags: fl})
			for _, f := range s.Flags {
				if !slices.Contains(c.Flags, f) {
					c.Flags = append(c.Flags, f)
				}
			}
		}
		if len(kf.Sets) == 0 && kf.Flags != nil {
			c.Flags = slices.Clone(kf.Flags)
		}
		slices.Sort(c.Flags)
		if !k.HasFlags {
			// Raw BTF holds no flags: null, not "no flags".
			c.Flags = nil
		}
		c.Stable = slices.Contains(c.Flags, cfg.StableFlag) || interest[kf.Name]
		c.Deprecated = slices.Contains(c.Flags, cfg.DeprecatedFlag)
		r.Kfuncs[kf.Name] = c
	}
	if !k.HasFlags {
		r.applyHooks(nil, "raw BTF names no kfunc sets, so not what they are registered for")
		return r
	}
	t := Sourced(name)
	if t == nil {
		t = Sourced(Label(k.Source))
	}
	r.applySourced(t, func(n string) []string {
		var sets []string
		if kf := k.Kfunc(n); kf != nil {
			for _, s := range kf.Sets {
				sets = append(sets, s.Set)
			}
		}
		return sets
	})
	return r
}

// releaseRE finds a kernel release in a file name: "6.1.0-57-amd64",
// "6.12.117+deb12-amd64".
var releaseRE = regexp.MustCompile(`\d+\.\d+[\w.+~-]*`)

// Label names a BTF file's release from its path: the kernel release
// its file name holds ("vmlinux-6.1.0-57-amd64.elf" -> "6.1.0-57-amd64"),
// else the one its directory's name holds (".../6.1.0-57-amd64/vmlinux",
// as /usr/lib/debug/lib/modules/RELEASE/ has it), else the file name
// without its extensions.
func Label(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".gz", ".elf", ".btf", ".ko", ".debug"} {
		base = strings.TrimSuffix(base, ext)
	}
	if m := releaseRE.FindString(base); m != "" {
		return m
	}
	for dir := filepath.Dir(path); dir != "." && dir != "/" && dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if m := releaseRE.FindString(filepath.Base(dir)); m != "" {
			return m
		}
	}
	return base
}
