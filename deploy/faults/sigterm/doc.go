// Package sigterm is the fault test "SIGTERM with slow requests in flight": the all-in-one
// binary (gateway/cmd/caiomatch) runs as a real process on a random loopback port; slow
// clients have their POST /v1/missions inside the gateway (the handler is reading their body)
// when the process gets SIGTERM. Every one of them must complete with 200 and its mission be
// stored; requests sent after the signal must be refused cleanly (connection refused or 503),
// never hang nor be cut mid-response; and the process must exit 0 within its grace period.
//
// The requests are slow the way real slow clients are: they send their headers with
// "Expect: 100-continue", wait for the gateway's "100 Continue" (Go's server sends it when the
// handler starts reading the body, so it proves the request is in the handler), send half of
// the body, and the rest only after the signal. No hook in the gateway is needed.
package sigterm
