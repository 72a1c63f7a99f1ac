package missionrules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// FuzzPageToken: the page token every list of the mission and profile services reads. A token
// is either refused as a pageToken violation (INVALID_ARGUMENT, never a failure of the store), or
// read as a cursor with an id and a time after 1970, which encodes to a token read as the same
// cursor; the page size is always within 1 and MaxPageSize once accepted.
func FuzzPageToken(f *testing.F) {
	at := time.Date(2027, 2, 1, 9, 30, 0, 123456789, time.UTC)
	for _, seed := range []string{"", missionrules.EncodePageToken(missionrules.Cursor{CreatedAt: at, ID: "01a1fba7-5174-7a4d-933c-e12320a4aad3"}),
		missionrules.EncodePageToken(missionrules.Cursor{CreatedAt: at, ID: "x\x00'; DROP TABLE missions; --"}),
		"abc", "eyJjIjoxLCJpIjoiYSJ9", "eyJjIjotMSwiaSI6ImEifQ", "eyJjIjoxLjUsImkiOiJhIn0", "eyJpIjoiYSJ9", "e30", "bnVsbA",
		"eyJjIjoxLCJpIjoiYSJ9==", "eyJjIjoxLCJpIjoiYSJ9\n", "%%%", "eyJjIjo5MjIzMzcyMDM2ODU0Nzc1ODA4LCJpIjoiYSJ9"} {
		f.Add(int32(0), seed)
	}
	f.Add(int32(-1), "")
	f.Add(int32(101), "")
	f.Fuzz(func(t *testing.T, pageSize int32, token string) {
		size, cursor, err := missionrules.CheckPage(int(pageSize), token)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) == 0 ||
				slices.ContainsFunc(fe.Violations, func(v fault.Violation) bool { return v.Field != "pageToken" && v.Field != "pageSize" }) {
				t.Fatalf("size %d token %q: refused with %#v", pageSize, token, err)
			}
			return
		}
		if size < 1 || size > missionrules.MaxPageSize {
			t.Fatalf("size %d accepted as %d", pageSize, size)
		}
		if token == "" {
			if cursor != nil {
				t.Fatalf("no token, but a cursor %+v", cursor)
			}
			return
		}
		if cursor == nil || cursor.ID == "" || !cursor.CreatedAt.After(time.Unix(0, 0)) {
			t.Fatalf("token %q read as %+v", token, cursor)
		}
		again, err := missionrules.DecodePageToken(missionrules.EncodePageToken(*cursor))
		if err != nil || again == nil || again.ID != cursor.ID || !again.CreatedAt.Equal(cursor.CreatedAt) {
			t.Fatalf("token %q read as %+v, encoded and read again as %+v (%v)", token, cursor, again, err)
		}
	})
}
