module github.com/caiomatch/caiomatch/services/notification

go 1.26.7

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/caiomatch/caiomatch/pkg v0.0.0
	github.com/nicksnyder/go-i18n/v2 v2.7.0
	golang.org/x/text v0.44.0
)

replace github.com/caiomatch/caiomatch/pkg => ../../pkg
