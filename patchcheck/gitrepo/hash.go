// SPDX-License-Identifier: GPL-2.0-only

package gitrepo

import (
	"crypto"
	"crypto/sha1"
	"sync"

	gghash "github.com/go-git/go-git/v5/plumbing/hash"
)

var fastSHA1 sync.Once

// UseFastSHA1 makes go-git hash objects with the standard library's SHA-1
// (hardware accelerated) instead of SHA-1DC, the collision-detecting
// SHA-1 it uses by default.
//
// Reading a local repository, go-git hashes every object it puts in its
// delta-base cache, only to key the cache: about a tenth of the time of a
// commit range check. Collision detection guards against crafted objects
// arriving from elsewhere; the objects read here are already in the
// user's repository, where git checked them on arrival. So the check and
// the pre-push hook call this; the bot, which fetches archives with
// go-git, does not. Call it before any goroutine uses go-git: the setting
// is process-wide.
func UseFastSHA1() {
	fastSHA1.Do(func() {
		// RegisterHash fails only for a nil function or another hash.
		_ = gghash.RegisterHash(crypto.SHA1, sha1.New)
	})
}
