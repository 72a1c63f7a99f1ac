package rpc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// Metadata keys that carry the caller from the gateway to the services, and between services.
// The gateway never forwards client-supplied metadata, so only trusted hops set them.
const (
	MetadataAccountID = "x-caiomatch-account-id"
	MetadataRole      = "x-caiomatch-role"
	// MetadataName and MetadataEmail carry the account's display name and contact email. They
	// are binary metadata ("-bin": gRPC base64-encodes them on the wire), since metadata values
	// must otherwise be ASCII and names are not.
	MetadataName  = "x-caiomatch-name-bin"
	MetadataEmail = "x-caiomatch-email-bin"
	// MetadataCallerSignature signs the call under the platform's internal key (CallerKey), so
	// that a process that reaches a service's port without the key can neither claim to be
	// anyone nor replay a header it captured. Its value is "v3.<unix seconds>.<nonce>.<hmac>":
	// the HMAC-SHA256 covers the time, a random nonce, the full gRPC method name and the whole
	// caller (id, role, name, email); see CallerKey.signCall.
	MetadataCallerSignature = "x-caiomatch-caller-sig"
	// MetadataLanguage carries the language the request's texts are written in (locale); it
	// is a preference, not a claim, so it is not signed.
	MetadataLanguage = "x-caiomatch-language"
)

// CallerKey is the secret shared by the gateway and the services to sign calls. An empty key
// signs nothing and trusts the caller metadata as it comes: tests and the insecure development
// opt-out only, since a process reachable on a port refuses to start without a key
// (servicehost.Config.RequireCallerKey) and the all-in-one runner draws one per run.
type CallerKey []byte

// A signature holds from SignatureSkew before its time (the signer's clock may run ahead) to
// SignatureValidity plus SignatureSkew after it. Calls are signed as they leave, so the window
// only has to cover the network and the clocks' disagreement.
const (
	SignatureValidity = 60 * time.Second
	SignatureSkew     = 30 * time.Second
)

// Stable reasons of the calls a server with a key refuses, all UNAUTHENTICATED.
const (
	ReasonSignatureMissing   = "CALLER_SIGNATURE_MISSING"
	ReasonSignatureMalformed = "CALLER_SIGNATURE_MALFORMED"
	// ReasonSignatureInvalid: another key, another method, or a caller changed after signing;
	// the HMAC cannot tell them apart, and a server must not guess.
	ReasonSignatureInvalid  = "CALLER_SIGNATURE_INVALID"
	ReasonSignatureExpired  = "CALLER_SIGNATURE_EXPIRED"
	ReasonSignatureReplayed = "CALLER_SIGNATURE_REPLAYED"
	ReasonCallerMalformed   = "CALLER_MALFORMED"
)

const (
	signatureVersion = "v3"
	nonceSize        = 16
)

// signCall is the HMAC of one call: the method, the time, the nonce and the whole caller, each
// prefixed by its length so that no two calls share a signed text whatever their fields hold.
func (k CallerKey) signCall(method string, at int64, nonce string, c identity.Caller) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("caiomatch-call-" + signatureVersion))
	for _, field := range []string{method, strconv.FormatInt(at, 10), nonce, c.AccountID, string(c.Role), c.Name, c.Email} {
		mac.Write([]byte("\n" + strconv.Itoa(len(field)) + ":" + field))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// signature is the value of MetadataCallerSignature for a call to method by c at time at, with
// a fresh random nonce.
func (k CallerKey) signature(method string, at time.Time, c identity.Caller) string {
	raw := make([]byte, nonceSize)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	nonce, ts := hex.EncodeToString(raw), at.Unix()
	return signatureVersion + "." + strconv.FormatInt(ts, 10) + "." + nonce + "." + k.signCall(method, ts, nonce, c)
}

// callerCheck verifies the incoming calls of one server.
type callerCheck struct {
	key    CallerKey
	now    func() time.Time
	nonces *nonceCache
}

func newCallerCheck(key CallerKey) *callerCheck {
	return &callerCheck{key: key, now: time.Now, nonces: newNonceCache(defaultMaxNonces)}
}

// exempt are the methods a server answers without a signature: the health service, which
// kubelets, load balancers and the cluster tool probe without the key, and server reflection,
// which grpcurl and other tools read the services' descriptions from; neither tells anything
// about anyone.
func exempt(method string) bool {
	for _, service := range []string{healthpb.Health_ServiceDesc.ServiceName, reflectionService, reflectionServiceAlpha} {
		if strings.HasPrefix(method, "/"+service+"/") {
			return true
		}
	}
	return false
}

// The server reflection services (google.golang.org/grpc/reflection registers both).
const (
	reflectionService      = "grpc.reflection.v1.ServerReflection"
	reflectionServiceAlpha = "grpc.reflection.v1alpha.ServerReflection"
)

// verify reads the caller the previous hop sent. Without a key it trusts the metadata (ok is
// false when it holds no caller, or an ambiguous one). With a key every call but the exempt
// ones must carry a signature that holds, for this method, now, and for the first time: any
// other is refused with an UNAUTHENTICATED fault and a stable reason. nonce is what to forget
// if the call turns out to have had no effect (see forget).
func (v *callerCheck) verify(ctx context.Context, method string) (c identity.Caller, ok bool, nonce [nonceSize]byte, err error) {
	md, _ := metadata.FromIncomingContext(ctx)
	c, present, valid := callerMetadata(md)
	if len(v.key) == 0 || exempt(method) {
		return c, present && valid, nonce, nil
	}
	sigs := md.Get(MetadataCallerSignature)
	if len(sigs) == 0 {
		return c, false, nonce, fault.Unauthenticated(ReasonSignatureMissing, "the call is not signed with the internal key")
	}
	at, nonceText, mac, parsed := parseSignature(sigs)
	if !parsed {
		return c, false, nonce, fault.Unauthenticated(ReasonSignatureMalformed, "the call's signature is not one this server reads")
	}
	if present && !valid {
		return c, false, nonce, fault.Unauthenticated(ReasonCallerMalformed, "the caller metadata is ambiguous or invalid")
	}
	if !hmac.Equal([]byte(mac), []byte(v.key.signCall(method, at, nonceText, c))) {
		return c, false, nonce, fault.Unauthenticated(ReasonSignatureInvalid, "the call's signature does not hold")
	}
	signedAt, now := time.Unix(at, 0), v.now()
	expires := signedAt.Add(SignatureValidity + SignatureSkew)
	if signedAt.After(now.Add(SignatureSkew)) || now.After(expires) {
		return c, false, nonce, fault.Unauthenticated(ReasonSignatureExpired, "the call was signed outside the validity window")
	}
	_, _ = hex.Decode(nonce[:], []byte(nonceText)) // parseSignature checked it is hex
	switch v.nonces.add(nonce, expires, now) {
	case nonceReplayed:
		return c, false, nonce, fault.Unauthenticated(ReasonSignatureReplayed, "the call's signature was used already")
	case nonceCacheFull:
		return c, false, nonce, &fault.Error{Kind: fault.KindUnavailable, Reason: ReasonNonceCacheFull,
			Message: "too many signed calls in the validity window; retry"}
	}
	return c, present, nonce, nil
}

// forget lets a call's signature be used again: for a call answered UNAVAILABLE, which by the
// platform's contract had no effect and which gRPC retries with the same metadata.
func (v *callerCheck) forget(nonce [nonceSize]byte) { v.nonces.forget(nonce) }

// parseSignature splits "v3.<unix seconds>.<32 hex nonce>.<64 hex hmac>".
func parseSignature(values []string) (at int64, nonce, mac string, ok bool) {
	if len(values) != 1 {
		return 0, "", "", false
	}
	parts := strings.Split(values[0], ".")
	if len(parts) != 4 || parts[0] != signatureVersion || !isHex(parts[2], 2*nonceSize) || !isHex(parts[3], 2*sha256.Size) {
		return 0, "", "", false
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || at <= 0 {
		return 0, "", "", false
	}
	return at, parts[2], parts[3], true
}

// isHex: exactly n lower-case hex digits, the form signature writes.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// callerMetadata reads the caller fields of md: present when any is there, valid when they
// make exactly one caller (one id, not empty; one known role; at most one name and email).
func callerMetadata(md metadata.MD) (c identity.Caller, present, valid bool) {
	ids, roles, names, emails := md.Get(MetadataAccountID), md.Get(MetadataRole), md.Get(MetadataName), md.Get(MetadataEmail)
	present = len(ids)+len(roles)+len(names)+len(emails) > 0
	if len(ids) != 1 || len(roles) != 1 || ids[0] == "" || len(names) > 1 || len(emails) > 1 {
		return identity.Caller{}, present, false
	}
	role, ok := identity.ParseRole(roles[0])
	if !ok {
		return identity.Caller{}, present, false
	}
	c = identity.Caller{AccountID: ids[0], Role: role}
	if len(names) == 1 {
		c.Name = names[0]
	}
	if len(emails) == 1 {
		c.Email = emails[0]
	}
	return c, present, true
}

// SignCallers makes a client sign every call with key: the method, the time, a fresh nonce and
// the caller it forwards, if any. Any signature already in the outgoing metadata is dropped.
func SignCallers(key CallerKey) grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		md = md.Copy()
		md.Delete(MetadataCallerSignature)
		if len(key) > 0 {
			c, _ := identity.FromContext(ctx)
			md.Set(MetadataCallerSignature, key.signature(method, time.Now(), c))
		}
		return invoker(metadata.NewOutgoingContext(ctx, md), method, req, reply, cc, opts...)
	})
}

// withOutgoingCaller replaces (never appends to) the caller metadata of an outgoing call.
func withOutgoingCaller(ctx context.Context) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Delete(MetadataAccountID)
	md.Delete(MetadataRole)
	md.Delete(MetadataName)
	md.Delete(MetadataEmail)
	if c, ok := identity.FromContext(ctx); ok {
		setCaller(md, c)
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// setCaller writes c into md the way callerMetadata reads it: no name or email when empty.
func setCaller(md metadata.MD, c identity.Caller) {
	md.Set(MetadataAccountID, c.AccountID)
	md.Set(MetadataRole, string(c.Role))
	if c.Name != "" {
		md.Set(MetadataName, c.Name)
	}
	if c.Email != "" {
		md.Set(MetadataEmail, c.Email)
	}
}

func callerClientInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(withOutgoingLanguage(withOutgoingCaller(ctx)), method, req, reply, cc, opts...)
}

// withOutgoingLanguage forwards the request's language, so that a service several hops away
// still writes in the reader's language.
func withOutgoingLanguage(ctx context.Context) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(MetadataLanguage, string(locale.FromContext(ctx)))
	return metadata.NewOutgoingContext(ctx, md)
}

// languageFromIncoming is the language the previous hop asked for; anything the platform does
// not speak reads as the default.
func languageFromIncoming(ctx context.Context) locale.Language {
	md, _ := metadata.FromIncomingContext(ctx)
	if values := md.Get(MetadataLanguage); len(values) == 1 {
		if l, ok := locale.Parse(values[0]); ok {
			return l
		}
	}
	return locale.Default
}
