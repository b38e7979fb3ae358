// SPDX-License-Identifier: GPL-2.0-only

package history

import "testing"

// FuzzCompareVersions holds the version order to what sorting needs: no
// panic, a name equal to itself, and the same answer both ways round.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"v6.1", "v6.12"}, {"v6.2-rc1", "v6.2"}, {"6.1.0-47-amd64", "6.1.0-57-amd64"}, {"v6.1.01", "v6.1.1"}, {"", "v"}} {
		f.Add(s[0], s[1])
	}
	sign := func(n int) int {
		switch {
		case n < 0:
			return -1
		case n > 0:
			return 1
		}
		return 0
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if c := CompareVersions(a, a); c != 0 {
			t.Fatalf("CompareVersions(%q, itself) = %d", a, c)
		}
		if x, y := sign(CompareVersions(a, b)), sign(CompareVersions(b, a)); x != -y {
			t.Fatalf("CompareVersions(%q, %q) = %d but the other way round %d", a, b, x, y)
		}
	})
}
