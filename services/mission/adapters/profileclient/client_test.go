package profileclient_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/fault"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/mission/adapters/profileclient"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

// stub answers GetProfile with a fixed profile or error.
type stub struct {
	profilev1.ProfileServiceClient
	profile *profilev1.Profile
	err     error
}

func (s stub) GetProfile(context.Context, *profilev1.GetProfileRequest, ...grpc.CallOption) (*profilev1.GetProfileResponse, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &profilev1.GetProfileResponse{Profile: s.profile}, nil
}

func TestConsultantAccountAndRate(t *testing.T) {
	ctx := context.Background()
	got, err := profileclient.New(stub{profile: &profilev1.Profile{Id: "p1", AccountId: "cons-1", DailyRateEur: 1350}}).Consultant(ctx, "p1")
	if err != nil || got.AccountID != "cons-1" || got.DailyRateEUR != 1350 {
		t.Fatalf("got %+v, %v", got, err)
	}
	cases := []struct {
		err    error
		kind   fault.Kind
		reason string
	}{
		{status.Error(codes.NotFound, "profile p1 not found"), fault.KindNotFound, app.ReasonProfileNotFound},
		{status.Error(codes.PermissionDenied, "no"), fault.KindNotFound, app.ReasonProfileNotFound},
		{status.Error(codes.Unavailable, "connection refused"), fault.KindUnavailable, app.ReasonProfileServiceUnavailable},
		{status.Error(codes.DeadlineExceeded, "slow"), fault.KindUnavailable, app.ReasonProfileServiceUnavailable},
	}
	for _, tc := range cases {
		_, err := profileclient.New(stub{err: tc.err}).Consultant(ctx, "p1")
		if fe, ok := fault.As(err); !ok || fe.Kind != tc.kind || fe.Reason != tc.reason {
			t.Errorf("%v became %v", tc.err, err)
		}
	}
	// Anything else is internal: the profile service's status is not passed on to our caller.
	for _, e := range []error{status.Error(codes.InvalidArgument, "invalid field id"), errors.New("boom")} {
		_, err := profileclient.New(stub{err: e}).Consultant(ctx, "p1")
		if err == nil || fault.KindOf(err) != fault.KindInternal || rpc.Status(err).Code() != codes.Internal {
			t.Errorf("%v became %v (%s)", e, err, rpc.Status(err).Code())
		}
	}
	if _, err := profileclient.New(stub{profile: &profilev1.Profile{Id: "p1"}}).Consultant(ctx, "p1"); err == nil {
		t.Error("a profile without an account was accepted")
	}
	if _, err := (profileclient.Unconfigured{}).Consultant(ctx, "p1"); fault.KindOf(err) != fault.KindUnavailable {
		t.Errorf("unconfigured: %v", err)
	}
}
