package server

import (
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
)

func TestAuditRetentionIsReadOnceWithADefault(t *testing.T) {
	if got := LoadConfig(envconfig.FromMap(nil)).withDefaults().AuditRetention; got != 400*24*time.Hour {
		t.Errorf("default retention %v, want 400 days", got)
	}
	env := envconfig.FromMap(map[string]string{"CAIOMATCH_AUDIT_RETENTION": "720h"})
	if got := LoadConfig(env).withDefaults().AuditRetention; got != 30*24*time.Hour || env.Err() != nil {
		t.Errorf("retention %v (%v), want 30 days", got, env.Err())
	}
	for _, bad := range []string{"soon", "1h", "876000h"} {
		env := envconfig.FromMap(map[string]string{"CAIOMATCH_AUDIT_RETENTION": bad})
		LoadConfig(env)
		if env.Err() == nil {
			t.Errorf("CAIOMATCH_AUDIT_RETENTION=%s accepted", bad)
		}
	}
}
