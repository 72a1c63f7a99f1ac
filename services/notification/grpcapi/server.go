// Package grpcapi is the notification service's gRPC port: it translates messages to use-case
// calls and their results to public forms, nothing more.
package grpcapi

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Server implements notificationv1.NotificationServiceServer.
type Server struct {
	notificationv1.UnimplementedNotificationServiceServer
	app      *app.Application
	resolver app.Resolver
}

// NewServer serves a; resolver checks where new webhooks' host names point.
func NewServer(a *app.Application, resolver app.Resolver) *Server {
	return &Server{app: a, resolver: resolver}
}

// DefaultWatchWait is the wait of a WatchNotifications call that names none.
const DefaultWatchWait = 25 * time.Second

func (s *Server) ListNotifications(ctx context.Context, req *notificationv1.ListNotificationsRequest) (*notificationv1.ListNotificationsResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*notificationv1.ListNotificationsResponse, error) {
		found, next, err := s.app.ListNotifications(ctx, c, req.GetUnreadOnly(), int(req.GetPageSize()), req.GetPageToken())
		return &notificationv1.ListNotificationsResponse{Notifications: rpc.Each(found, Notification), NextPageToken: next}, err
	}, rpc.AsIs)
}

func (s *Server) MarkNotificationRead(ctx context.Context, req *notificationv1.MarkNotificationReadRequest) (*notificationv1.MarkNotificationReadResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.Rendered, error) {
		return s.app.ReadNotification(ctx, c, req.GetId())
	}, func(n app.Rendered) *notificationv1.MarkNotificationReadResponse {
		return &notificationv1.MarkNotificationReadResponse{Notification: Notification(n)}
	})
}

func (s *Server) WatchNotifications(ctx context.Context, req *notificationv1.WatchNotificationsRequest) (*notificationv1.WatchNotificationsResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*notificationv1.WatchNotificationsResponse, error) {
		var since time.Time
		if req.GetSince() != nil {
			since = req.GetSince().AsTime()
		}
		wait := DefaultWatchWait
		if req.GetWaitSeconds() > 0 {
			wait = time.Duration(req.GetWaitSeconds()) * time.Second
		}
		watch := func() ([]app.Rendered, time.Time, error) { return s.app.Watch(ctx, c, since, req.GetSeenIds(), wait) }
		if req.GetAfterId() != "" {
			watch = func() ([]app.Rendered, time.Time, error) { return s.app.WatchAfter(ctx, c, req.GetAfterId(), wait) }
		}
		found, next, err := watch()
		return &notificationv1.WatchNotificationsResponse{Notifications: rpc.Each(found, Notification),
			NextSince: timestamppb.New(next)}, err
	}, rpc.AsIs)
}

func (s *Server) CreateWebhook(ctx context.Context, req *notificationv1.CreateWebhookRequest) (*notificationv1.CreateWebhookResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*notificationv1.CreateWebhookResponse, error) {
		w, secret, err := s.app.CreateWebhook(ctx, c, domain.Subscription{URL: req.GetUrl(), Events: req.GetEvents()}, s.resolver)
		return &notificationv1.CreateWebhookResponse{Webhook: Webhook(w), Secret: secret}, err
	}, rpc.AsIs)
}

func (s *Server) ListWebhooks(ctx context.Context, _ *notificationv1.ListWebhooksRequest) (*notificationv1.ListWebhooksResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) ([]domain.Webhook, error) {
		return s.app.ListWebhooks(ctx, c)
	}, func(ws []domain.Webhook) *notificationv1.ListWebhooksResponse {
		return &notificationv1.ListWebhooksResponse{Webhooks: rpc.Each(ws, Webhook)}
	})
}

func (s *Server) DeleteWebhook(ctx context.Context, req *notificationv1.DeleteWebhookRequest) (*notificationv1.DeleteWebhookResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (struct{}, error) {
		return struct{}{}, s.app.DeleteWebhook(ctx, c, req.GetId())
	}, rpc.Done[notificationv1.DeleteWebhookResponse])
}

func (s *Server) ListWebhookDeliveries(ctx context.Context, req *notificationv1.ListWebhookDeliveriesRequest) (*notificationv1.ListWebhookDeliveriesResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*notificationv1.ListWebhookDeliveriesResponse, error) {
		logs, next, err := s.app.ListDeliveries(ctx, c, req.GetId(), int(req.GetPageSize()), req.GetPageToken())
		return &notificationv1.ListWebhookDeliveriesResponse{Deliveries: rpc.Each(logs, Delivery), NextPageToken: next}, err
	}, rpc.AsIs)
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// Notification is the public form of a notification.
func Notification(n app.Rendered) *notificationv1.Notification {
	return &notificationv1.Notification{Id: n.ID, Type: string(n.Type), CreatedAt: timestamp(n.CreatedAt),
		ReadAt: timestamp(n.ReadAt), MissionId: n.MissionID, OfferId: n.OfferID, Title: n.Title, Body: n.Body}
}

// Webhook is the public form of a webhook, without its key.
func Webhook(w domain.Webhook) *notificationv1.Webhook {
	events := make([]string, len(w.Events))
	for i, e := range w.Events {
		events[i] = string(e)
	}
	return &notificationv1.Webhook{Id: w.ID, Url: w.URL, Events: events, CreatedAt: timestamp(w.CreatedAt)}
}

var deliveryStatuses = map[domain.DeliveryStatus]notificationv1.DeliveryStatus{
	domain.DeliveryPending:   notificationv1.DeliveryStatus_DELIVERY_STATUS_PENDING,
	domain.DeliveryDelivered: notificationv1.DeliveryStatus_DELIVERY_STATUS_DELIVERED,
	domain.DeliveryFailed:    notificationv1.DeliveryStatus_DELIVERY_STATUS_FAILED,
	domain.DeliverySkipped:   notificationv1.DeliveryStatus_DELIVERY_STATUS_SKIPPED,
}

// Delivery is the public form of a webhook delivery and its attempts.
func Delivery(d app.DeliveryLog) *notificationv1.WebhookDelivery {
	return &notificationv1.WebhookDelivery{Id: d.ID, EventType: string(d.Type), NotificationId: d.NotificationID,
		Status: deliveryStatuses[d.Status], CreatedAt: timestamp(d.CreatedAt),
		Attempts: rpc.Each(d.Attempts, func(a domain.Attempt) *notificationv1.DeliveryAttempt {
			return &notificationv1.DeliveryAttempt{AttemptedAt: timestamp(a.AttemptedAt), StatusCode: int32(a.StatusCode),
				DurationMs: a.Duration.Milliseconds(), Error: a.Error}
		})}
}
