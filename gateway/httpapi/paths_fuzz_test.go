package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// idsMissions records the id each GetMission received.
type idsMissions struct {
	missionv1.UnimplementedMissionServiceServer
	got []string
}

func (s *idsMissions) GetMission(_ context.Context, req *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	s.got = append(s.got, req.GetId())
	return &missionv1.GetMissionResponse{}, nil
}

// FuzzPathIDs: an id that is empty, not UTF-8, holds a control character (NUL included) or is
// longer than an id can be, is refused with 400 INVALID_FIELD_VALUE naming the path variable,
// directly and through the mux; any other reaches the service exactly as it was written.
func FuzzPathIDs(f *testing.F) {
	for _, seed := range []string{"01a1fba7-5174-7a4d-933c-e12320a4aad3", "operator", "42", "some-offer", "\xff\xfe", "a\x00b",
		"a\nb", "", " ", "a/b", "a%2Fb", "..", "é", "\u202e", "a\u0085b", strings.Repeat("a", maxPathVariableBytes),
		strings.Repeat("a", maxPathVariableBytes+1), strings.Repeat("é", 65), strings.Repeat("x", 1<<16)} {
		f.Add(seed)
	}
	var once sync.Once
	var mux *runtime.ServeMux
	missions := &idsMissions{}
	f.Fuzz(func(t *testing.T, id string) {
		invalid := id == "" || !utf8.ValidString(id) || strings.IndexFunc(id, unicode.IsControl) >= 0 || len(id) > maxPathVariableBytes

		err := checkPathVariables(map[string]string{"mission_id": id})
		if (err != nil) != invalid {
			t.Fatalf("%q: checkPathVariables says %v, want invalid %v", id, err, invalid)
		}
		if err != nil {
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument || rpc.Reason(err) != ReasonInvalidValue ||
				strings.Join(rpc.ViolatedFields(err), ",") != "missionId" {
				t.Fatalf("%q: refused with %v %q %v, want INVALID_ARGUMENT %s missionId", id, st.Code(), rpc.Reason(err),
					rpc.ViolatedFields(err), ReasonInvalidValue)
			}
		}

		once.Do(func() {
			var err error
			if mux, err = newServeMux(); err != nil {
				t.Fatal(err)
			}
			if err := missionv1.RegisterMissionServiceHandlerServer(context.Background(), mux, missions); err != nil {
				t.Fatal(err)
			}
		})
		if strings.Contains(id, "/") {
			return // another path: the routing's business (404 or another route)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/missions/x", nil)
		req.URL.Path, req.URL.RawPath = "/v1/missions/"+id, "/v1/missions/"+url.PathEscape(id)
		missions.got = nil
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		got := answerOf(w)
		switch {
		case invalid && (w.Code != http.StatusBadRequest || got.reason != ReasonInvalidValue || got.field != "id"):
			t.Fatalf("GET /v1/missions/%q: %d %q field %q, want 400 %s id: %s", id, w.Code, got.reason, got.field, ReasonInvalidValue, w.Body)
		case invalid && len(missions.got) > 0:
			t.Fatalf("GET /v1/missions/%q: the service was called", id)
		case !invalid && (w.Code != http.StatusOK || len(missions.got) != 1 || missions.got[0] != id):
			t.Fatalf("GET /v1/missions/%q: %d, the service got %q: %s", id, w.Code, missions.got, w.Body)
		}
	})
}
