package eventbus

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// maxHold is how long progress acks keep the messages of one fetch: a handler that hangs (a
// database that never answers) then lets them go to another replica after maxHold plus AckWait,
// instead of holding them as long as the process lives.
const maxHold = 2 * time.Minute

// inFlight holds the messages of the current fetch from their arrival until they are handled,
// and tells the server every progressInterval that each of them is still being worked on
// (InProgress resets its AckWait). A short AckWait then costs nothing while the process lives,
// and bounds how long the server keeps what a dead process had fetched.
type inFlight struct {
	progressInterval time.Duration

	mu        sync.Mutex
	cond      *sync.Cond
	queue     []jetstream.Msg // received, not yet handed to the handler
	current   jetstream.Msg   // being handled
	batchFrom time.Time       // when the current fetch delivered its first message
	open      bool            // the fetch may still deliver messages

	quit chan struct{}
	wg   sync.WaitGroup
}

func newInFlight(ackWait time.Duration) *inFlight {
	f := &inFlight{progressInterval: max(ackWait/4, 10*time.Millisecond), open: true, quit: make(chan struct{})}
	f.cond = sync.NewCond(&f.mu)
	f.wg.Add(1)
	go f.keepAlive()
	return f
}

// add queues a message the fetch delivered.
func (f *inFlight) add(msg jetstream.Msg) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.batchFrom.IsZero() {
		f.batchFrom = time.Now()
	}
	f.queue = append(f.queue, msg)
	f.cond.Signal()
}

// closeBatch says the fetch delivers nothing more; next returns false once the queue is empty.
func (f *inFlight) closeBatch() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open = false
	f.cond.Signal()
}

// next waits for the next message to handle, or reports that the batch is over (and readies f
// for the next fetch).
func (f *inFlight) next() (jetstream.Msg, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) == 0 && f.open {
		f.cond.Wait()
	}
	if len(f.queue) == 0 {
		f.open, f.batchFrom = true, time.Time{}
		return nil, false
	}
	msg := f.queue[0]
	f.queue[0] = nil
	f.queue = f.queue[1:]
	f.current = msg
	return msg, true
}

// done says msg was acknowledged, refused or handed back: it needs no more progress acks.
func (f *inFlight) done(msg jetstream.Msg) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current == msg {
		f.current = nil
	}
}

func (f *inFlight) keepAlive() {
	defer f.wg.Done()
	tick := time.NewTicker(f.progressInterval)
	defer tick.Stop()
	for {
		select {
		case <-f.quit:
			return
		case <-tick.C:
		}
		f.mu.Lock()
		if !f.batchFrom.IsZero() && time.Since(f.batchFrom) > maxHold {
			f.mu.Unlock()
			continue
		}
		held := make([]jetstream.Msg, 0, len(f.queue)+1)
		if f.current != nil {
			held = append(held, f.current)
		}
		held = append(held, f.queue...)
		f.mu.Unlock()
		for _, msg := range held {
			// A failed progress ack costs at worst a redelivery, which the inbox absorbs.
			_ = msg.InProgress()
		}
	}
}

func (f *inFlight) stop() {
	close(f.quit)
	f.wg.Wait()
}
