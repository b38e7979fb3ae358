// SPDX-License-Identifier: GPL-2.0-only

package rules

// All is the registry: every rule, in the order reports list them.
// Adding a rule means adding its file, its testdata, and one line here.
var All = []*Rule{
	StablePromotionRationale,
	StablePromotionProductionUse,
	StablePromotionList,
	StablePromotionNewKfunc,
	StablePromotionDeprecated,
	StableRemoval,
	StableRemovalNotes,
	StableSignature,
	StableSignatureCompat,
	StableFlagsBreaking,
	StableFlags,
	StableAvailability,
	DeprecationReason,
	DeprecationLifespan,
	DeprecationReplacement,
	DeprecationDocs,
	UnknownKFFlag,
	StabilityUnknown,
	WaiverWithoutReason,
	PolicyFileChanged,
	HistoryDeprecationPeriod,
	HistoryDeprecationClaim,
	HistoryNameReused,
	HistoryStableSeries,
}

// registered holds the IDs of All; it is filled by init because rules that
// check rule IDs would otherwise make All refer to itself.
var registered = map[string]bool{}

func init() {
	for _, r := range All {
		registered[r.ID] = true
	}
}
