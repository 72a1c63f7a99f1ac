package server

import (
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
)

func TestRateLimitAndTimeoutSettings(t *testing.T) {
	cfg := LoadConfig(envconfig.FromMap(nil)).withDefaults()
	if cfg.RateLimit != 0 || cfg.OperatorRateLimit != 0 || httpapi.RateLimitsFor(cfg.RateLimit, cfg.OperatorRateLimit) != httpapi.DefaultRateLimits {
		t.Errorf("unset: %d, %d, want the defaults", cfg.RateLimit, cfg.OperatorRateLimit)
	}
	if cfg.HeaderTimeout != 10*time.Second || cfg.BodyTimeout != 30*time.Second || cfg.IdleTimeout != 2*time.Minute {
		t.Errorf("default timeouts: %v %v %v", cfg.HeaderTimeout, cfg.BodyTimeout, cfg.IdleTimeout)
	}
	env := envconfig.FromMap(map[string]string{"CAIOMATCH_RATE_LIMIT": "0"})
	if cfg := LoadConfig(env); !httpapi.RateLimitsFor(cfg.RateLimit, cfg.OperatorRateLimit).Off || env.Err() != nil {
		t.Errorf("CAIOMATCH_RATE_LIMIT=0 does not turn the limits off: %d (%v)", cfg.RateLimit, env.Err())
	}
	env = envconfig.FromMap(map[string]string{"CAIOMATCH_RATE_LIMIT": "5", "CAIOMATCH_OPERATOR_RATE_LIMIT": "50",
		"CAIOMATCH_HTTP_HEADER_TIMEOUT": "5s", "CAIOMATCH_HTTP_BODY_TIMEOUT": "1m", "CAIOMATCH_HTTP_IDLE_TIMEOUT": "30s"})
	cfg = LoadConfig(env).withDefaults()
	if cfg.RateLimit != 5 || cfg.OperatorRateLimit != 50 || cfg.HeaderTimeout != 5*time.Second || cfg.BodyTimeout != time.Minute ||
		cfg.IdleTimeout != 30*time.Second || env.Err() != nil {
		t.Errorf("set: %+v (%v)", cfg, env.Err())
	}
	for name, bad := range map[string]string{"CAIOMATCH_RATE_LIMIT": "-1", "CAIOMATCH_OPERATOR_RATE_LIMIT": "0",
		"CAIOMATCH_HTTP_BODY_TIMEOUT": "10ms", "CAIOMATCH_HTTP_IDLE_TIMEOUT": "forever"} {
		env := envconfig.FromMap(map[string]string{name: bad})
		if LoadConfig(env); env.Err() == nil {
			t.Errorf("%s=%s accepted", name, bad)
		}
	}
}
