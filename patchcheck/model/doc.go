// SPDX-License-Identifier: GPL-2.0-only

// Package model holds the typed model kfunccheck parses patches into:
// mail-level patches and series, file diffs, kfunc snapshots, the changes
// between two snapshots, and the findings rules report about them.
//
// Every reader produces these values; rules and formatters only read them.
package model
