// Package mailtest runs a real SMTP server (emersion/go-smtp) inside a test and parses what it
// receives, so tests check the emails a component actually sends.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server.
type Options struct {
	// StartTLS offers STARTTLS with a self-signed certificate; ImplicitTLS speaks TLS from the
	// first byte (smtps).
	StartTLS, ImplicitTLS bool
	// Username and Password, when set, are required (PLAIN) before any mail is accepted.
	Username, Password string
	// RefuseRecipients answers every RCPT TO with a permanent 550.
	RefuseRecipients bool
}

// Received is one message as the server got it.
type Received struct {
	From      string
	To        []string
	Subject   string
	MessageID string
	Text      string
	HTML      string
	// OverTLS tells whether the connection was encrypted when the message was sent.
	OverTLS bool
}

// Server is a running SMTP server, stopped at the end of the test.
type Server struct {
	opts      Options
	addr      string
	clientTLS *tls.Config

	mu       sync.Mutex
	received []Received
	arrived  chan struct{} // closed and replaced at each arrival
}

// Start runs a server on a loopback port until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts, arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = !opts.StartTLS && !opts.ImplicitTLS
	srv.ErrorLog = discardLog{}
	if opts.StartTLS || opts.ImplicitTLS {
		serverTLS, clientTLS, err := selfSignedTLS()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		srv.TLSConfig, s.clientTLS = serverTLS, clientTLS
	}
	var lis net.Listener
	var err error
	if opts.ImplicitTLS {
		lis, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		lis, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = lis.Addr().String()
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the server's address as CAIOMATCH_SMTP_URL spells it, credentials included.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// ClientTLS trusts the server's certificate; nil when the server has no TLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Messages are the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor returns the n-th (counting from 1) message sent to address, failing the test when it
// does not arrive within timeout.
func (s *Server) WaitFor(t testing.TB, address string, n int, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		seen := 0
		for _, m := range s.received {
			for _, to := range m.To {
				if strings.EqualFold(to, address) {
					seen++
					if seen == n {
						s.mu.Unlock()
						return m
					}
				}
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: message %d to the address under test not received within %s (%d seen)", n, timeout, seen)
		}
	}
}

func (s *Server) keep(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{server: s, conn: c}, nil
}

type session struct {
	server        *Server
	conn          *smtp.Conn
	authenticated bool
	from          string
	to            []string
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

func (s *session) AuthMechanisms() []string {
	if s.server.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.server.opts.Username || password != s.server.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authenticated = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.opts.Username != "" && !s.authenticated {
		return errAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.server.opts.RefuseRecipients {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	_, m.OverTLS = s.conn.TLSConnectionState()
	m.From, m.To = s.from, append([]string(nil), s.to...)
	s.server.keep(m)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parse reads the headers and the text and HTML parts of a MIME message.
func parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	var out Received
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Received{}, err
	}
	out.MessageID = strings.Trim(msg.Header.Get("Message-Id"), "<>")
	return out, readPart(&out, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func readPart(out *Received, contentType, encoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			p, err := parts.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readPart(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	// Line ends come back as typed; the line end SMTP adds after the last line is dropped.
	content := strings.TrimSuffix(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")
	switch mediaType {
	case "text/plain":
		out.Text = content
	case "text/html":
		out.HTML = content
	}
	return nil
}

// selfSignedTLS is a fresh certificate for 127.0.0.1 and localhost, and a client config that
// trusts it and nothing else.
func selfSignedTLS() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return server, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}
