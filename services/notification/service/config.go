package service

import (
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
	// without Mail, emails are kept in a mailbox of this process that nobody reads: the
	// all-in-one runner passes its own mailbox as Mail instead.
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
	DefaultMailFrom         = mail.DefaultFrom
)

// The environment variables LoadConfig reads.
const (
	EnvDatabaseURL           = "CAIOMATCH_NOTIFICATION_DATABASE_URL"
	EnvAllowInsecureWebhooks = "CAIOMATCH_WEBHOOK_ALLOW_INSECURE"
	EnvSMTPURL               = "CAIOMATCH_SMTP_URL"
	EnvMailFrom              = "CAIOMATCH_MAIL_FROM"
	EnvShutdownGrace         = "CAIOMATCH_NOTIFICATION_SHUTDOWN_GRACE"
	maxShutdownGrace         = 5 * time.Minute
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
	return c
}

// ListenAddr is GRPCAddr or its default.
func (c Config) ListenAddr() string { return or(c.GRPCAddr, DefaultGRPCAddr) }

func (c Config) withDefaults() Config {
	c.GRPCAddr = c.ListenAddr()
	c.MailFrom = or(c.MailFrom, DefaultMailFrom)
	c.DeliveryInterval = or(c.DeliveryInterval, DefaultDeliveryInterval)
	c.ReminderInterval = or(c.ReminderInterval, DefaultReminderInterval)
	c.ShutdownGrace = or(c.ShutdownGrace, DefaultShutdownGrace)
	return c
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
