// Package pages is the platform's web pages: HTML rendered on the server from embedded
// templates, in French or English, for the person signed in by the session cookie (or a bearer
// token). Pages read and change nothing themselves: every datum comes from the gateway's own
// HTTP API, called in-process as the visitor, so the API's authentication, roles, tenant
// checks and abuse limits are the pages' too.
package pages

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

//go:embed templates/*.html templates/parts/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

//go:embed messages/*.toml
var catalogues embed.FS

var bundle = catalogue.Lazy("pages", catalogues, "messages")

// languageCookie keeps the language chosen with the switch link; it holds "en" or "fr" only.
const languageCookie = "caiomatch_lang"

// ContentSecurityPolicy allows the platform's own stylesheet, forms and vendored scripts (htmx,
// which fetches page parts and listens to the notifications stream) and nothing else: no inline
// script, no inline style, no eval.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; " +
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Authenticator resolves a session or token secret to its account (accounts.Store does).
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (accounts.Account, accounts.Token, error)
}

// Config is what the pages need from the gateway.
type Config struct {
	// API is the gateway's HTTP API (/v1/...), called in-process as the visitor.
	API      http.Handler
	Accounts Authenticator
	// SessionCookie names the cookie a sign-in link sets.
	SessionCookie string
	// SecureCookies marks the pages' cookies Secure on every request, for a platform reached
	// over TLS that ends before the gateway (its public URL in https); without it they are
	// Secure on requests that came over TLS.
	SecureCookies bool
}

// Site serves the pages and hands every other path to the API.
type Site struct {
	cfg       Config
	routes    *http.ServeMux
	templates map[string]*template.Template
	// crossOrigin refuses forms posted from another site.
	crossOrigin *http.CrossOriginProtection
}

// New parses the templates and routes the pages.
func New(cfg Config) (*Site, error) {
	s := &Site{cfg: cfg, routes: http.NewServeMux(), templates: map[string]*template.Template{},
		crossOrigin: http.NewCrossOriginProtection()}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		// parts/ holds blocks several pages share, or that one area of the site adds to another's page.
		t, err := template.New(page).Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", "templates/parts/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("pages: template %s: %w", page, err)
		}
		s.templates[page] = t
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s.routes.Handle("GET /static/", http.StripPrefix("/static/", immutable(http.FileServerFS(static))))
	s.routes.HandleFunc("GET /{$}", s.home)
	s.routes.HandleFunc("GET /signin", s.signInForm)
	s.routes.HandleFunc("POST /signin", s.startSignIn)
	s.routes.HandleFunc("GET /signup", s.signUpForm)
	s.routes.HandleFunc("POST /signup", s.signUp)
	s.routes.HandleFunc("POST /signup/verify", s.verifySignUp)
	s.routes.HandleFunc("POST /signout", s.signOut)
	s.routes.HandleFunc("GET /notifications", s.notifications)
	s.routes.HandleFunc("POST /notifications/{id}/read", s.markRead)
	s.routes.HandleFunc("GET /notifications/unread", s.unread)
	s.routes.HandleFunc("GET /missions", s.missions)
	s.routes.HandleFunc("GET /missions/{id}", s.mission)
	s.routes.HandleFunc("GET /missions/{id}/live", s.missionLive)
	s.routes.HandleFunc("GET /missions/new", s.newMission)
	s.routes.HandleFunc("POST /missions", s.createMission)
	s.routes.HandleFunc("POST /missions/{id}/offers", s.makeOffer)
	s.routes.HandleFunc("POST /missions/{id}/widen", s.widen)
	s.routes.HandleFunc("GET /offers", s.offers)
	s.routes.HandleFunc("POST /offers/{id}/accept", s.acceptOffer)
	s.routes.HandleFunc("POST /offers/{id}/decline", s.declineOffer)
	s.routes.HandleFunc("POST /offers/{id}/counter", s.counterOffer)
	s.routeAfterStaffing()
	s.routeSettings()
	s.routeProfile()
	s.routeOps()
	s.routeDeadLetters()
	s.routeMatchingPause()
	s.routeAudit()
	s.routeErasure()
	return s, nil
}

// pageRoots are the first path segments the pages own; everything else is the API's.
var pageRoots = map[string]bool{"": true, "static": true, "signin": true, "signup": true, "signout": true,
	"notifications": true, "missions": true, "offers": true, "ops": true, "settings": true, "profile": true,
	"account-deleted": true}

// Handler serves the pages and passes every other request to next.
func (s *Site) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Serves(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		r = s.asPage(w, r)
		if r.Method == http.MethodPost {
			if err := s.crossOrigin.Check(r); err != nil {
				s.renderError(w, r, http.StatusForbidden)
				return
			}
		}
		if _, pattern := s.routes.Handler(r); pattern == "" {
			s.refuseUnrouted(w, r)
			return
		}
		s.routes.ServeHTTP(w, r)
	})
}

// refuseUnrouted answers a page path no route serves with the site's own error page (404, or
// 405 with Allow for a known path asked with another method), in the visitor's language.
func (s *Site) refuseUnrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.routes.Handler(r)
	probe := &answer{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(probe, r)
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	status := probe.status
	if status != http.StatusMethodNotAllowed {
		status = http.StatusNotFound
	}
	s.renderError(w, r, status)
}

// Serves tells whether path is a page's (the pages answer it), not the API's.
func (s *Site) Serves(path string) bool {
	root, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return pageRoots[root]
}

// Refuse answers a page request the gateway turns away before the pages run (too many
// requests): the site's error page for status, in the visitor's language, with the pages'
// headers. It asks nothing of the API, so the header shows nobody signed in.
func (s *Site) Refuse(w http.ResponseWriter, r *http.Request, status int) {
	r = s.asPage(w, r)
	s.render(w, r, status, "error", visitor{}, status)
}

// asPage sets the pages' headers and the visitor's language.
func (s *Site) asPage(w http.ResponseWriter, r *http.Request) *http.Request {
	lang := s.language(w, r)
	w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Language", string(lang))
	w.Header().Add("Vary", "Accept-Language, Cookie")
	return r.WithContext(locale.WithLanguage(r.Context(), lang))
}

// language is ?lang= when given (and then kept in a cookie), else the cookie, else
// Accept-Language.
func (s *Site) language(w http.ResponseWriter, r *http.Request) locale.Language {
	if chosen, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		s.setCookie(w, r, languageCookie, string(chosen), "/", 365*24*3600)
		return chosen
	}
	if c, err := r.Cookie(languageCookie); err == nil {
		if kept, ok := locale.Parse(c.Value); ok {
			return kept
		}
	}
	return locale.Negotiate("", r.Header.Get("Accept-Language"))
}

func immutable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// visitor is who asks for a page.
type visitor struct {
	Account  accounts.Account
	SignedIn bool
	// Session is true when a session cookie, which signing out ends, identifies the visitor.
	Session bool
	Unread  int
	// MoreUnread is true when more than Unread notifications are unread (one page is counted).
	MoreUnread bool
}

func (v visitor) Firm() bool       { return v.SignedIn && v.Account.Role == identity.RoleFirm }
func (v visitor) Consultant() bool { return v.SignedIn && v.Account.Role == identity.RoleConsultant }
func (v visitor) Operator() bool   { return v.SignedIn && v.Account.Role == identity.RoleOperator }
func (v visitor) Pending() bool    { return v.SignedIn && v.Account.Status == accounts.StatusPending }

// Notified tells whether the visitor has a notification inbox to show.
func (v visitor) Notified() bool { return (v.Firm() || v.Consultant()) && !v.Pending() }

// visitor is who asks for the page, with their unread count for the header.
func (s *Site) visitor(r *http.Request) visitor {
	v := s.identify(r)
	if v.Notified() {
		v.Unread, v.MoreUnread = s.unreadCount(r)
	}
	return v
}

// identify is who asks, without the header's unread count.
func (s *Site) identify(r *http.Request) visitor {
	secret, session := "", false
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		secret = strings.TrimSpace(token)
	} else if c, err := r.Cookie(s.cfg.SessionCookie); err == nil {
		secret, session = c.Value, true
	}
	if secret == "" {
		return visitor{}
	}
	acc, _, err := s.cfg.Accounts.Authenticate(r.Context(), secret)
	if err != nil || acc.Status == accounts.StatusSuspended {
		return visitor{}
	}
	return visitor{Account: acc, SignedIn: true, Session: session}
}

// unreadCount is shown in the header: one page of unread notifications counted, and whether
// there are more.
func (s *Site) unreadCount(r *http.Request) (int, bool) {
	var unread notificationList
	if s.get(r, "/v1/notifications?unreadOnly=true&pageSize=100", &unread.ListNotificationsResponse) != nil {
		return 0, false
	}
	return len(unread.GetNotifications()), unread.GetNextPageToken() != ""
}

// apiError is an API answer other than 2xx: its status, the fields at fault, if any, and the
// reason it names (ErrorInfo's, such as BOOTSTRAP_OPERATOR), if any.
type apiError struct {
	Status  int
	Message string
	Fields  map[string]string
	Reason  string
}

func (e *apiError) Error() string { return fmt.Sprintf("API answered %d: %s", e.Status, e.Message) }

// call sends one request to the API as the visitor: their credentials, address and language.
func (s *Site) call(r *http.Request, method, path string, body any) (*answer, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(data)
	}
	// The request goes to the API's handler in this process, not over the network.
	req, err := http.NewRequestWithContext(r.Context(), method, path, reader) //nolint:gosec // G704: see above
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"Authorization", "Cookie", "User-Agent"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Language", string(locale.FromContext(r.Context())))
	req.RemoteAddr = r.RemoteAddr
	out := &answer{header: http.Header{}, status: http.StatusOK}
	s.cfg.API.ServeHTTP(out, req)
	if out.status >= 300 {
		return out, out.failure()
	}
	return out, nil
}

// get reads path into msg.
func (s *Site) get(r *http.Request, path string, msg proto.Message) error {
	out, err := s.call(r, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	return unmarshal(out, msg)
}

func unmarshal(out *answer, msg proto.Message) error {
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(out.body.Bytes(), msg)
}

// answer records the API's response in memory.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header         { return a.header }
func (a *answer) Write(p []byte) (int, error) { return a.body.Write(p) }
func (a *answer) WriteHeader(status int)      { a.status = status }

func (a *answer) failure() *apiError {
	var shape struct {
		Message string `json:"message"`
		Details []struct {
			Reason          string                                `json:"reason"`
			FieldViolations []struct{ Field, Description string } `json:"fieldViolations"`
		} `json:"details"`
	}
	e := &apiError{Status: a.status, Fields: map[string]string{}}
	if json.Unmarshal(a.body.Bytes(), &shape) == nil {
		e.Message = shape.Message
		for _, d := range shape.Details {
			if d.Reason != "" {
				e.Reason = d.Reason
			}
			for _, v := range d.FieldViolations {
				e.Fields[v.Field] = v.Description
			}
		}
	}
	return e
}

// view is what every template receives.
type view struct {
	Loc     *i18n.Localizer
	Lang    locale.Language
	Other   locale.Language
	Visitor visitor
	Title   string
	Data    any
	// Switch is this page in the other language: its address with lang set.
	Switch string
}

// switchTarget is the address of the page shown in language other. A page answering a form's
// POST has no address of its own: the page the form was on (same site) stands for it.
func switchTarget(r *http.Request, other locale.Language) string {
	target := r.URL
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		from, err := url.Parse(r.Referer())
		if err != nil || from.Host != r.Host || !strings.HasPrefix(from.Path, "/") {
			return "/?lang=" + string(other)
		}
		target = from
	}
	query := target.Query()
	query.Set("lang", string(other))
	return target.Path + "?" + query.Encode()
}

func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, page string, v visitor, data any) {
	s.renderBlock(w, r, status, page, "layout", v, data)
}

// renderBlock renders one block of page: "layout" for the whole page, or a part that htmx
// swaps into a page already shown.
func (s *Site) renderBlock(w http.ResponseWriter, r *http.Request, status int, page, block string, v visitor, data any) {
	lang := locale.FromContext(r.Context())
	other := locale.French
	if lang == locale.French {
		other = locale.English
	}
	loc := newLocalizer(string(lang))
	var out bytes.Buffer
	err := s.templates[page].ExecuteTemplate(&out, block, view{Loc: loc, Lang: lang, Other: other, Visitor: v,
		Title: translate(loc, "Title_"+page), Data: data, Switch: switchTarget(r, other)})
	if err != nil {
		http.Error(w, "page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}

// renderError shows the page for an HTTP status; an API failure shows its own status, so a
// mission of another firm is the same 404 as in the API.
func (s *Site) renderError(w http.ResponseWriter, r *http.Request, status int) {
	s.render(w, r, status, "error", s.visitor(r), status)
}

// fail answers a page whose API call failed: to the sign-in page when the visitor is unknown.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadGateway
	var e *apiError
	if errors.As(err, &e) {
		status = e.Status
	}
	if status == http.StatusUnauthorized {
		if r.Header.Get("HX-Request") == "true" {
			// A part asked by htmx: the whole page goes to the sign-in, not the part.
			w.Header().Set("HX-Redirect", "/signin")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.renderError(w, r, status)
}

func pathEscape(id string) string { return url.PathEscape(id) }

// setCookie sets one of the pages' cookies for path (maxAge -1 deletes it): out of scripts'
// reach, not sent along with cross-site subrequests, and Secure whenever the visitor came over
// TLS. Not always Secure: `make run` serves plain HTTP on loopback, where a browser would
// drop a Secure cookie and nobody could sign in.
func (s *Site) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	//nolint:gosec // G124: Secure as said above
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil})
}

// seeOther sends the browser on to a page of this site after a form. to is a path the
// handlers build, ids path-escaped; anything else (another host, "//host") goes home.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther) //nolint:gosec // G710: a path of this site, checked above
}

func newLocalizer(lang string) *i18n.Localizer { return i18n.NewLocalizer(bundle(), lang) }

// localizer speaks the request's language.
func (s *Site) localizer(r *http.Request) *i18n.Localizer {
	return newLocalizer(string(locale.FromContext(r.Context())))
}
