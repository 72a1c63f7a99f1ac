// Package malformed is the fault test "one malformed event among 1,000": the real matching
// service runs in-process on an embedded NATS server and consumes a burst of MissionSubmitted
// events among which some are undecodable. Every valid event must be handled exactly once (its
// inbox claim and its first shortlist), every malformed one must land, once, on the
// dead-letter subject of the consumer with its body, original subject and headers, and the
// consumer must keep going past them.
package malformed
