// Package edgecheck applies each service's field rules to a request at the gateway, before it
// travels: the same rules the service applies (they live in pkg so that both may import them),
// so a bad request gets the same error, reason and field whichever refuses it. Messages a
// checker does not know pass.
package edgecheck
