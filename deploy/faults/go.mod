module github.com/caiomatch/caiomatch/deploy/faults

go 1.26.7

replace (
	github.com/caiomatch/caiomatch/gateway => ../../gateway
	github.com/caiomatch/caiomatch/pkg => ../../pkg
	github.com/caiomatch/caiomatch/services/matching => ../../services/matching
	github.com/caiomatch/caiomatch/services/mission => ../../services/mission
	github.com/caiomatch/caiomatch/services/profile => ../../services/profile
)
