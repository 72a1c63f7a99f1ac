package pages

import "net/http"

// afterStaffing is the mission page's part after an offer: the firm's answer to a counter,
// extensions, the early end and feedback.
type afterStaffing struct{}

func (s *Site) routeAfterStaffing() {}

// loadAfterStaffing fills page.After for visitor v.
func (s *Site) loadAfterStaffing(r *http.Request, v visitor, page *missionPage) error {
	return nil
}
