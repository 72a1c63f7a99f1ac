// Command natstopology writes the platform's JetStream streams and durable consumers, as
// declared in pkg/eventbus, to deploy/nats/topology.json (or stdout with -o -).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

func main() {
	out := flag.String("o", "deploy/nats/topology.json", "output file, - for stdout")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "natstopology:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	doc, err := eventbus.TopologyJSON()
	if err != nil {
		return err
	}
	doc = append(doc, '\n')
	if out == "-" {
		_, err = os.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(out, doc, 0o644) //nolint:gosec // G306: the topology is a committed file, readable like the rest of the checkout
}
