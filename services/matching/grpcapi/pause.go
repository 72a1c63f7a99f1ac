package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/matching/app"
)

func (s *Server) PauseMatching(ctx context.Context, req *matchingv1.PauseMatchingRequest) (*matchingv1.PauseMatchingResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.MatchingState, error) {
		return s.app.PauseMatching(ctx, c, req.GetReason())
	}, func(st app.MatchingState) *matchingv1.PauseMatchingResponse {
		return &matchingv1.PauseMatchingResponse{State: MatchingState(st)}
	})
}

func (s *Server) ResumeMatching(ctx context.Context, _ *matchingv1.ResumeMatchingRequest) (*matchingv1.ResumeMatchingResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.MatchingState, error) {
		return s.app.ResumeMatching(ctx, c)
	}, func(st app.MatchingState) *matchingv1.ResumeMatchingResponse {
		return &matchingv1.ResumeMatchingResponse{State: MatchingState(st)}
	})
}

func (s *Server) GetMatchingState(ctx context.Context, _ *matchingv1.GetMatchingStateRequest) (*matchingv1.GetMatchingStateResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.MatchingState, error) {
		return s.app.GetMatchingState(ctx, c)
	}, func(st app.MatchingState) *matchingv1.GetMatchingStateResponse {
		return &matchingv1.GetMatchingStateResponse{State: MatchingState(st)}
	})
}

// MatchingState writes the operators' switch; since is unset while matching runs.
func MatchingState(st app.MatchingState) *matchingv1.MatchingState {
	out := &matchingv1.MatchingState{Paused: st.Paused, Reason: st.Reason, By: st.By, HeldMissions: int32(st.Held)}
	if st.Paused {
		out.Since = timestamppb.New(st.Since)
	}
	return out
}
