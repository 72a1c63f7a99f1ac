package service

import (
	"cmp"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/notification/adapters/webhookclient"
)

// Config is the notification service's configuration. Its zero value is the default of every
// field.
type Config struct {
	// GRPCAddr is where the service listens; empty means DefaultGRPCAddr.
	GRPCAddr string
	// DatabaseURL is a postgres:// URL; empty is SQLite at <DataDir>/notification.db.
	DatabaseURL string
	// AllowInsecureWebhooks accepts http and loopback webhook endpoints: development only.
	AllowInsecureWebhooks bool
	// SMTPURL and MailFrom are where emails leave (pkg/mail.SMTPConfig). Without SMTPURL, and
	// without Mail, no email is sent: each is marked SKIPPED (the all-in-one runner passes its
	// own mailbox as Mail instead).
	SMTPURL  string
	MailFrom string
	// Mail, when set, sends the emails instead of SMTPURL (the all-in-one runner's mailbox).
	Mail mail.Sender
	// DeliveryInterval is how often due deliveries are looked for when nothing woke the
	// dispatchers; 0 means DefaultDeliveryInterval.
	DeliveryInterval time.Duration
	// ReminderInterval is how often due offer reminders are looked for; 0 means
	// DefaultReminderInterval.
	ReminderInterval time.Duration
	// Lookup resolves webhook host names; nil is the system resolver (tests point names at
	// chosen addresses).
	Lookup webhookclient.Lookup
	// PublicURL is where people reach the platform, the base of the links in emails; empty
	// leaves the links out.
	PublicURL string
	// Retention is how long notifications, their deliveries and attempts are kept; 0 means
	// DefaultRetention.
	Retention time.Duration
	// PurgeInterval is how often what is older than Retention is deleted; 0 means
	// DefaultPurgeInterval.
	PurgeInterval time.Duration
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown; 0 means
	// DefaultShutdownGrace.
	ShutdownGrace time.Duration
}

// Defaults of Config.
const (
	DefaultGRPCAddr         = "127.0.0.1:9104"
	DefaultDeliveryInterval = time.Second
	DefaultReminderInterval = 30 * time.Second
	DefaultShutdownGrace    = 10 * time.Second
	DefaultRetention        = 180 * 24 * time.Hour
	DefaultPurgeInterval    = time.Hour
	DefaultMailFrom         = mail.DefaultFrom
)

// The environment variables LoadConfig reads.
const (
	EnvDatabaseURL           = "CAIOMATCH_NOTIFICATION_DATABASE_URL"
	EnvAllowInsecureWebhooks = "CAIOMATCH_WEBHOOK_ALLOW_INSECURE"
	EnvSMTPURL               = "CAIOMATCH_SMTP_URL"
	EnvMailFrom              = "CAIOMATCH_MAIL_FROM"
	EnvShutdownGrace         = "CAIOMATCH_NOTIFICATION_SHUTDOWN_GRACE"
	EnvPublicURL             = "CAIOMATCH_PUBLIC_URL"
	EnvRetention             = "CAIOMATCH_NOTIFICATION_RETENTION"
	maxShutdownGrace         = 5 * time.Minute
	minRetention             = 24 * time.Hour
	maxRetention             = 10 * 365 * 24 * time.Hour
)

// LoadConfig reads the service's settings; what is invalid is reported by env.Err.
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.Addr(servicehost.EnvGRPCAddr(Name), &c.GRPCAddr)
	env.DatabaseURL(EnvDatabaseURL, &c.DatabaseURL)
	env.Bool(EnvAllowInsecureWebhooks, &c.AllowInsecureWebhooks)
	env.URLs(EnvSMTPURL, &c.SMTPURL, "smtp", "smtps")
	env.String(EnvMailFrom, &c.MailFrom)
	env.Duration(EnvShutdownGrace, &c.ShutdownGrace, 0, maxShutdownGrace)
	env.URLs(EnvPublicURL, &c.PublicURL, "http", "https")
	env.Duration(EnvRetention, &c.Retention, minRetention, maxRetention)
	return c
}

// ListenAddr is GRPCAddr or its default.
func (c Config) ListenAddr() string { return cmp.Or(c.GRPCAddr, DefaultGRPCAddr) }

func (c Config) withDefaults() Config {
	c.GRPCAddr = c.ListenAddr()
	c.MailFrom = cmp.Or(c.MailFrom, DefaultMailFrom)
	c.DeliveryInterval = cmp.Or(c.DeliveryInterval, DefaultDeliveryInterval)
	c.ReminderInterval = cmp.Or(c.ReminderInterval, DefaultReminderInterval)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, DefaultShutdownGrace)
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
	c.PurgeInterval = cmp.Or(c.PurgeInterval, DefaultPurgeInterval)
	return c
}
