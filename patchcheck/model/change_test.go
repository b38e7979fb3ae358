// SPDX-License-Identifier: GPL-2.0-only

package model

import "testing"

func TestSummary(t *testing.T) {
	tests := []struct {
		c    Change
		want string
	}{
		{Change{Kfunc: "bpf_x", Kind: KindPromoted}, "promoted bpf_x"},
		{Change{Kfunc: "bpf_y", Kind: KindFlags, FlagsAdded: []string{"KF_RCU"}, FlagsRemoved: []string{"KF_RET_NULL"}}, "flags of bpf_y: +KF_RCU -KF_RET_NULL"},
		{Change{Kfunc: "bpf_z", Kind: KindAvailability, Access: []AccessChange{{ProgType: "BPF_PROG_TYPE_TRACING", What: AccessLost}}},
			"bpf_z no longer callable from BPF_PROG_TYPE_TRACING"},
		{Change{Kind: KindAvailability, Access: []AccessChange{{What: AccessFiltered, Detail: "f"}}},
			"kfuncs not in view callable from the program types it is registered for only through the filter f"},
		{Change{Kfunc: "bpf_s", Kind: KindSignature, SigDiffs: []SigDiff{{What: "parameter count changed from 1 to 2"}}}, "signature of bpf_s: parameter count changed from 1 to 2"},
	}
	for _, tt := range tests {
		if got := tt.c.Summary(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.c.Kind, got, tt.want)
		}
	}
}
