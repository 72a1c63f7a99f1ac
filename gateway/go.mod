module github.com/caiomatch/caiomatch/gateway

go 1.26.7

require (
	github.com/caiomatch/caiomatch/pkg v0.0.0
	github.com/caiomatch/caiomatch/services/matching v0.0.0
	github.com/caiomatch/caiomatch/services/mission v0.0.0
	github.com/caiomatch/caiomatch/services/profile v0.0.0
)

replace (
	github.com/caiomatch/caiomatch/pkg => ../pkg
	github.com/caiomatch/caiomatch/services/matching => ../services/matching
	github.com/caiomatch/caiomatch/services/mission => ../services/mission
	github.com/caiomatch/caiomatch/services/profile => ../services/profile
)
