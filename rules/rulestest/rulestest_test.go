// SPDX-License-Identifier: GPL-2.0-only

package rulestest

import (
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func TestWant(t *testing.T) {
	f := model.Finding{Rule: "STABLE_FLAGS_BREAKING", Kfunc: "bpf_task_acquire", Severity: model.SeverityError,
		Message: "bpf_task_acquire: KF_SLEEPABLE added (only sleepable programs may call it) on a stable kfunc breaks existing callers",
		Quote:   []string{"-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE)", "+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_SLEEPABLE)"}}
	tests := []struct {
		want  string
		match bool
	}{
		{"STABLE_FLAGS_BREAKING bpf_task_acquire", true},
		{"STABLE_FLAGS_BREAKING bpf_task_acquire error", true},
		{"STABLE_FLAGS_BREAKING bpf_task_acquire warning", false},
		{"STABLE_FLAGS_BREAKING bpf_task_release", false},
		{`STABLE_FLAGS_BREAKING bpf_task_acquire ~"KF_SLEEPABLE added"`, true},
		{`STABLE_FLAGS_BREAKING bpf_task_acquire ~"KF_RCU added"`, false},
		{`STABLE_FLAGS_BREAKING bpf_task_acquire error ~"SLEEPABLE" @"+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_SLEEPABLE)"`, true},
		{`STABLE_FLAGS_BREAKING bpf_task_acquire @"bpf_task_release"`, false},
	}
	for _, tt := range tests {
		w, err := ParseWant(tt.want)
		if err != nil {
			t.Fatalf("%s: %v", tt.want, err)
		}
		if got := w.Matches(f); got != tt.match {
			t.Errorf("%s: matches %v, want %v", tt.want, got, tt.match)
		}
	}
	for _, bad := range []string{"", "RULE", `RULE k ~"("`, `RULE k ~unquoted`, "RULE k loud", "RULE k error warning"} {
		if _, err := ParseWant(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	w, _ := ParseWant("STABILITY_UNKNOWN - check")
	if w.Kfunc != "" || w.Key() != "STABILITY_UNKNOWN  check" {
		t.Errorf("kfunc - : %+v %q", w, w.Key())
	}
}

func FuzzParseWant(f *testing.F) {
	f.Add(`STABLE_FLAGS_BREAKING bpf_task_acquire error ~"SLEEPABLE" @"+BTF_ID_FLAGS("`)
	f.Add("STABILITY_UNKNOWN - check ~`a\\(b\\)`")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWant(s)
		if err != nil {
			return
		}
		if w.Rule == "" {
			t.Fatal("a want without a rule")
		}
		_ = w.Matches(model.Finding{Rule: w.Rule, Kfunc: w.Kfunc})
	})
}
