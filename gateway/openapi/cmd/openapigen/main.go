// Command openapigen writes the platform's OpenAPI 3.1 description (make proto): it converts
// what protoc-gen-openapiv2 generates from the protos and proto/http.yaml (Swagger 2.0), merges
// the endpoints the gateway serves by hand (handwritten.yaml), and applies what generation
// cannot know (rules.go): each operation's success status, who may call it without a
// credential, the error answers the gateway writes, and examples (examples.json).
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed handwritten.yaml
var handWritten []byte

//go:embed examples.json
var examplesJSON []byte

func main() {
	in := flag.String("in", "bin/openapiv2/caiomatch.swagger.json", "protoc-gen-openapiv2's output")
	out := flag.String("out", "gateway/openapi/caiomatch.openapi.json", "where to write the OpenAPI 3.1 description")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	swagger, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	doc, err := generate(swagger)
	if err != nil {
		return err
	}
	return os.WriteFile(out, doc, 0o644) //nolint:gosec // G306: a generated file committed to the repository, readable like its other sources
}

// generate returns the OpenAPI 3.1 description, indented, with a final newline.
func generate(swagger []byte) ([]byte, error) {
	var v2 openapi2.T
	if err := json.Unmarshal(swagger, &v2); err != nil {
		return nil, fmt.Errorf("read protoc-gen-openapiv2's output: %w", err)
	}
	// Its "default" answers name google.rpc.Status with details as bare Any; the error
	// answers are described once, as the gateway writes them (errorResponses).
	for _, item := range v2.Paths {
		for _, op := range item.Operations() {
			op.Responses.Delete("default")
		}
	}
	delete(v2.Definitions, "Status")
	delete(v2.Definitions, "Any")

	doc, err := openapi2conv.ToV3(&v2)
	if err != nil {
		return nil, fmt.Errorf("convert to OpenAPI 3: %w", err)
	}
	// Nothing in the converted document is 3.0-only (no nullable, no boolean exclusive
	// bounds: protoc-gen-openapiv2 emits neither), so it is 3.1 as it stands.
	doc.OpenAPI = "3.1.0"
	doc.Info = &openapi3.Info{
		Title:   "caiomatch API",
		Version: "v1",
		Description: "Matches firms needing a transition Chief AI Officer with interim consultants. " +
			"Generated from the protos (proto/, proto/http.yaml) and the gateway's rules by `make proto`; " +
			"the contract is docs/API.md. Errors are `{code, message, details}`: `code` is the gRPC code, " +
			"`details` hold a `google.rpc.ErrorInfo` with a stable `reason` and, for bad input, a " +
			"`google.rpc.BadRequest` naming each bad `field`.",
	}
	allowNullMessages(doc.Components.Schemas)
	doc.Servers = openapi3.Servers{{URL: "http://127.0.0.1:8080", Description: "make run (CAIOMATCH_HTTP_ADDR's default)"}}

	hand, err := openapi3.NewLoader().LoadFromData(handWritten)
	if err != nil {
		return nil, fmt.Errorf("handwritten.yaml: %w", err)
	}
	if err := merge(doc, hand); err != nil {
		return nil, err
	}
	var examples map[string]operationExamples
	if err := json.Unmarshal(examplesJSON, &examples); err != nil {
		return nil, fmt.Errorf("examples.json: %w", err)
	}
	if err := applyRules(doc, examples); err != nil {
		return nil, err
	}
	pruneUnusedSchemas(doc)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("the generated description is invalid: %w", err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, raw, "", "  "); err != nil {
		return nil, err
	}
	indented.WriteByte('\n')
	return indented.Bytes(), nil
}

// merge adds the hand-served operations and their schemas; a path the protos describe keeps
// its operations (DELETE /v1/accounts/{id} joins GET).
func merge(doc, hand *openapi3.T) error {
	for _, path := range slices.Sorted(maps.Keys(hand.Paths.Map())) {
		item := hand.Paths.Value(path)
		existing := doc.Paths.Value(path)
		if existing == nil {
			doc.Paths.Set(path, item)
			continue
		}
		for method, op := range item.Operations() {
			if existing.GetOperation(method) != nil {
				return fmt.Errorf("handwritten.yaml: %s %s is generated from the protos already", method, path)
			}
			existing.SetOperation(method, op)
		}
	}
	for name, schema := range hand.Components.Schemas {
		if _, taken := doc.Components.Schemas[name]; taken {
			return fmt.Errorf("handwritten.yaml: schema %s is generated from the protos already", name)
		}
		doc.Components.Schemas[name] = schema
	}
	doc.Components.Responses = hand.Components.Responses
	doc.Components.SecuritySchemes = hand.Components.SecuritySchemes
	return nil
}

// allowNullMessages lets each message-typed field of the protos' schemas be null: the gateway
// writes protojson with EmitUnpopulated, which gives an unset message field (a Timestamp, a
// nested message) as null. Lists and maps are [] and {}, scalars their zero value: never null.
func allowNullMessages(schemas openapi3.Schemas) {
	null := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeNull}}}
	for _, schema := range schemas {
		if schema.Value == nil {
			continue
		}
		for name, prop := range schema.Value.Properties {
			switch {
			case prop.Ref != "":
				target := schemas[strings.TrimPrefix(prop.Ref, "#/components/schemas/")]
				if target != nil && target.Value != nil && target.Value.Type.Is(openapi3.TypeObject) {
					schema.Value.Properties[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{
						AnyOf: openapi3.SchemaRefs{prop, null},
					}}
				}
			case prop.Value != nil && prop.Value.Type.Is(openapi3.TypeString) && prop.Value.Format == "date-time":
				prop.Value.Type = &openapi3.Types{openapi3.TypeString, openapi3.TypeNull}
			}
		}
	}
}

// pruneUnusedSchemas drops the schemas nothing refers to: the response messages of the RPCs
// whose HTTP answer is one of their fields (proto/http.yaml's response_body).
func pruneUnusedSchemas(doc *openapi3.T) {
	for {
		raw, err := json.Marshal(doc)
		if err != nil {
			return
		}
		pruned := false
		for name := range doc.Components.Schemas {
			if !bytes.Contains(raw, []byte(`"#/components/schemas/`+name+`"`)) {
				delete(doc.Components.Schemas, name)
				pruned = true
			}
		}
		if !pruned {
			return
		}
	}
}
