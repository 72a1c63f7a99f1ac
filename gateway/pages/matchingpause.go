package pages

// routeMatchingPause routes the operators' switch that pauses and resumes automated matching.
func (s *Site) routeMatchingPause() {}
