// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"strings"
	"testing"
)

func TestParseUpdates(t *testing.T) {
	sha1, sha256 := strings.Repeat("a", 40), strings.Repeat("b", 64)
	zero1, zero256 := strings.Repeat("0", 40), strings.Repeat("0", 64)
	in := "refs/heads/x " + sha1 + " refs/heads/x " + zero1 + "\n\n" +
		"(delete) " + zero256 + " refs/heads/y " + sha256 + "\n"
	us, err := parseUpdates(strings.NewReader(in))
	if err != nil || len(us) != 2 {
		t.Fatalf("%+v %v", us, err)
	}
	if !isZero(us[0].remote) || !isZero(us[1].local) || isZero(us[1].remote) {
		t.Errorf("zero ids: %+v", us)
	}
	for _, bad := range []string{"refs/heads/x " + sha1 + " refs/heads/x\n", "a b c d\n", "r " + sha1[:39] + " r " + sha1 + "\n"} {
		if _, err := parseUpdates(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestScriptQuotesBinary(t *testing.T) {
	s := Script("/opt/it's here/kfunccheck")
	if !strings.Contains(s, `kfunccheck='/opt/it'\''s here/kfunccheck'`) || !strings.Contains(s, Marker) {
		t.Errorf("script:\n%s", s)
	}
}

func FuzzParseUpdates(f *testing.F) {
	f.Add("refs/heads/x " + strings.Repeat("a", 40) + " refs/heads/x " + strings.Repeat("0", 40) + "\n")
	f.Add("(delete) " + strings.Repeat("0", 64) + " refs/heads/y " + strings.Repeat("b", 64) + "\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		us, err := parseUpdates(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, u := range us {
			if !validID(u.local) || !validID(u.remote) || u.localRef == "" || u.remoteRef == "" {
				t.Fatalf("accepted a bad update %+v", u)
			}
		}
	})
}
