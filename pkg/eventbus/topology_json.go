package eventbus

import (
	"bytes"
	"encoding/json"

	"github.com/nats-io/nats.go/jetstream"
)

// TopologyJSON is the declared streams (for a three-node cluster) and durable consumers, in the
// JSON of the JetStream API, as deploy/nats keeps them for operators.
func TopologyJSON() ([]byte, error) {
	type consumer struct {
		Stream string                   `json:"stream"`
		Config jetstream.ConsumerConfig `json:"config"`
	}
	doc := struct {
		Comment   string                   `json:"_comment"`
		Streams   []jetstream.StreamConfig `json:"streams"`
		Consumers []consumer               `json:"consumers"`
	}{
		Comment: "Generated from pkg/eventbus (Streams, Consumers) by `go run ./pkg/eventbus/cmd/natstopology`; " +
			"services declare the same at start. Edit the Go declarations, not this file.",
		Streams: Streams(StreamSettings{Cluster: "caiomatch"}),
	}
	for _, c := range Consumers() {
		doc.Consumers = append(doc.Consumers, consumer{Stream: c.Stream, Config: c.withDefaults().config()})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // subjects end in ">"
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}
