module github.com/caiomatch/caiomatch/deploy/prometheus

go 1.26.7

require gopkg.in/yaml.v3 v3.0.1
