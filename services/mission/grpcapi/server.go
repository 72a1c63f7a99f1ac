// Package grpcapi is the mission service's gRPC port: it translates messages to use-case calls
// and nothing more. The gateway also uses its Validate function to check requests at the edge.
package grpcapi

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/adapters/missionpb"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

type Server struct {
	missionv1.UnimplementedMissionServiceServer
	app *app.Application
}

func NewServer(a *app.Application) *Server { return &Server{app: a} }

func callerOf(ctx context.Context) (identity.Caller, error) {
	c, ok := identity.FromContext(ctx)
	if !ok {
		return identity.Caller{}, fault.Unauthenticated("UNAUTHENTICATED", "no caller")
	}
	return c, nil
}

func (s *Server) CreateMission(ctx context.Context, req *missionv1.CreateMissionRequest) (*missionv1.CreateMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.CreateMission(ctx, caller, missionpb.CreateRequest(req))
	if err != nil {
		return nil, err
	}
	return &missionv1.CreateMissionResponse{Mission: missionpb.Mission(m)}, nil
}

func (s *Server) GetMission(ctx context.Context, req *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.GetMission(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &missionv1.GetMissionResponse{Mission: missionpb.Mission(m)}, nil
}

func (s *Server) ListMissions(ctx context.Context, req *missionv1.ListMissionsRequest) (*missionv1.ListMissionsResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	missions, next, err := s.app.ListMissions(ctx, caller, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &missionv1.ListMissionsResponse{NextPageToken: next}
	for _, m := range missions {
		resp.Missions = append(resp.Missions, missionpb.Mission(m))
	}
	return resp, nil
}

func (s *Server) CancelMission(ctx context.Context, req *missionv1.CancelMissionRequest) (*missionv1.CancelMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.CancelMission(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &missionv1.CancelMissionResponse{Mission: missionpb.Mission(m)}, nil
}

// Validate checks a request's fields with the same rules the service applies, so the gateway
// can refuse bad input before it travels. Messages it does not know pass.
func Validate(msg proto.Message) error {
	switch r := msg.(type) {
	case *missionv1.CreateMissionRequest:
		_, err := domain.NewRequest(missionpb.CreateRequest(r), time.Now())
		return err
	case *missionv1.ListMissionsRequest:
		_, _, err := app.CheckPage(int(r.GetPageSize()), r.GetPageToken())
		return err
	}
	return nil
}
