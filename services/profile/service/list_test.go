package service_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

// The service itself, called over gRPC without the gateway, lists a consultant's own profiles
// whole, pages every profile for an operator, and refuses a firm.
func TestListProfilesOverGRPC(t *testing.T) {
	h := start(t)
	owner := as("cons-1", "CONSULTANT")
	own := h.create(t, owner)
	other := h.create(t, as("cons-2", "CONSULTANT"))

	got, err := h.client.ListProfiles(owner, &profilev1.ListProfilesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetProfiles()) != 1 || !proto.Equal(got.GetProfiles()[0], h.read(t, owner, own.GetId())) || got.GetNextPageToken() != "" {
		t.Fatalf("the consultant's list %v", got)
	}

	operator := as("op-1", "OPERATOR")
	first, err := h.client.ListProfiles(operator, &profilev1.ListProfilesRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.client.ListProfiles(operator, &profilev1.ListProfilesRequest{PageSize: 1, PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetProfiles()) != 1 || first.GetProfiles()[0].GetId() != other.GetId() || first.GetNextPageToken() == "" ||
		len(second.GetProfiles()) != 1 || second.GetProfiles()[0].GetId() != own.GetId() {
		t.Fatalf("the operator's pages %v then %v", first, second)
	}
	filtered, err := h.client.ListProfiles(operator, &profilev1.ListProfilesRequest{AccountId: "cons-2"})
	if err != nil || len(filtered.GetProfiles()) != 1 || filtered.GetProfiles()[0].GetId() != other.GetId() {
		t.Fatalf("cons-2's profiles %v, %v", filtered, err)
	}

	_, err = h.client.ListProfiles(as("firm-1", "FIRM"), &profilev1.ListProfilesRequest{})
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	_, err = h.client.ListProfiles(operator, &profilev1.ListProfilesRequest{PageToken: "nonsense"})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
}
