package pages

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// routeSettings routes an account's settings: notification preferences, webhooks and tokens
// (and the account's erasure, routed with the operators' in erasure.go).
func (s *Site) routeSettings() {
	s.routes.HandleFunc("GET /settings", s.settings)
	s.routes.HandleFunc("POST /settings/preferences", s.savePreferences)
	s.routes.HandleFunc("POST /settings/tokens", s.createToken)
	s.routes.HandleFunc("POST /settings/tokens/{id}/revoke", s.revokeToken)
	s.routes.HandleFunc("POST /settings/webhooks", s.createWebhook)
	s.routes.HandleFunc("POST /settings/webhooks/{id}/delete", s.deleteWebhook)
}

// Webhook event types a firm, and a consultant, is told of (API.md, Notifications).
var (
	firmEvents = []string{"shortlist.ready", "mission.no_match", "offer.countered", "offer.accepted", "offer.declined",
		"offer.expired", "extension.answered", "mission.ended"}
	consultantEvents = []string{"offer.made", "offer.expiring", "offer.expired", "offer.withdrawn", "extension.requested",
		"mission.ended"}
)

// settingsDone are the changes a redirect back to the settings page may confirm (?done=).
var settingsDone = []string{"preferences", "revoked", "deleted"}

// settingsPage is the account's settings with the state of each of its forms.
type settingsPage struct {
	Account *accountv1.Account
	// Limited is true while the account waits for approval: only its preferences may change.
	Limited bool
	// Hooks is false for an account that may not subscribe webhooks (an operator).
	Hooks       bool
	Preferences form
	Token       form
	// NewToken is the token just created: its secret is shown this once, never again.
	NewToken *accountv1.CreateTokenResponse
	Tokens   []*accountv1.Token
	Webhook  form
	// Events are the event types the account may subscribe; Chosen those ticked on the form.
	Events     []eventChoice
	NewWebhook *notificationv1.CreateWebhookResponse
	Webhooks   []webhookView
	// Done names the change just made, for a confirmation.
	Done string
	// Export is true for a person who may download their data (GET /v1/accounts/{id}/export).
	Export bool
	// Erasable is true for an account that may erase itself here: any, approved or still
	// waiting for approval, other than the operator of the configuration.
	Erasable bool
	// Erase is the erasure's confirmation as typed; EraseProblem why the API did not erase.
	Erase        form
	EraseProblem string
}

// EraseForm is the account's erasure form.
func (p settingsPage) EraseForm(loc *i18n.Localizer) eraseForm {
	return newEraseForm(loc, "/settings/erase", "Erase_Button", p.Erase, p.EraseProblem)
}

// eventChoice is an event type on the webhook form.
type eventChoice struct {
	Type    string
	Label   string
	Checked bool
}

// webhookView is a webhook with its most recent deliveries.
type webhookView struct {
	*notificationv1.Webhook
	Deliveries []*notificationv1.WebhookDelivery
	// Unread is true when the deliveries could not be read.
	Unread bool
}

// LastAttempt is a delivery's latest attempt, or nil.
func (webhookView) LastAttempt(d *notificationv1.WebhookDelivery) *notificationv1.DeliveryAttempt {
	if n := len(d.GetAttempts()); n > 0 {
		return d.GetAttempts()[n-1]
	}
	return nil
}

// Field is one of the page's inputs: form is "preferences", "token" or "webhook".
func (p settingsPage) Field(loc *i18n.Localizer, formName, name, inputType string) pageField {
	f := map[string]form{"preferences": p.Preferences, "token": p.Token, "webhook": p.Webhook}[formName]
	return newField(loc, "Settings_Field_", formName+"-"+name, name, inputType, f)
}

// pageField is one input of a form as a template draws it: its label, value and the API's
// problem beside it.
type pageField struct {
	Loc                                   *i18n.Localizer
	ID, Name, Type, Value, Problem, Label string
}

// newField is field name of f; prefix+name (dots made underscores) is its label's message id.
func newField(loc *i18n.Localizer, prefix, id, name, inputType string, f form) pageField {
	id = strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(id)
	return pageField{Loc: loc, ID: id, Name: name, Type: inputType, Value: f.Values[name], Problem: f.Errors[name],
		Label: translate(loc, prefix+strings.ReplaceAll(name, ".", "_"))}
}

func (s *Site) settings(w http.ResponseWriter, r *http.Request) {
	page := settingsPage{}
	if done := r.URL.Query().Get("done"); slices.Contains(settingsDone, done) {
		page.Done = done
	}
	s.showSettings(w, r, http.StatusOK, page)
}

// showSettings reads the account, its tokens and webhooks, and renders them over page's forms.
func (s *Site) showSettings(w http.ResponseWriter, r *http.Request, status int, page settingsPage) {
	v := s.visitor(r)
	if !v.SignedIn {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	var got accountv1.GetAccountResponse
	if err := s.get(r, "/v1/accounts/"+pathEscape(v.Account.ID), &got); err != nil {
		s.fail(w, r, err)
		return
	}
	page.Account = got.GetAccount()
	if page.Preferences.Values == nil {
		page.Preferences = form{Values: map[string]string{"language": page.Account.GetLanguage()}, Errors: map[string]string{}}
		if page.Account.GetEmailNotifications() {
			page.Preferences.Values["emailNotifications"] = "on"
		}
	}
	page.Token = orEmpty(page.Token, map[string]string{"expiresInDays": "90"})
	page.Webhook = orEmpty(page.Webhook, nil)
	page.Limited = v.Pending()
	page.Hooks = !page.Limited && (v.Firm() || v.Consultant())
	page.Export = v.Firm() || v.Consultant()
	page.Erasable = v.Account.ID != accounts.BootstrapOperatorID
	if !page.Limited {
		var tokens accountv1.ListTokensResponse
		if err := s.get(r, "/v1/tokens", &tokens); err != nil {
			s.fail(w, r, err)
			return
		}
		page.Tokens = tokens.GetTokens()
	}
	if page.Hooks {
		if err := s.loadWebhooks(r, v, &page); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "settings", v, page)
}

// orEmpty is f, or a new form holding values when f was never filled.
func orEmpty(f form, values map[string]string) form {
	if f.Values != nil {
		return f
	}
	if values == nil {
		values = map[string]string{}
	}
	return form{Values: values, Errors: map[string]string{}}
}

// loadWebhooks reads the account's webhooks, each with its ten latest deliveries.
func (s *Site) loadWebhooks(r *http.Request, v visitor, page *settingsPage) error {
	var hooks notificationv1.ListWebhooksResponse
	if err := s.get(r, "/v1/webhooks", &hooks); err != nil {
		return err
	}
	for _, hook := range hooks.GetWebhooks() {
		view := webhookView{Webhook: hook}
		var deliveries notificationv1.ListWebhookDeliveriesResponse
		if s.get(r, "/v1/webhooks/"+pathEscape(hook.GetId())+"/deliveries?pageSize=10", &deliveries) != nil {
			view.Unread = true
		}
		view.Deliveries = deliveries.GetDeliveries()
		page.Webhooks = append(page.Webhooks, view)
	}
	events := consultantEvents
	if v.Firm() {
		events = firmEvents
	}
	loc := s.localizer(r)
	for _, e := range events {
		page.Events = append(page.Events, eventChoice{Type: e, Label: eventLabel(loc, e),
			Checked: slices.Contains(strings.Fields(page.Webhook.Values["events"]), e)})
	}
	return nil
}

// eventLabel names an event type ("offer.made") in the visitor's language.
func eventLabel(loc *i18n.Localizer, event string) string {
	return label(loc, "Settings_Event_", strings.ReplaceAll(event, ".", "_"))
}

// EventLabel names a subscribed event type.
func (p settingsPage) EventLabel(loc *i18n.Localizer, event string) string {
	return eventLabel(loc, event)
}

// savePreferences sets whether emails are sent and their language; the pages then speak that
// language too.
func (s *Site) savePreferences(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	f := newForm(r, "language", "emailNotifications")
	body := map[string]any{"emailNotifications": f.Values["emailNotifications"] != "", "language": f.Values["language"]}
	if _, ok := s.submit(w, r, http.MethodPut, "/v1/accounts/"+pathEscape(v.Account.ID)+"/preferences", body, f,
		func(f form) settingsPage { return settingsPage{Preferences: f} }); !ok {
		return
	}
	if lang, ok := locale.Parse(f.Values["language"]); ok {
		s.setCookie(w, r, languageCookie, string(lang), "/", 365*24*3600)
	}
	http.Redirect(w, r, "/settings?done=preferences", http.StatusSeeOther)
}

// submit sends a settings form's body to the API. A refusal shows the page again with the
// problems beside the form's fields (shown places the form); any other failure answers the
// request. ok is false in both cases.
func (s *Site) submit(w http.ResponseWriter, r *http.Request, method, path string, body any, f form,
	shown func(form) settingsPage) (out *answer, ok bool) {
	out, err := s.call(r, method, path, body)
	switch {
	case err == nil:
		return out, true
	case !refusedFields(err):
		s.fail(w, r, err)
	default:
		f.refuse(err)
		s.showSettings(w, r, http.StatusUnprocessableEntity, shown(f))
	}
	return nil, false
}

// refusedFields tells whether err is the API's refusal of some fields (to show beside them),
// rather than a failure of the page (sign-in needed, not found, not allowed).
func refusedFields(err error) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == http.StatusBadRequest
}

// createToken makes a named token and shows its secret this once, in the page itself.
func (s *Site) createToken(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "name", "expiresInDays")
	body := map[string]any{"name": f.Values["name"]}
	if days := f.Values["expiresInDays"]; days != "" {
		n, err := strconv.Atoi(days)
		if err != nil {
			f.Errors["expiresInDays"] = translate(s.localizer(r), "NotAWholeNumber")
			s.showSettings(w, r, http.StatusUnprocessableEntity, settingsPage{Token: f})
			return
		}
		body["expiresInDays"] = n
	}
	out, ok := s.submit(w, r, http.MethodPost, "/v1/tokens", body, f, func(f form) settingsPage { return settingsPage{Token: f} })
	if !ok {
		return
	}
	var created accountv1.CreateTokenResponse
	if err := unmarshal(out, &created); err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSettings(w, r, http.StatusOK, settingsPage{NewToken: &created})
}

func (s *Site) revokeToken(w http.ResponseWriter, r *http.Request) {
	s.removeThen(w, r, "/v1/tokens/"+pathEscape(r.PathValue("id")), "revoked")
}

func (s *Site) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	s.removeThen(w, r, "/v1/webhooks/"+pathEscape(r.PathValue("id")), "deleted")
}

// removeThen deletes the API's object at path and confirms it as done; another account's
// object is the API's 404.
func (s *Site) removeThen(w http.ResponseWriter, r *http.Request, path, done string) {
	if _, err := s.call(r, http.MethodDelete, path, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings?done="+done, http.StatusSeeOther)
}

// createWebhook subscribes an endpoint to the ticked events and shows its signing secret once.
func (s *Site) createWebhook(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "url")
	events := append([]string{}, r.PostForm["events"]...)
	f.Values["events"] = strings.Join(events, " ")
	out, ok := s.submit(w, r, http.MethodPost, "/v1/webhooks", map[string]any{"url": f.Values["url"], "events": events}, f,
		func(f form) settingsPage {
			// "events[2]" is a problem of the events as a whole, shown beside them.
			for field, problem := range f.Errors {
				if strings.HasPrefix(field, "events[") {
					f.Errors["events"] = problem
				}
			}
			return settingsPage{Webhook: f}
		})
	if !ok {
		return
	}
	var created notificationv1.CreateWebhookResponse
	if err := unmarshal(out, &created); err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSettings(w, r, http.StatusOK, settingsPage{NewWebhook: &created})
}
