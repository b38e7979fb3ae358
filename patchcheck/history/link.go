// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"strconv"
	"strings"
)

// DefaultURLTemplate links a source line on Elixir, by release tag.
const DefaultURLTemplate = "https://elixir.bootlin.com/linux/{release}/source/{file}#L{line}"

// Link fills a URL template for a place in a release's tree: {release}
// is the release's name, {commit} its commit, {file} the path and {line}
// the line. "" when the template or the place is empty.
func Link(template string, r *Release, file string, line int) string {
	if template == "" || file == "" {
		return ""
	}
	ln := ""
	if line > 0 {
		ln = strconv.Itoa(line)
	}
	return strings.NewReplacer("{release}", r.Name, "{commit}", r.Source, "{file}", file, "{line}", ln).Replace(template)
}
