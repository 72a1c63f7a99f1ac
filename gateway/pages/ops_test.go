package pages

import (
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

func TestWaterfallPlacesSpansOnTheTracesTimeAxis(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	span := func(service string, atMs, durationMs float64) telemetry.SpanView {
		return telemetry.SpanView{Service: service, Name: service, Start: start.Add(time.Duration(atMs * float64(time.Millisecond))), DurationMs: durationMs}
	}
	// Given out of order, as a store may hold them; the last one is too short for 1 %.
	page := layOut("t1", []telemetry.SpanView{span("matching", 60, 40), span("gateway", 0, 50), span("mission", 10, 20), span("mission", 99.9, 0.01)})
	if page.DurationMs != 100 {
		t.Errorf("the trace lasts %v ms, want 100", page.DurationMs)
	}
	var lanes []string
	var bars []string
	for _, lane := range page.Services {
		lanes = append(lanes, lane.Service)
		for _, b := range lane.Spans {
			bars = append(bars, lane.Service+" "+b.Bar())
		}
	}
	if want := []string{"gateway", "mission", "matching"}; !slices.Equal(lanes, want) {
		t.Errorf("lanes %q, want %q (the order services first act)", lanes, want)
	}
	if want := []string{"gateway at0 sw50", "mission at10 sw20", "mission at99 sw1", "matching at60 sw40"}; !slices.Equal(bars, want) {
		t.Errorf("bars %q, want %q", bars, want)
	}
	if empty := layOut("t2", nil); len(empty.Services) != 0 {
		t.Errorf("a trace without spans has lanes: %+v", empty)
	}
}
