module github.com/kfunccheck/kfunccheck

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/sourcegraph/go-diff v0.9.0
	golang.org/x/text v0.44.0
)
