package grpcapi

import (
	"context"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

func (s *Server) GetExposureReport(ctx context.Context, _ *matchingv1.GetExposureReportRequest) (*matchingv1.GetExposureReportResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.ExposureReport, error) {
		return s.app.GetExposureReport(ctx, c)
	}, exposureResponse)
}

func exposureResponse(r domain.ExposureReport) *matchingv1.GetExposureReportResponse {
	groups := func(fs []domain.ExposureFigures) []*matchingv1.ExposureFigures {
		out := make([]*matchingv1.ExposureFigures, len(fs))
		for i, f := range fs {
			out[i] = exposureFigures(f)
		}
		return out
	}
	return &matchingv1.GetExposureReportResponse{Overall: exposureFigures(r.Overall), ByCountry: groups(r.ByCountry),
		BySeniority: groups(r.BySeniority), OpenMissions: int32(r.OpenMissions)}
}

func exposureFigures(f domain.ExposureFigures) *matchingv1.ExposureFigures {
	return &matchingv1.ExposureFigures{Key: f.Key, Consultants: int32(f.Consultants),
		EligibleAtLeastOnce: int32(f.EligibleAtLeastOnce), ShortlistedAtLeastOnce: int32(f.ShortlistedAtLeastOnce),
		NeverShownWhileEligible: int32(f.NeverShownWhileEligible), Gini: f.Gini}
}
