package service

import (
	"cmp"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

// Config is the mission service's configuration. Its zero value is the default of every field.
type Config struct {
	// GRPCAddr is where the service listens; empty means DefaultGRPCAddr.
	GRPCAddr string
	// DatabaseURL is the PostgreSQL database the service keeps its data in, a postgres:// or
	// postgresql:// URL. Empty, it is SQLite at <DataDir>/mission.db.
	DatabaseURL string
	// ProfileAddr is the profile service's gRPC address (a replica list or dns:/// name), asked
	// whose profile a candidate is when a firm makes an offer; empty means DefaultProfileAddr.
	ProfileAddr string
	// WithoutProfileService runs the service with no profile service: offers are refused
	// (UNAVAILABLE) and a warning is logged at start; everything else works.
	WithoutProfileService bool
	// OfferTTL is how long a consultant has to answer an offer; 0 means DefaultOfferTTL.
	OfferTTL time.Duration
	// FirmMissionsPerDay bounds the missions a firm submits in 24 hours (app.Config); 0 means
	// DefaultFirmMissionsPerDay, negative no bound.
	FirmMissionsPerDay int
	// ExpiryInterval is how often pending offers past their expiry are expired; 0 means
	// DefaultExpiryInterval.
	ExpiryInterval time.Duration
	// PseudonymKey keys the pseudonyms of erased people (HMAC-SHA256, pkg/pseudonym). Empty
	// means the installation's own, generated at first start in the data directory.
	PseudonymKey string
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown; 0 means
	// DefaultShutdownGrace.
	ShutdownGrace time.Duration
}

// Defaults of Config.
const (
	DefaultGRPCAddr    = "127.0.0.1:9102"
	DefaultProfileAddr = "127.0.0.1:9101"
	DefaultOfferTTL    = app.DefaultOfferTTL
	// DefaultFirmMissionsPerDay is generous for a firm staffing CAIO missions and bounds a
	// harvest through throwaway missions to some 250 profiles a day.
	DefaultFirmMissionsPerDay = 50
	DefaultExpiryInterval     = 30 * time.Second
	DefaultShutdownGrace      = 10 * time.Second
)

// The environment variables LoadConfig reads.
const (
	EnvDatabaseURL = "CAIOMATCH_MISSION_DATABASE_URL"
	EnvOfferTTL    = "CAIOMATCH_OFFER_TTL"
	// EnvFirmMissionsPerDay sets FirmMissionsPerDay; 0 turns the bound off.
	EnvFirmMissionsPerDay = "CAIOMATCH_FIRM_MISSIONS_PER_DAY"
	EnvPseudonymKey       = pseudonym.EnvKey
	EnvShutdownGrace      = "CAIOMATCH_MISSION_SHUTDOWN_GRACE"
	maxOfferTTL           = 365 * 24 * time.Hour
	maxShutdownGrace      = 5 * time.Minute
	minPseudonymChars     = pseudonym.MinChars
)

// LoadConfig reads the service's settings; what is invalid is reported by env.Err.
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.Addr(servicehost.EnvGRPCAddr(Name), &c.GRPCAddr)
	env.DatabaseURL(EnvDatabaseURL, &c.DatabaseURL)
	env.Addrs(servicehost.EnvGRPCAddr("profile"), &c.ProfileAddr)
	env.Duration(EnvOfferTTL, &c.OfferTTL, time.Second, maxOfferTTL)
	perDay := -1 // unset
	env.Int(EnvFirmMissionsPerDay, &perDay, 0, 1_000_000)
	switch perDay {
	case -1:
	case 0:
		c.FirmMissionsPerDay = -1 // off
	default:
		c.FirmMissionsPerDay = perDay
	}
	env.Secret(EnvPseudonymKey, &c.PseudonymKey, minPseudonymChars)
	env.Duration(EnvShutdownGrace, &c.ShutdownGrace, 0, maxShutdownGrace)
	return c
}

// ListenAddr is GRPCAddr or its default.
func (c Config) ListenAddr() string { return cmp.Or(c.GRPCAddr, DefaultGRPCAddr) }

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	c.GRPCAddr = c.ListenAddr()
	c.ProfileAddr = cmp.Or(c.ProfileAddr, DefaultProfileAddr)
	c.OfferTTL = cmp.Or(c.OfferTTL, DefaultOfferTTL)
	c.FirmMissionsPerDay = cmp.Or(c.FirmMissionsPerDay, DefaultFirmMissionsPerDay)
	c.ExpiryInterval = cmp.Or(c.ExpiryInterval, DefaultExpiryInterval)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, DefaultShutdownGrace)
	return c
}
