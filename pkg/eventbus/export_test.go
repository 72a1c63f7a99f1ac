package eventbus

import "github.com/nats-io/nats.go/jetstream"

// ConsumerSpecConfig is the server-side configuration Run declares for spec, for tests that play
// another process on the same durable consumer.
func ConsumerSpecConfig(s ConsumerSpec) jetstream.ConsumerConfig { return s.withDefaults().config() }
