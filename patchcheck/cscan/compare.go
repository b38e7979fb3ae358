// SPDX-License-Identifier: GPL-2.0-only

package cscan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// CompareOptions holds the facts Compare needs that a configuration may
// change.
type CompareOptions struct {
	// Aliases maps a kernel-facing type to the type BPF programs see
	// ("struct bpf_dynptr_kern" -> "struct bpf_dynptr").
	Aliases map[string]string
	// EquivalentSuffixes lists suffix pairs with the same meaning to the
	// verifier, as "__opt=__nullable".
	EquivalentSuffixes []string
	// RelaxingSuffixes are suffixes whose addition to a parameter only
	// widens what the verifier accepts ("__opt", "__nullable").
	RelaxingSuffixes []string
}

// integer types of the same width and signedness under their kernel,
// UAPI and C spellings.
var intSpellings = map[string]string{
	"u8": "u8", "__u8": "u8", "uint8_t": "u8", "unsigned char": "u8",
	"s8": "s8", "__s8": "s8", "int8_t": "s8", "signed char": "s8",
	"u16": "u16", "__u16": "u16", "uint16_t": "u16", "unsigned short": "u16", "unsigned short int": "u16",
	"s16": "s16", "__s16": "s16", "int16_t": "s16", "short": "s16", "short int": "s16", "signed short": "s16",
	"u32": "u32", "__u32": "u32", "uint32_t": "u32", "unsigned int": "u32", "unsigned": "u32",
	"s32": "s32", "__s32": "s32", "int32_t": "s32", "int": "s32", "signed int": "s32", "signed": "s32",
	"u64": "u64", "__u64": "u64", "uint64_t": "u64", "unsigned long long": "u64", "unsigned long long int": "u64",
	"s64": "s64", "__s64": "s64", "int64_t": "s64", "long long": "s64", "long long int": "s64", "signed long long": "s64",
	"bool": "bool", "_Bool": "bool",
}

// canonical reduces a type to what BPF callers see: no const or volatile,
// aliases applied, integer spellings unified.
func canonical(t string, aliases map[string]string) string {
	var toks []string
	for _, w := range strings.Fields(strings.ReplaceAll(t, "*", " * ")) {
		if w == "const" || w == "volatile" || w == "__rcu" || w == "__user" || w == "__kernel" {
			continue
		}
		toks = append(toks, w)
	}
	base, stars := toks, 0
	for len(base) > 0 && base[len(base)-1] == "*" {
		base = base[:len(base)-1]
		stars++
	}
	b := strings.Join(base, " ")
	if a, ok := aliases[b]; ok {
		b = a
	}
	if c, ok := intSpellings[b]; ok {
		b = c
	}
	return b + strings.Repeat("*", stars)
}

func plain(t string) string {
	var toks []string
	for _, w := range strings.Fields(strings.ReplaceAll(t, "*", " * ")) {
		if w != "const" && w != "volatile" {
			toks = append(toks, w)
		}
	}
	return renderType(toks)
}

// Compare lists the structural differences between two prototypes of the
// same kfunc, each marked breaking when BPF programs that call it see it.
// An empty result means the contract is unchanged (reformatting).
func Compare(before, after *model.Proto, opt CompareOptions) []model.SigDiff {
	var out []model.SigDiff
	add := func(breaking bool, format string, a ...any) {
		out = append(out, model.SigDiff{Breaking: breaking, What: fmt.Sprintf(format, a...)})
	}
	typeDiff := func(what, b, a string) {
		if b == a {
			return
		}
		cb, ca := canonical(b, opt.Aliases), canonical(a, opt.Aliases)
		switch {
		case cb != ca:
			add(true, "%s changed from '%s' to '%s'", what, b, a)
		case plain(b) == plain(a):
			add(false, "%s changed from '%s' to '%s' (only const/volatile)", what, b, a)
		default:
			add(false, "%s changed from '%s' to '%s' (the same type for BPF programs)", what, b, a)
		}
	}
	typeDiff("return type", before.Return, after.Return)
	if len(before.Params) != len(after.Params) {
		add(true, "parameter count changed from %d to %d", len(before.Params), len(after.Params))
	}
	for i := range min(len(before.Params), len(after.Params)) {
		b, a := before.Params[i], after.Params[i]
		what := fmt.Sprintf("parameter %d (%s)", i+1, orUnnamed(b.Name))
		typeDiff(what+" type", b.Type, a.Type)
		switch {
		case b.Suffix != a.Suffix && equivalent(b.Suffix, a.Suffix, opt.EquivalentSuffixes):
			add(false, "%s: suffix %s became %s, which the verifier treats the same", what, b.Suffix, a.Suffix)
		case b.Suffix == "" && slices.Contains(opt.RelaxingSuffixes, a.Suffix):
			add(false, "%s: suffix %s added (renamed to %s), which only lets the verifier accept NULL as well", what, a.Suffix, orUnnamed(a.Name))
		case b.Suffix != a.Suffix:
			add(true, "%s: verifier suffix changed from %s to %s (renamed to %s)", what, orNone(b.Suffix), orNone(a.Suffix), orUnnamed(a.Name))
		case slices.Contains(SpecialNames, b.Name) != slices.Contains(SpecialNames, a.Name) ||
			slices.Contains(SpecialNames, b.Name) && b.Name != a.Name:
			add(true, "%s: renamed to %s, a name the verifier reads", what, orUnnamed(a.Name))
		case b.Name != a.Name:
			add(false, "%s: renamed to %s, keeping its suffix", what, orUnnamed(a.Name))
		}
	}
	if before.Variadic != after.Variadic {
		add(true, "variadic parameter list changed")
	}
	return out
}

func equivalent(a, b string, pairs []string) bool {
	for _, p := range pairs {
		x, y, _ := strings.Cut(p, "=")
		if a == x && b == y || a == y && b == x {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orUnnamed(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}
