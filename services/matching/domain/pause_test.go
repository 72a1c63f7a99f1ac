package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

func TestNewPauseKeepsATrimmedOneLineReason(t *testing.T) {
	at := time.Date(2026, 12, 7, 16, 0, 0, 0, time.FixedZone("CET", 3600))
	p, err := NewPause("  weights under review ", "op-1", at)
	if err != nil || !p.Paused || p.Reason != "weights under review" || p.By != "op-1" || !p.Since.Equal(at) || p.Since.Location() != time.UTC {
		t.Fatalf("NewPause = %+v, %v", p, err)
	}
	if _, err := NewPause(strings.Repeat("à", MaxPauseReasonLength), "op-1", at); err != nil {
		t.Fatalf("a reason of %d characters refused: %v", MaxPauseReasonLength, err)
	}
	for _, bad := range []string{"", " \t ", "two\nlines", "bell\a", "\xff\xfe", strings.Repeat("a", MaxPauseReasonLength+1)} {
		_, err := NewPause(bad, "op-1", at)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) != 1 || fe.Violations[0].Field != "reason" {
			t.Errorf("NewPause(%q) = %v, want a violation on reason", bad, err)
		}
	}
}
