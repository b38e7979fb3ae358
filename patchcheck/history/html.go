// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	_ "embed"
	"encoding/json"
	"io"
	"strings"
)

// page is the HTML page's template: inline CSS and script, no network,
// so that it works from file://. The JSON document replaces the
// placeholder inside a <script type="application/json"> element.
//
//go:embed page.html
var page string

const placeholder = "/*KFUNCCHECK_HISTORY_JSON*/"

// WriteHTML writes one self-contained page: the matrix of kfuncs by
// release, a detail view per kfunc, filters, search and the
// compatibility matrix of the programs in the document.
func WriteHTML(w io.Writer, d *Doc) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	// encoding/json escapes <, > and & in strings, so the document cannot
	// close its <script> element; U+2028 and U+2029 are escaped too.
	i := strings.Index(page, placeholder)
	if _, err := io.WriteString(w, page[:i]); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	_, err = io.WriteString(w, page[i+len(placeholder):])
	return err
}
