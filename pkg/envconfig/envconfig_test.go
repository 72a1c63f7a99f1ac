package envconfig_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
)

type settings struct {
	Replicas int
	TTL      time.Duration
	Addr     string
	Peers    string
	DB       string
	NATS     string
	Flag     bool
	Key      string
	Level    string
	OTLP     string
}

func read(env map[string]string) (settings, error) {
	var s settings
	r := envconfig.FromMap(env)
	r.Int("X_REPLICAS", &s.Replicas, 1, 5)
	r.Duration("X_TTL", &s.TTL, time.Minute, 30*24*time.Hour)
	r.Addr("X_ADDR", &s.Addr)
	r.Addrs("X_PEERS", &s.Peers)
	r.DatabaseURL("X_DB", &s.DB)
	r.URLs("X_NATS", &s.NATS, "nats", "tls")
	r.Bool("X_FLAG", &s.Flag)
	r.Secret("X_KEY", &s.Key, 16)
	r.OneOf("X_LEVEL", &s.Level, "debug", "info")
	r.Endpoint("X_OTLP", &s.OTLP)
	return s, r.Err()
}

func TestUnsetOrEmptyKeepsTheZeroValue(t *testing.T) {
	s, err := read(map[string]string{"X_REPLICAS": "", "X_TTL": "  "})
	if err != nil || s != (settings{}) {
		t.Fatalf("got %+v, %v; want the zero value and no error", s, err)
	}
}

func TestValidValuesAreRead(t *testing.T) {
	s, err := read(map[string]string{"X_REPLICAS": "3", "X_TTL": "72h", "X_ADDR": "127.0.0.1:9101",
		"X_PEERS": "a:1,b:2", "X_DB": "postgres://u:pw@h/db", "X_NATS": "nats://a:4222,tls://b:4222",
		"X_FLAG": "yes", "X_KEY": "0123456789abcdef", "X_LEVEL": "DEBUG", "X_OTLP": "http://collector:4317"})
	want := settings{Replicas: 3, TTL: 72 * time.Hour, Addr: "127.0.0.1:9101", Peers: "a:1,b:2",
		DB: "postgres://u:pw@h/db", NATS: "nats://a:4222,tls://b:4222", Flag: true, Key: "0123456789abcdef", Level: "debug", OTLP: "http://collector:4317"}
	if err != nil || s != want {
		t.Fatalf("got %+v, %v; want %+v", s, err, want)
	}
}

func TestEveryInvalidValueIsReportedByName(t *testing.T) {
	_, err := read(map[string]string{"X_REPLICAS": "banana", "X_TTL": "1s", "X_ADDR": "nowhere",
		"X_PEERS": "a:1,,", "X_DB": "mysql://root:hunter2@h/db", "X_NATS": "http://a", "X_FLAG": "maybe",
		"X_KEY": "short-secret", "X_LEVEL": "loud", "X_OTLP": "ftp://x"})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`X_REPLICAS="banana": want a whole number from 1 to 5`,
		`X_TTL="1s": want a duration`, `X_ADDR="nowhere": want host:port`, `X_PEERS="a:1,,"`,
		`X_DB: want a postgres://`, `X_NATS="http://a"`, `X_FLAG="maybe": want true or false`,
		`X_KEY: want at least 16 characters`, `X_LEVEL="loud": want one of debug, info`, `X_OTLP="ftp://x"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"hunter2", "short-secret"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows a secret %q:\n%s", secret, msg)
		}
	}
}

func TestAVariableReadTwiceIsReportedOnce(t *testing.T) {
	r := envconfig.FromMap(map[string]string{"X_PEER": "nowhere"})
	var listen, dial string
	r.Addr("X_PEER", &listen)
	r.Addrs("X_PEER", &dial)
	if err := r.Err(); err == nil || strings.Count(err.Error(), "X_PEER") != 1 {
		t.Fatalf("error %v, want X_PEER named once", err)
	}
}
