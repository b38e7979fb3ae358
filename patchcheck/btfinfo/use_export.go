// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// CompareUse compares the prototype a program was compiled against with a
// kernel's prototype of the kfunc from any source (BTF or C), the way
// Compat does: without parameter names, which a program's extern
// declarations do not carry in BTF.
func CompareUse(u *Use, kernel *model.Proto, opt cscan.CompareOptions) []model.SigDiff {
	if u.proto == nil || kernel == nil {
		return nil
	}
	return cscan.Compare(unnamed(u.proto), unnamed(kernel), opt)
}
