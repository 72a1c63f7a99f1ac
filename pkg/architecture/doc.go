// Package architecture holds the test that keeps the skeleton in shape (docs/ARCHITECTURE.md):
// domain and app free of SQL, NATS, gRPC and generated code; no service importing another's
// packages; the gateway reaching a service only through its service package; pkg importing no
// service. It reads the whole workspace with `go list`, so it runs in `make test` with the pkg
// module's tests.
package architecture
