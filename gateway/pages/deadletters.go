package pages

// routeDeadLetters routes the operators' dead letters: list, inspect, redrive.
func (s *Site) routeDeadLetters() {}
