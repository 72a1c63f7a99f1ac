package edgecheck

import (
	"time"

	"google.golang.org/protobuf/proto"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
	"github.com/caiomatch/caiomatch/pkg/profilerules/rulespb"
)

// Profile checks a profile request's fields with the rules the profile service applies
// (pkg/profilerules), so that the gateway refuses bad input before it travels. Messages it
// does not know pass.
func Profile(msg proto.Message) error {
	switch r := msg.(type) {
	case *profilev1.CreateProfileRequest:
		_, err := profilerules.NewDetails(rulespb.DetailsInput(r), time.Now())
		return err
	case *profilev1.ReplaceProfileRequest:
		_, err := profilerules.NewDetails(rulespb.DetailsInput(r), time.Now())
		return err
	case *profilev1.ListProfilesRequest:
		_, _, err := profilerules.CheckList(int(r.GetPageSize()), r.GetPageToken(), r.GetAccountId())
		return err
	}
	return nil
}
