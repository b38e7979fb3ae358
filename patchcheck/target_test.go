// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// TestMailTarget: stable review mail names its series in the subject.
func TestMailTarget(t *testing.T) {
	for subject, want := range map[string]string{
		"[PATCH 6.1 012/100] bpf: fix a thing":       "v6.1.y",
		"[PATCH 6.12.3-stable] bpf: fix":             "v6.12.y",
		"[PATCH bpf-next v2 1/3] bpf: add bpf_thing": "",
		"[PATCH] bpf: thing":                         "",
	} {
		p := &model.Patch{Subject: mail.ParseSubject(subject)}
		if got := MailTarget(p); got != want {
			t.Errorf("%q: %q, want %q", subject, got, want)
		}
	}
	if MailTarget(nil) != "" {
		t.Error("no patch, a target")
	}
}
