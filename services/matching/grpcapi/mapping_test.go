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

func TestDiagnostics(t *testing.T) {
	if grpcapi.Diagnostics(nil) != nil {
		t.Fatal("no diagnostics must stay absent")
	}
	got := grpcapi.Diagnostics(&domain.Diagnostics{EligibleCount: 12, HeldByExposureCap: 2,
		ExcludedByRule: []domain.RuleCount{{Rule: domain.RuleDailyRateOverBudget, Count: 37}},
		Widen:          []domain.Widening{{Field: domain.WidenMaxDailyRate, Value: "1800", AdditionalEligible: 12}}})
	if got.GetEligibleCount() != 12 || got.GetHeldByExposureCap() != 2 || len(got.GetExcludedByRule()) != 1 ||
		got.GetExcludedByRule()[0].GetRule() != "DAILY_RATE_OVER_BUDGET" || got.GetExcludedByRule()[0].GetCount() != 37 ||
		len(got.GetWiden()) != 1 || got.GetWiden()[0].GetField() != "maxDailyRateEur" || got.GetWiden()[0].GetValue() != "1800" ||
		got.GetWiden()[0].GetAdditionalEligible() != 12 {
		t.Fatalf("Diagnostics = %v", got)
	}
}
