package profilerules_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
)

func TestCheckList(t *testing.T) {
	token := missionrules.EncodePageToken(missionrules.Cursor{CreatedAt: now, ID: "p-1"})
	for _, ok := range []struct {
		size, wantSize   int
		token, accountID string
	}{
		{size: 0, wantSize: profilerules.DefaultListPageSize},
		{size: 1, wantSize: 1, accountID: "acc-1"},
		{size: 100, wantSize: 100, token: token},
		{size: 1000, wantSize: missionrules.MaxPageSize, accountID: strings.Repeat("a", profilerules.MaxAccountIDBytes)},
	} {
		size, after, err := profilerules.CheckList(ok.size, ok.token, ok.accountID)
		if err != nil || size != ok.wantSize || (after != nil) != (ok.token != "") || (after != nil && after.ID != "p-1") {
			t.Errorf("CheckList(%d, %q, %q) = %d, %v, %v", ok.size, ok.token, ok.accountID, size, after, err)
		}
	}
	for _, bad := range []struct {
		size             int
		token, accountID string
		fields           []string
	}{
		{size: -1, fields: []string{"pageSize"}},
		{token: "nonsense", fields: []string{"pageToken"}},
		{accountID: "a\x00b", fields: []string{"accountId"}},
		{accountID: "\xff", fields: []string{"accountId"}},
		{accountID: strings.Repeat("a", profilerules.MaxAccountIDBytes+1), fields: []string{"accountId"}},
		{size: -1, token: "nonsense", accountID: "\n", fields: []string{"pageSize", "pageToken", "accountId"}},
	} {
		_, _, err := profilerules.CheckList(bad.size, bad.token, bad.accountID)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidArgument {
			t.Fatalf("CheckList(%d, %q, %q) = %v", bad.size, bad.token, bad.accountID, err)
		}
		var fields []string
		for _, v := range fe.Violations {
			fields = append(fields, v.Field)
		}
		if !slices.Equal(fields, bad.fields) {
			t.Errorf("CheckList(%d, %q, %q) names %v, want %v", bad.size, bad.token, bad.accountID, fields, bad.fields)
		}
	}
}
