package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is where and how the SMTP sender connects.
type SMTPConfig struct {
	// URL is smtp://user:pass@host:port (STARTTLS when the server offers it, port 587 by
	// default) or smtps://user:pass@host:port (TLS from the first byte, port 465 by default).
	// Credentials are optional and only ever sent over TLS.
	URL string
	// From is the sender address of every message.
	From string
	// Timeout bounds connecting and each exchange with the server; zero means 15 s.
	Timeout time.Duration
	// TLS overrides the TLS settings (tests trust their own certificate with it); its
	// ServerName defaults to the URL's host.
	TLS *tls.Config
}

// SMTPSender sends messages through one SMTP server, a connection per message.
type SMTPSender struct {
	client *gomail.Client
	from   string
}

// NewSMTPSender checks cfg and prepares the client; nothing connects until Send.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("smtp url: not a URL")
	}
	if u.Hostname() == "" {
		return nil, errors.New("smtp url: no host")
	}
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, errors.New("smtp: the sender (From) must be an address such as \"caiomatch <no-reply@example.com>\"")
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tlsConfig = cfg.TLS.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = u.Hostname()
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConfig)}
	var defaultPort int
	switch u.Scheme {
	case "smtp":
		defaultPort = 587
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		defaultPort = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp url: scheme %q is neither smtp nor smtps", u.Scheme)
	}
	port := defaultPort
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, errors.New("smtp url: bad port")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		password, _ := u.User.Password()
		// Auto-discovery never picks a mechanism that sends the password in clear over an
		// unencrypted connection.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(password))
	}
	client, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return &SMTPSender{client: client, from: cfg.From}, nil
}

// Send delivers msg: a plain-text part, and an HTML alternative when msg has one.
func (s *SMTPSender) Send(ctx context.Context, msg Message) error {
	if err := msg.validate(); err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := m.To(msg.To); err != nil {
		return redact(errors.Join(ErrInvalidMessage, err), msg.To)
	}
	m.Subject(msg.Subject)
	if msg.ID == "" {
		msg.ID = NewMessageID("")
	}
	m.SetMessageIDWithValue(msg.ID)
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	if err := s.client.DialAndSendWithContext(ctx, m); err != nil {
		return redact(fmt.Errorf("smtp send: %w", err), msg.To)
	}
	return nil
}

// redactedError hides the recipient's address, which go-mail writes into its errors, from
// every log the error reaches; errors.Is and errors.As still see the cause.
type redactedError struct {
	text  string
	cause error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.cause }

func redact(err error, address string) error {
	text := err.Error()
	if address != "" {
		text = strings.ReplaceAll(text, address, "<recipient>")
	}
	return &redactedError{text: text, cause: err}
}

// IsPermanent tells whether sending msg again cannot succeed: the message was refused before
// sending, or the server answered with a permanent (5xx) failure. Network failures and 4xx
// answers are temporary.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var sendErr *gomail.SendError
	return errors.As(err, &sendErr) && !sendErr.IsTemp() && sendErr.ErrorCode() >= 500
}

// Open is the sender cfg describes: SMTP, or when cfg.URL is empty a Mailbox of the newest
// DefaultMailboxCapacity messages, returned as well so that operators can read it.
func Open(cfg SMTPConfig) (Sender, *Mailbox, error) {
	if cfg.URL == "" {
		box := NewMailbox(cfg.From, DefaultMailboxCapacity)
		return box, box, nil
	}
	s, err := NewSMTPSender(cfg)
	return s, nil, err
}
