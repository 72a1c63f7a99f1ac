module github.com/caiomatch/caiomatch/services/mission

go 1.26.7

require github.com/caiomatch/caiomatch/pkg v0.0.0

replace github.com/caiomatch/caiomatch/pkg => ../../pkg
