package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// Headers of a dead letter (set by Consumer.deadLetter) and of a redriven message.
const (
	HeaderOriginalSubject  = "Caiomatch-Original-Subject"
	HeaderDeadLetterReason = "Caiomatch-Dead-Letter-Reason"
	// HeaderRedriveFor names the consumer a redriven message is meant for, and
	// HeaderRedrivenFrom the dead letter's sequence in DeadLetterStream.
	HeaderRedriveFor   = "Caiomatch-Redrive-For"
	HeaderRedrivenFrom = "Caiomatch-Redriven-From"
)

// Bounds of a page of dead letters.
const (
	DefaultDeadLetterPage = 50
	MaxDeadLetterPage     = 200
	// deadLetterScan bounds the sequences one page looks at when a consumer filter skips most
	// of them: a page may then come back short, with a cursor to go on from.
	deadLetterScan = 5000
)

var (
	// ErrDeadLetterNotFound: no dead letter at that sequence (never was, redriven, or aged out).
	ErrDeadLetterNotFound = errors.New("dead letter not found")
	// ErrNotRedrivable: the dead letter does not say which event subject it came from.
	ErrNotRedrivable = errors.New("dead letter cannot be redriven")
)

// consumerName is what a durable consumer's name is made of.
var consumerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// ValidConsumerName reports whether name can be a durable consumer's name (a filter of the
// dead letters), declared or not: dead letters outlive a consumer removed from Consumers.
func ValidConsumerName(name string) bool { return consumerName.MatchString(name) }

// DeadLetter is one message of DeadLetterStream. Data and Header are the original message's
// (an event envelope and its trace context): reading Data is reading possibly personal data.
type DeadLetter struct {
	Sequence uint64
	// Consumer gave up on the message; Subject is where the message was published.
	Consumer string
	Subject  string
	Reason   string
	DeadAt   time.Time
	// Deliveries the consumer had made when it gave up: from the reason, 1 for a message it
	// could not decode (dead-lettered at its first delivery), 0 when the reason does not say.
	Deliveries int
	// EventType and EventID come from the envelope, empty when it does not decode.
	EventType string
	EventID   string
	Size      int
	Header    nats.Header
	Data      []byte
}

var gaveUpAfter = regexp.MustCompile(`^gave up after (\d+) deliveries`)

func deadLetterOf(m *jetstream.RawStreamMsg) DeadLetter {
	d := DeadLetter{
		Sequence: m.Sequence, Consumer: strings.TrimPrefix(m.Subject, DeadLetterSubject("")),
		Subject: m.Header.Get(HeaderOriginalSubject), Reason: m.Header.Get(HeaderDeadLetterReason),
		DeadAt: m.Time, Size: len(m.Data), Header: m.Header, Data: m.Data,
	}
	if g := gaveUpAfter.FindStringSubmatch(d.Reason); g != nil {
		d.Deliveries, _ = strconv.Atoi(g[1])
	} else if strings.HasPrefix(d.Reason, "undecodable") {
		d.Deliveries = 1
	}
	env := &eventsv1.Envelope{}
	// The envelope's own fields may read even when its payload's type is unknown here.
	if proto.Unmarshal(m.Data, env) == nil {
		d.EventType, d.EventID = env.GetType(), env.GetEventId()
	}
	return d
}

// EventJSON is the envelope as JSON with its payload decoded (protojson, "@type" naming the
// payload's message); an error when the envelope or its payload does not decode, for
// instance a payload type this binary does not know.
func (d DeadLetter) EventJSON() (json.RawMessage, error) {
	env, _, err := DecodeEnvelope(d.Data)
	if err != nil {
		return nil, err
	}
	return protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(env)
}

// DeadLetterQuery selects a page of dead letters, newest first.
type DeadLetterQuery struct {
	// Consumer keeps only that consumer's dead letters; "" keeps all.
	Consumer string
	// Before starts the page below that sequence (a previous page's Next); 0 starts at the
	// newest.
	Before uint64
	// Limit is the page size; 0 means DefaultDeadLetterPage, at most MaxDeadLetterPage.
	Limit int
}

// DeadLetterPage is a page of dead letters, newest first. Next is the cursor of the following
// page (DeadLetterQuery.Before), 0 when there is none.
type DeadLetterPage struct {
	Letters []DeadLetter
	Next    uint64
}

// ListDeadLetters returns a page of dead letters, newest first. It reads sequences downwards
// from the cursor, skipping deleted ones (redriven) and, with a consumer filter, the other
// consumers' messages; after deadLetterScan sequences it stops with a short page and a cursor,
// so a page costs a bounded number of reads whatever the stream holds.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, q DeadLetterQuery) (DeadLetterPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultDeadLetterPage
	}
	limit = min(limit, MaxDeadLetterPage)
	stream, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return DeadLetterPage{}, fmt.Errorf("dead letters: %w", err)
	}
	filter := DeadLetterSubject("*")
	if q.Consumer != "" {
		filter = DeadLetterSubject(q.Consumer)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return DeadLetterPage{}, fmt.Errorf("dead letters: %w", err)
	}
	page := DeadLetterPage{Letters: []DeadLetter{}}
	first, seq := info.State.FirstSeq, info.State.LastSeq
	if q.Before > 0 {
		seq = min(seq, q.Before-1)
	}
	if info.State.Msgs == 0 || len(info.State.Subjects) == 0 && q.Consumer != "" {
		return page, nil
	}
	for scanned := 0; seq >= first && seq > 0; seq-- {
		if len(page.Letters) == limit || scanned == deadLetterScan {
			page.Next = seq + 1
			return page, nil
		}
		scanned++
		m, err := stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return DeadLetterPage{}, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		if q.Consumer == "" || m.Subject == filter {
			page.Letters = append(page.Letters, deadLetterOf(m))
		}
	}
	return page, nil
}

// GetDeadLetter returns the dead letter at sequence seq, or ErrDeadLetterNotFound.
func GetDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (DeadLetter, error) {
	stream, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letters: %w", err)
	}
	return getDeadLetter(ctx, stream, seq)
}

func getDeadLetter(ctx context.Context, stream jetstream.Stream, seq uint64) (DeadLetter, error) {
	if seq == 0 {
		return DeadLetter{}, ErrDeadLetterNotFound
	}
	m, err := stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetter{}, ErrDeadLetterNotFound
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	return deadLetterOf(m), nil
}

// Redrive says what RedriveDeadLetter did.
type Redrive struct {
	// DeadLetter is what was redriven; it is no longer in DeadLetterStream.
	DeadLetter DeadLetter
	// Stream and Sequence are where the message was published again; Duplicate is true when
	// an earlier redrive of the same dead letter had already published it (JetStream kept
	// one copy).
	Stream    string
	Sequence  uint64
	Duplicate bool
	// Receivers are the declared consumers whose filter takes the subject: all of them
	// receive the message again (see RedriveDeadLetter).
	Receivers []string
}

// RedriveDeadLetter publishes the dead letter at seq again on its original subject, then
// deletes it from DeadLetterStream. The publish is acknowledged by JetStream before the delete,
// so no crash loses the message: at worst it is both republished and still a dead letter, and
// redriving it again publishes nothing new, its message id (the dead letter's sequence and
// time) being within the stream's duplicate window.
//
// Every consumer whose filter takes the original subject receives the message again, not only
// the one that gave up (Redrive.Receivers lists them). A redrive subject per consumer would
// need every consumer's filter to exclude the others' redrive subjects, and two consumers
// (matching-profiles, notification-accounts) take their whole stream, which a subject of
// theirs cannot fall outside of; so the message goes back where it was, carrying
// HeaderRedriveFor, and every other consumer acknowledges it without applying it (Consumer
// skips a redrive meant for another). Were one to apply it anyway, its inbox (package inbox:
// event ids claimed with the effect) would make an event it already applied change nothing.
// Followers and replays apply events by rules that a second copy does not change (the newest
// by event time wins, an erasure is final).
func RedriveDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (Redrive, error) {
	stream, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return Redrive{}, fmt.Errorf("dead letters: %w", err)
	}
	d, err := getDeadLetter(ctx, stream, seq)
	if err != nil {
		return Redrive{}, err
	}
	if d.Subject == "" || !strings.HasPrefix(d.Subject, "caiomatch.") || strings.HasPrefix(d.Subject, DeadLetterSubject("")) {
		return Redrive{}, fmt.Errorf("%w: original subject %q is not an event subject", ErrNotRedrivable, d.Subject)
	}
	target, err := js.StreamNameBySubject(ctx, d.Subject)
	if err != nil || target == DeadLetterStream {
		return Redrive{}, fmt.Errorf("%w: no event stream takes %s", ErrNotRedrivable, d.Subject)
	}
	msg := &nats.Msg{Subject: d.Subject, Data: d.Data, Header: nats.Header{}}
	for k, v := range d.Header {
		if k != HeaderOriginalSubject && k != HeaderDeadLetterReason && !strings.HasPrefix(k, "Nats-") {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(HeaderRedriveFor, d.Consumer)
	msg.Header.Set(HeaderRedrivenFrom, strconv.FormatUint(seq, 10))
	// No expected-stream option: its header would be stored with the message, and copied onto
	// a new dead letter, whose publish the server would then refuse (it expects DEADLETTER).
	msgID := fmt.Sprintf("redrive-%d-%d", seq, d.DeadAt.UnixNano())
	ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID))
	if err != nil {
		return Redrive{}, fmt.Errorf("redrive dead letter %d: publish: %w", seq, err)
	}
	// A concurrent redrive of the same dead letter may have deleted it first (the server then
	// refuses this delete): gone is as good.
	if err := stream.DeleteMsg(ctx, seq); err != nil {
		if _, getErr := stream.GetMsg(ctx, seq); !errors.Is(getErr, jetstream.ErrMsgNotFound) {
			return Redrive{}, fmt.Errorf("redrive dead letter %d: republished as %s #%d but not deleted: %w", seq, ack.Stream, ack.Sequence, err)
		}
	}
	return Redrive{DeadLetter: d, Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate,
		Receivers: Receivers(ack.Stream, d.Subject)}, nil
}

// Receivers are the declared consumers of stream whose filter takes subject.
func Receivers(stream, subject string) []string {
	var out []string
	for _, c := range Consumers() {
		if c.Stream != stream {
			continue
		}
		takes := len(c.FilterSubjects) == 0
		for _, f := range c.FilterSubjects {
			takes = takes || subjectMatches(f, subject)
		}
		if takes {
			out = append(out, c.Durable)
		}
	}
	return out
}

// subjectMatches reports whether a NATS filter ("*" one token, ">" the rest) takes subject.
func subjectMatches(filter, subject string) bool {
	ft, st := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, f := range ft {
		if f == ">" {
			return len(st) > i
		}
		if i >= len(st) || f != "*" && f != st[i] {
			return false
		}
	}
	return len(ft) == len(st)
}
