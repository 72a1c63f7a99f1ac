package grpcapi_test

import (
	"testing"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/grpcapi"
)

func TestShortlistStatus(t *testing.T) {
	for in, want := range map[domain.ShortlistStatus]matchingv1.ShortlistStatus{
		domain.ShortlistPending:   matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING,
		domain.ShortlistReady:     matchingv1.ShortlistStatus_SHORTLIST_STATUS_READY,
		domain.ShortlistNoMatch:   matchingv1.ShortlistStatus_SHORTLIST_STATUS_NO_MATCH,
		domain.ShortlistStatus(0): matchingv1.ShortlistStatus_SHORTLIST_STATUS_UNSPECIFIED,
	} {
		if got := grpcapi.ShortlistStatus(in); got != want {
			t.Errorf("ShortlistStatus(%v) = %v, want %v", in, got, want)
		}
	}
}
