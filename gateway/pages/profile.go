package pages

// routeProfile routes the consultant's profile editor and calendar.
func (s *Site) routeProfile() {}
