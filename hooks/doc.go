// SPDX-License-Identifier: GPL-2.0-only

// Package hooks holds kfunccheck's git pre-push hook: the runner that
// checks the commits a push would publish, with the ranges git hands the
// hook (prepush.go), and the installer that writes the hook, chained with
// or replacing a foreign one, into the hooks directory git really uses
// (install.go). The mailing-list bot lives in the sub-package hooks/bot.
// Both are built on the patchcheck engine.
package hooks
