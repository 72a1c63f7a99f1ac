// Package manifests holds the tests that the deployment files (deploy/k8s, compose.yaml) run
// the images `make images` builds (package images), with what each binary reads.
package manifests
