package rpc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

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
	// MetadataCallerSignature is an HMAC of the caller's id and role under the platform's
	// internal key, so a process that can reach a service's port but lacks the key cannot claim
	// to be anyone.
	MetadataCallerSignature = "x-caiomatch-caller-sig"
	// MetadataCallerSignatureFull is an HMAC of the whole caller: id, role, name and email. A
	// server that receives a name or an email accepts the caller only when this one holds too,
	// so neither can be forged. It travels beside the first signature so that, during a rolling
	// upgrade, a service that does not know it still accepts callers from a gateway that sends
	// it, and a service that knows it accepts callers (without name or email) from one that
	// does not.
	MetadataCallerSignatureFull = "x-caiomatch-caller-sig-full"
	// MetadataLanguage carries the language the request's texts are written in (locale); it
	// is a preference, not a claim, so it is not signed.
	MetadataLanguage = "x-caiomatch-language"
)

// CallerKey is the secret shared by the gateway and the services to sign callers. An empty
// key signs nothing and accepts unsigned callers (tests, a single trusted host).
type CallerKey []byte

func (k CallerKey) sign(c identity.Caller) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(c.AccountID + "\n" + string(c.Role)))
	return hex.EncodeToString(mac.Sum(nil))
}

// signFull signs every field of the caller, each prefixed by its length so that no two
// callers share a signed text whatever their fields contain.
func (k CallerKey) signFull(c identity.Caller) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("caiomatch-caller-v2"))
	for _, field := range []string{c.AccountID, string(c.Role), c.Name, c.Email} {
		mac.Write([]byte("\n" + strconv.Itoa(len(field)) + ":" + field))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// callerFromIncoming reads the caller the previous hop sent, if any and if its signature holds.
func callerFromIncoming(ctx context.Context, key CallerKey) (identity.Caller, bool) {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return identity.Caller{}, false
	}
	ids, roles := md.Get(MetadataAccountID), md.Get(MetadataRole)
	if len(ids) != 1 || len(roles) != 1 || ids[0] == "" {
		return identity.Caller{}, false
	}
	role, ok := identity.ParseRole(roles[0])
	if !ok {
		return identity.Caller{}, false
	}
	names, emails := md.Get(MetadataName), md.Get(MetadataEmail)
	if len(names) > 1 || len(emails) > 1 {
		return identity.Caller{}, false
	}
	caller := identity.Caller{AccountID: ids[0], Role: role}
	if len(names) == 1 {
		caller.Name = names[0]
	}
	if len(emails) == 1 {
		caller.Email = emails[0]
	}
	if len(key) > 0 {
		sigs := md.Get(MetadataCallerSignature)
		if len(sigs) != 1 || !hmac.Equal([]byte(sigs[0]), []byte(key.sign(caller))) {
			return identity.Caller{}, false
		}
		if len(names)+len(emails) > 0 {
			full := md.Get(MetadataCallerSignatureFull)
			if len(full) != 1 || !hmac.Equal([]byte(full[0]), []byte(key.signFull(caller))) {
				return identity.Caller{}, false
			}
		}
	}
	return caller, true
}

// SignCallers makes a client sign the caller it forwards with key.
func SignCallers(key CallerKey) grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		md = md.Copy()
		md.Delete(MetadataCallerSignature)
		md.Delete(MetadataCallerSignatureFull)
		if c, ok := identity.FromContext(ctx); ok && len(key) > 0 {
			md.Set(MetadataCallerSignature, key.sign(c))
			md.Set(MetadataCallerSignatureFull, key.signFull(c))
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
		md.Set(MetadataAccountID, c.AccountID)
		md.Set(MetadataRole, string(c.Role))
		if c.Name != "" {
			md.Set(MetadataName, c.Name)
		}
		if c.Email != "" {
			md.Set(MetadataEmail, c.Email)
		}
	}
	return metadata.NewOutgoingContext(ctx, md)
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
