// SPDX-License-Identifier: GPL-2.0-only

// Package hooks will hold kfunccheck's integrations: the git pre-push hook
// and the mailing-list bot. They are built on the patchcheck engine.
package hooks
