// SPDX-License-Identifier: GPL-2.0-only

// Package mail reads patches as they travel: mbox files, single RFC 5322
// messages, format-patch files and plain diffs, and turns each message into
// a model.Patch with its headers decoded, its body split into commit
// message, notes and diff, and its diff verified.
//
// Divergences from the RFCs, on purpose: a message whose header block is
// malformed is still read (its body as a plain patch) and the problem is
// recorded on the patch; format=flowed text is left as it is, since
// patches must not be re-flowed; HTML parts are ignored.
package mail
