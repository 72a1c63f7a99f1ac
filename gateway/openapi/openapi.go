// Package openapi embeds the OpenAPI description generated from the protos and proto/http.yaml.
package openapi

import _ "embed"

//go:embed caiomatch.swagger.json
var Document []byte
