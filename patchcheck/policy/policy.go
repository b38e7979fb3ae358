// SPDX-License-Identifier: GPL-2.0-only

// Package policy holds every policy choice kfunccheck makes, with the
// built-in defaults, and reads overrides from policy files: the
// operator's, and the .kfunccheck.toml of the tree being checked, which is
// data a patch may have written and is read as such (see Origin). Code
// never hard-codes a choice that is listed here.
package policy

import (
	"path"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
)

// Effect says what adding or removing a flag does to existing callers.
type Effect string

// Effects of a flag change (DOMAIN.md §2.2).
const (
	Breaking   Effect = "breaking"
	Compatible Effect = "compatible"
	// EraDependent changes break callers on some kernels; judged as breaking.
	EraDependent Effect = "era-dependent"
	// Informational flags carry no caller contract (lifecycle flags).
	Informational Effect = "informational"
)

// Flag is the policy for one KF_* flag.
type Flag struct {
	Add    Effect `toml:"add"`
	Remove Effect `toml:"remove"`
	// Note says what the flag means, for messages.
	Note string `toml:"note"`
	// Source cites the kernel source the effects come from.
	Source string `toml:"source"`
	// AddCompatibleWith lists flags that, when the kfunc already had one
	// of them, make adding this flag compatible: KF_RCU on a
	// KF_TRUSTED_ARGS kfunc only widens what it accepts.
	AddCompatibleWith []string `toml:"add_compatible_with"`
}

// Text holds the thresholds of the commit-message heuristics.
type Text struct {
	// MinRationaleWords is how many words of prose beyond the subject and
	// trailers a promotion rationale needs.
	MinRationaleWords int `toml:"min_rationale_words" tighten:"max"`
	// ProductionWords are phrases that state production use.
	ProductionWords []string `toml:"production_words" tighten:"intersect"`
	// ReasonWords are phrases that introduce a deprecation reason.
	ReasonWords []string `toml:"reason_words" tighten:"intersect"`
	// ReplacementWords are phrases that name a replacement or its absence.
	ReplacementWords []string `toml:"replacement_words" tighten:"intersect"`
	// PostingLinks are the link prefixes that point at a patch's own
	// posting (b4 adds one to every commit it applies): they are no
	// reference to production use.
	PostingLinks []string `toml:"posting_links" tighten:"union"`
}

// Config is the whole policy.
type Config struct {
	StableFlag     string `toml:"stable_flag" tighten:"keep"`
	DeprecatedFlag string `toml:"deprecated_flag" tighten:"keep"`
	// List is the mailing list promotions must be sent to.
	List string `toml:"list" tighten:"keep"`
	// Flags maps each known KF_* flag to its caller contract.
	Flags map[string]Flag `toml:"flags" merge:"keys" tighten:"flags"`
	// Severity overrides rules' default severities ("RULE_ID" = "warning").
	Severity map[string]string `toml:"severity" merge:"keys" tighten:"severity"`
	// Ignore lists rule IDs that are not reported.
	Ignore []string `toml:"ignore" merge:"append" tighten:"keep"`
	// TypeAliases maps kernel-facing types to the types BPF programs see.
	TypeAliases map[string]string `toml:"type_aliases" merge:"keys" tighten:"keep"`
	// EquivalentSuffixes lists parameter suffix pairs with one meaning.
	EquivalentSuffixes []string `toml:"equivalent_suffixes" tighten:"intersect"`
	// RelaxingSuffixes are parameter suffixes whose addition only widens
	// what the verifier accepts (NULL as well).
	RelaxingSuffixes []string `toml:"relaxing_suffixes" tighten:"intersect"`
	// ImplicitArgTypes are the types of the trailing parameters the
	// verifier supplies to KF_IMPLICIT_ARGS kfuncs.
	ImplicitArgTypes []string `toml:"implicit_arg_types" tighten:"intersect"`
	// MinDeprecationReleases is how many releases a deprecated stable
	// kfunc stays before its removal (checked where release tags give a
	// history); 0 turns the check off.
	MinDeprecationReleases int `toml:"min_deprecation_releases" tighten:"max"`
	// MinDeprecationDays is the same as a time, by the releases' commit
	// times; 0 turns it off.
	MinDeprecationDays int `toml:"min_deprecation_days" tighten:"max"`
	// StableSeries are tag patterns of stable kernel series ("v6.1.*"):
	// inside one, any kfunc contract change is reported.
	StableSeries []string `toml:"stable_series" tighten:"union"`
	// NotKernel are path prefixes of C files built into no kernel image:
	// their kfuncs (the selftests' bpf_testmod) are not the kernel's.
	NotKernel []string `toml:"not_kernel" tighten:"intersect"`
	// WaiverTrailer is the trailer key that waives one finding.
	WaiverTrailer string `toml:"waiver_trailer" tighten:"keep"`
	// FailOn is the lowest severity that fails a run (the pre-push hook
	// blocks the push); --fail-on overrides it.
	FailOn string `toml:"fail_on" tighten:"failon"`
	// StableLists are stable-list files, relative to the configuration
	// file, read as --stable-list files are.
	StableLists []string `toml:"stable_lists" merge:"append" tighten:"union"`
	Text        Text     `toml:"text" tighten:"struct"`
	// LegacySetFlags maps the fields of a v5.18-style struct
	// btf_kfunc_id_set to the KF_* flag that membership in that set
	// meant; "" for the set that only makes a function callable.
	LegacySetFlags map[string]string `toml:"-"`
}

// Default returns the built-in policy: the RFC v2 stable-kfunc process and
// the flag table of DOMAIN.md §2.2.
func Default() *Config {
	return &Config{
		StableFlag:     "KF_STABLE",
		DeprecatedFlag: "KF_DEPRECATED",
		List:           "bpf@vger.kernel.org",
		WaiverTrailer:  "Kfunc-Stability-Waiver",
		FailOn:         "error",
		// Each flag: what adding and removing it does to programs that
		// already call the kfunc, why, and where the kernel says so (Linux
		// 6.12 unless noted; line numbers of kernel/bpf/verifier.c).
		Flags: map[string]Flag{
			"KF_ACQUIRE": {Add: Breaking, Remove: Breaking, Note: "the kfunc returns a referenced object",
				Source: "verifier.c:13287 acquire_reference_state; a caller must then release it, or the program is rejected"},
			"KF_RELEASE": {Add: Breaking, Remove: Breaking, Note: "the kfunc releases a referenced argument",
				Source: "verifier.c:12449 is_kfunc_release; ownership of the argument moves"},
			"KF_RET_NULL": {Add: Breaking, Remove: Compatible, Note: "the return value may be NULL and must be checked",
				Source: "verifier.c:13281 PTR_MAYBE_NULL on R0: callers without a NULL check are rejected; dropping it keeps their checks valid"},
			"KF_KPTR_GET": {Add: Breaking, Remove: Breaking, Note: "argument 0 is a kptr to acquire a reference from",
				Source: "v6.1 verifier; removed upstream in 7b4ddf3920d2"},
			"KF_TRUSTED_ARGS": {Add: Breaking, Remove: Compatible, Note: "pointer arguments must be trusted",
				Source: "verifier.c:12502 untrusted pointers are rejected with it and accepted without it"},
			"KF_SLEEPABLE": {Add: Breaking, Remove: Compatible, Note: "only sleepable programs may call it",
				Source: "verifier.c check_kfunc_call: 'program must be sleepable to call sleepable kfunc'"},
			"KF_DESTRUCTIVE": {Add: Breaking, Remove: Compatible, Note: "callers need CAP_SYS_BOOT",
				Source: "verifier.c check_kfunc_call: destructive kfuncs need CAP_SYS_BOOT"},
			"KF_RCU": {Add: EraDependent, Remove: Breaking, Note: "arguments may be RCU-protected pointers",
				Source:            "verifier.c:12502-12514 with KF_TRUSTED_ARGS it only widens what is accepted; alone it rejects untrusted pointers",
				AddCompatibleWith: []string{"KF_TRUSTED_ARGS"}},
			"KF_ITER_NEW":      {Add: Breaking, Remove: Breaking, Note: "part of the open-coded iterator protocol", Source: "verifier.c process_iter_arg"},
			"KF_ITER_NEXT":     {Add: Breaking, Remove: Breaking, Note: "part of the open-coded iterator protocol", Source: "verifier.c process_iter_next_call"},
			"KF_ITER_DESTROY":  {Add: Breaking, Remove: Breaking, Note: "part of the open-coded iterator protocol", Source: "verifier.c process_iter_arg"},
			"KF_RCU_PROTECTED": {Add: Breaking, Remove: Compatible, Note: "it must be called inside an RCU critical section", Source: "verifier.c check_kfunc_call: 'kernel func %s requires RCU critical section protection'"},
			"KF_FASTCALL": {Add: Compatible, Remove: Compatible, Note: "the bpf_fastcall convention, which only changes register spilling",
				Source: "Documentation/bpf/kfuncs.rst (6.13+): a calling convention the verifier may use, invisible to correct programs"},
			"KF_ARENA_RET":  {Add: Breaking, Remove: Breaking, Note: "an arena pointer (address_space(1)) in the vmlinux.h prototype", Source: "DOMAIN.md §5.2, pahole arena decl tags (2025)"},
			"KF_ARENA_ARG1": {Add: Breaking, Remove: Breaking, Note: "an arena pointer (address_space(1)) in the vmlinux.h prototype", Source: "DOMAIN.md §5.2, pahole arena decl tags (2025)"},
			"KF_ARENA_ARG2": {Add: Breaking, Remove: Breaking, Note: "an arena pointer (address_space(1)) in the vmlinux.h prototype", Source: "DOMAIN.md §5.2, pahole arena decl tags (2025)"},
			"KF_IMPLICIT_ARGS": {Add: Informational, Remove: Informational,
				Note:   "the verifier supplies the trailing implicit arguments; what BPF programs pass is judged on the prototype without them",
				Source: "b97931a25a4b 'bpf: Migrate bpf_wq_set_callback_impl() to KF_IMPLICIT_ARGS' and 9d199965990c resolve_btfids (2026)"},
			"KF_SPINLOCK_SAFE": {Add: Compatible, Remove: Breaking, Note: "it may be called while a bpf_spin_lock is held", Source: "bpf-next 2025 verifier: allowed under bpf_spin_lock"},
			"KF_PERFMON":       {Add: Breaking, Remove: Compatible, Note: "callers need CAP_PERFMON", Source: "proposed flag; judged like KF_DESTRUCTIVE"},
			"KF_STABLE":        {Add: Informational, Remove: Informational, Note: "lifecycle flag", Source: "RFC v2 stable kfuncs (never merged)"},
			"KF_DEPRECATED":    {Add: Informational, Remove: Informational, Note: "lifecycle flag", Source: "Documentation/bpf/kfuncs.rst 'KF_DEPRECATED flag'"},
		},
		// Trailing parameters of these types are supplied by the verifier
		// to KF_IMPLICIT_ARGS kfuncs; BPF programs never pass them.
		ImplicitArgTypes: []string{"struct bpf_prog_aux *"},
		// Adding these suffixes only lets the verifier accept NULL too
		// (verifier.c:11806 and 12442; 12746 for __opt buffers).
		RelaxingSuffixes: []string{"__opt", "__nullable"},
		// tools/testing/selftests/bpf/bpf_testmod registers test kfuncs
		// of its own; samples/ are examples.
		NotKernel: []string{"tools/", "samples/"},
		// RFC v1's "a minimum of 10 kernel releases"; v2 and the merged
		// text say case by case, so this is a default to tune.
		MinDeprecationReleases: 10,
		// v5.18 include/linux/btf.h, enum btf_kfunc_type and struct
		// btf_kfunc_id_set: check_set makes a function callable, the other
		// sets add a property that v6.0 ("bpf: Switch to new kfunc flags
		// infrastructure", a4703e318432) turned into these flags.
		LegacySetFlags: map[string]string{
			"check_set":        "",
			"acquire_set":      "KF_ACQUIRE",
			"release_set":      "KF_RELEASE",
			"ret_null_set":     "KF_RET_NULL",
			"kptr_acquire_set": "KF_KPTR_GET",
		},
		TypeAliases: map[string]string{
			"struct bpf_dynptr_kern": "struct bpf_dynptr",
			"struct sk_buff":         "struct __sk_buff",
			"struct xdp_buff":        "struct xdp_md",
		},
		EquivalentSuffixes: []string{"__opt=__nullable"},
		Text: Text{
			MinRationaleWords: 12,
			ProductionWords: []string{
				"production", "in use", "used by", "used in", "deployed", "deployment", "fleet",
				"relies on", "rely on", "depends on", "depend on", "in our", "customers", "users of",
			},
			ReasonWords: []string{
				"because", "since", "due to", "as it", "as the", "reason", "superseded", "obsolete",
				"broken", "unsafe", "no longer", "replaced", "redundant", "insecure", "buggy", "flawed",
			},
			ReplacementWords: []string{
				"replace", "replacement", "instead", "use bpf_", "in favour of", "in favor of",
				"superseded by", "successor", "migrate to", "switch to", "no replacement",
				"nothing replaces", "no alternative", "not be replaced",
			},
			PostingLinks: []string{"patch.msgid.link/", "lore.kernel.org/r/", "lore.kernel.org/all/"},
		},
	}
}

// FlagEffect returns the effect of adding (add=true) or removing flag;
// ok is false for a flag the policy does not know.
func (c *Config) FlagEffect(flag string, add bool) (Effect, bool) {
	f, ok := c.Flags[flag]
	if !ok {
		return "", false
	}
	if add {
		return f.Add, true
	}
	return f.Remove, true
}

// CompareOptions says how prototypes are compared under this policy: its
// type aliases and equivalent and relaxing suffixes, for patches and BTF
// alike.
func (c *Config) CompareOptions() cscan.CompareOptions {
	return cscan.CompareOptions{Aliases: c.TypeAliases, EquivalentSuffixes: c.EquivalentSuffixes,
		RelaxingSuffixes: c.RelaxingSuffixes}
}

// FlagChangeEffect judges adding (add=true) or removing flag on a kfunc
// whose flags were before and are after, as a combination: adding KF_RCU
// to a KF_TRUSTED_ARGS kfunc is compatible although KF_RCU alone is not.
// ok is false for a flag the policy does not know.
func (c *Config) FlagChangeEffect(flag string, add bool, before, after []string) (Effect, bool) {
	f, ok := c.Flags[flag]
	if !ok {
		return "", false
	}
	if !add {
		return f.Remove, true
	}
	for _, w := range f.AddCompatibleWith {
		if slices.Contains(before, w) {
			return Compatible, true
		}
	}
	return f.Add, true
}

// InKernel reports whether path is a file of the kernel proper, whose
// kfuncs are part of the contract.
func (c *Config) InKernel(path string) bool {
	for _, p := range c.NotKernel {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

// IsLifecycle reports whether flag is the stable or deprecated flag.
func (c *Config) IsLifecycle(flag string) bool {
	return flag == c.StableFlag || flag == c.DeprecatedFlag
}

// StableSeriesOf returns the stable_series pattern that target (a branch
// or tag name) matches, "" when it matches none or is "".
func (c *Config) StableSeriesOf(target string) string {
	if target == "" {
		return ""
	}
	for _, pat := range c.StableSeries {
		if ok, _ := path.Match(pat, target); ok {
			return pat
		}
	}
	return ""
}
