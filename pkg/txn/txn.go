// Package txn is the transactional port every service's use cases run through: a use case runs
// in one transaction, and an event handler runs once per (consumer, event id), its inbox claim,
// its effect and the events it publishes committing together or not at all.
//
// The port knows nothing of SQL: a service's app package declares the view of its store inside
// one transaction (its Tx interface, every method ctx first) and asks for a Runner[Tx]; the
// service's store adapter builds one with sqltx.New.
package txn

import "context"

// Delivery is one event as one consumer receives it; the pair is the inbox key.
type Delivery struct {
	Consumer string
	EventID  string
}

// Runner runs functions in transactions over a store whose view inside one transaction is T.
type Runner[T any] interface {
	// InTx runs fn in one transaction, committed when fn returns nil and rolled back otherwise.
	// Events fn publishes are relayed once committed.
	InTx(ctx context.Context, fn func(ctx context.Context, tx T) error) error
	// Once is InTx for an event handler: in the same transaction it first claims d. When d was
	// already processed it runs nothing, changes nothing and reports false.
	Once(ctx context.Context, d Delivery, fn func(ctx context.Context, tx T) error) (claimed bool, err error)
}
