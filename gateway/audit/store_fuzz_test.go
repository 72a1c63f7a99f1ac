package audit

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// FuzzAuditPageToken: a page token of GET /v1/ops/audit is read as a stored time and an id, or
// refused (the store then answers INVALID_ARGUMENT). One read is a time in the very text the
// store keeps (the keyset compares that text) and an id of the log's shape, and it encodes back
// to a token read the same.
func FuzzAuditPageToken(f *testing.F) {
	at := time.Date(2027, 2, 1, 9, 30, 0, 123456789, time.UTC)
	for _, seed := range []string{"", encodeToken(at, "01a1fba7-5174-7a4d-933c-e12320a4aad3"), encodeToken(at, "operator"),
		base64.RawURLEncoding.EncodeToString([]byte("2027-02-01T09:30:00Z 01a1fba7")),
		base64.RawURLEncoding.EncodeToString([]byte("2027-02-30T09:30:00.000000000Z x")),
		base64.RawURLEncoding.EncodeToString([]byte("2027-02-01T09:30:00.000000000Z ")),
		base64.RawURLEncoding.EncodeToString([]byte("2027-02-01T09:30:00.000000000Z a b")),
		base64.StdEncoding.EncodeToString([]byte("2027-02-01T09:30:00.000000000Z x")), "%%", "AA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		stamp, id, ok := decodeToken(token)
		if !ok {
			if stamp != "" || id != "" {
				t.Fatalf("%q: refused, with %q %q", token, stamp, id)
			}
			return
		}
		parsed, err := time.Parse(sqlstore.TimeLayout, stamp)
		if err != nil || sqlstore.FormatTime(parsed) != stamp {
			t.Fatalf("%q: time %q is not as the store writes it (%v)", token, stamp, err)
		}
		if !ValidID(id) {
			t.Fatalf("%q: id %q", token, id)
		}
		stamp2, id2, ok := decodeToken(encodeToken(parsed, id))
		if !ok || stamp2 != stamp || id2 != id {
			t.Fatalf("%q: read as %q %q, encoded and read again as %q %q %v", token, stamp, id, stamp2, id2, ok)
		}
	})
}
