package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(41, 42))}
	ix := New(0)
	var ids []string
	for i := range 2000 {
		p := w.profile()
		if i%10 == 0 {
			p.Languages = append(p.Languages, fmt.Sprintf("x%d", i%90)) // overflow the interned languages
		}
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	for _, id := range ids[:50] {
		if _, err := ix.Erase(id); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := ix.WriteSnapshot(&buf, 4242); err != nil {
		t.Fatal(err)
	}
	loaded, covered, err := ReadSnapshot(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if covered != 4242 || loaded.Len() != ix.Len() || loaded.Stats().Erased != 50 {
		t.Fatalf("loaded covered=%d len=%d erased=%d, want 4242, %d, 50", covered, loaded.Len(), loaded.Stats().Erased, ix.Len())
	}
	for _, id := range ids {
		a, okA := ix.Profile(id)
		b, okB := loaded.Profile(id)
		if okA != okB || fmt.Sprint(a) != fmt.Sprint(b) || ix.Erased(id) != loaded.Erased(id) {
			t.Fatalf("profile %s: before %v %+v, after %v %+v", id, okA, a, okB, b)
		}
	}
	for range 50 {
		q := Query{Settings: settings(), Mission: w.mission(), K: 10}
		if a, b := ix.Rank(q), loaded.Rank(q); !reflect.DeepEqual(a, b) {
			t.Fatalf("rankings differ after the snapshot:\n%v\n%v", a, b)
		}
	}
	// The loaded index keeps working: new profiles, new languages, erasures.
	p := w.profile()
	p.Languages = []string{"x999"}
	if ok, err := loaded.Put(p, today); !ok || err != nil {
		t.Fatalf("put after load: %v %v", ok, err)
	}
	if ok, _ := loaded.Put(p, today.AddDate(0, 0, -1)); ok {
		t.Fatal("an older version replaced a loaded profile")
	}
	if ok, _ := loaded.Put(w.profile(), today); !ok {
		t.Fatal("put of a new profile after load refused")
	}
}

func TestSnapshotDamageIsAnError(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(43, 44))}
	ix := New(0)
	for range 300 {
		if _, err := ix.Put(w.profile(), today); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := ix.WriteSnapshot(&buf, 1); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, at := range []int{0, 20, len(good) / 2, len(good) - 10, len(good) - 1} {
		bad := bytes.Clone(good)
		bad[at] ^= 0x40
		if _, _, err := ReadSnapshot(bytes.NewReader(bad)); err == nil {
			t.Errorf("a snapshot with byte %d flipped was read", at)
		}
	}
	if _, _, err := ReadSnapshot(bytes.NewReader(good[:len(good)/3])); err == nil {
		t.Error("a truncated snapshot was read")
	}
	if _, _, err := ReadSnapshot(bytes.NewReader(good)); err != nil {
		t.Errorf("the intact snapshot: %v", err)
	}
}

// TestSnapshotBeforePlacesIsRefused: a version 1 snapshot has no place column, so loading it
// would leave every consultant's place unknown; it is refused and the stream replayed instead.
func TestSnapshotBeforePlacesIsRefused(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(45, 46))}
	ix := New(0)
	for range 50 {
		if _, err := ix.Put(w.profile(), today); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := ix.WriteSnapshot(&buf, 1); err != nil {
		t.Fatal(err)
	}
	old := bytes.Clone(buf.Bytes())
	binary.LittleEndian.PutUint32(old[len(snapshotMagic):], 1)
	if _, _, err := ReadSnapshot(bytes.NewReader(old)); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Fatalf("a version 1 snapshot: %v, want it refused for its version", err)
	}
}
