package pages

// routeSettings routes an account's settings: notification preferences, webhooks and tokens.
func (s *Site) routeSettings() {}
