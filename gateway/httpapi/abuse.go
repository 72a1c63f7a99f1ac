package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/ratelimit"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// ReasonTooManyAttempts is the 429 of sign-up and sign-in attempts.
const ReasonTooManyAttempts = "TOO_MANY_ATTEMPTS"

// AbuseLimits bound the sign-up, code and sign-in attempts, each per endpoint: per email
// (someone flooding one person's mailbox, or guessing a code) and per client address (someone
// trying many emails). The zero value is DefaultAbuseLimits.
type AbuseLimits struct {
	PerEmail, PerAddress ratelimit.Limit
	// MaxKeys bounds the memory of each limiter.
	MaxKeys int
}

// DefaultAbuseLimits let a person retry a few times and a shared address (an office) serve
// many people, while a script gets 429 within seconds.
var DefaultAbuseLimits = AbuseLimits{
	PerEmail:   ratelimit.Limit{Burst: 5, Every: 10 * time.Minute},
	PerAddress: ratelimit.Limit{Burst: 30, Every: 20 * time.Second},
	MaxKeys:    50_000,
}

// limitedAttempts are the endpoints limited, all public POSTs with an email in their body.
var limitedAttempts = map[string]bool{"/v1/signup": true, "/v1/signup/verify": true, "/v1/sessions": true}

// limitAttempts answers 429 with Retry-After to attempts beyond the limits. The client address
// is the connection's: behind a proxy, that proxy must limit by the real address itself.
func limitAttempts(limits AbuseLimits, mux *runtime.ServeMux, next http.Handler) http.Handler {
	if limits == (AbuseLimits{}) {
		limits = DefaultAbuseLimits
	}
	byEmail := ratelimit.New(limits.PerEmail, limits.MaxKeys)
	byAddress := ratelimit.New(limits.PerAddress, limits.MaxKeys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !limitedAttempts[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		ok, retry := byAddress.Allow(r.URL.Path + " " + clientKey(r.RemoteAddr))
		if ok {
			if email := peekEmail(r); email != "" {
				ok, retry = byEmail.Allow(r.URL.Path + " " + email)
			}
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
			writeStatus(mux, w, r, rpc.StatusWithReason(codes.ResourceExhausted, ReasonTooManyAttempts,
				"too many attempts; try again after the delay in Retry-After").Err())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientKey is the client an address limit counts for: the IPv4 address, or the /64 network of
// an IPv6 one, since one IPv6 host usually holds a whole /64 and could try from a fresh address
// each time.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// peekEmail reads the email of a JSON body, leaving the body for the handler; "" when there is
// none, and the handler then refuses the request as it would anyway.
func peekEmail(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var fields struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(body, &fields)
	return strings.ToLower(strings.TrimSpace(fields.Email))
}
