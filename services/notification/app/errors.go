package app

import (
	"errors"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Reasons of the service's errors.
const (
	ReasonNotificationNotFound = "NOTIFICATION_NOT_FOUND"
	ReasonWebhookNotFound      = "WEBHOOK_NOT_FOUND"
	ReasonRoleNotAllowed       = "ROLE_NOT_ALLOWED"
	ReasonAddressNotAllowed    = "WEBHOOK_ADDRESS_NOT_ALLOWED"
)

// notFound gives domain.ErrNotFound its public form; other errors pass.
func notFound(err error, what string) error {
	if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	if what == "webhook" {
		return fault.NotFound(ReasonWebhookNotFound, "webhook not found")
	}
	return fault.NotFound(ReasonNotificationNotFound, "notification not found")
}
