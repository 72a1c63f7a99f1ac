package pages

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// The account erasure (DELETE /v1/accounts/{id}): a person erases their own account from the
// settings page, an operator any account from its erasure page under /ops/accounts. Both forms
// ask for a confirmation word typed by hand, so that no click, Enter or form filled by the
// browser erases anybody; the word is the same for every account and said in the label, so
// that the instruction is plain to everyone, a screen reader's listener included (an account's
// name may be long, accented, or not known to an operator by heart).

func (s *Site) routeErasure() {
	s.routes.HandleFunc("POST /settings/erase", s.eraseOwnAccount)
	s.routes.HandleFunc("GET /account-deleted", s.accountDeleted)
	s.routes.HandleFunc("GET /ops/accounts/erase", s.findAccountToErase)
	s.routes.HandleFunc("GET /ops/accounts/{id}/erase", s.eraseAccountForm)
	s.routes.HandleFunc("POST /ops/accounts/{id}/erase", s.eraseAccount)
}

// confirmationField is the erasure forms' input for the confirmation word.
const confirmationField = "confirmation"

// confirms tells whether typed is the confirmation word: the one the page asks for in its
// language, or the other language's (the language may change between the form shown and the
// form sent), in any letter case, without the spaces around it.
func confirms(typed string) bool {
	typed = strings.TrimSpace(typed)
	for _, lang := range locale.Supported {
		if word := translate(newLocalizer(string(lang)), "Erase_Word"); typed != "" && strings.EqualFold(typed, word) {
			return true
		}
	}
	return false
}

// erasedCookie carries the pseudonym of the account just erased to the page that says so.
const erasedCookie = "caiomatch_erased"

// erasedPath is the public page an erased person lands on.
const erasedPath = "/account-deleted"

// opsAccountsPath is the operators' accounts page, which says which pseudonym an account they
// erased now has.
const opsAccountsPath = "/ops/accounts"

// pseudonymShape is the API's pseudonyms (pkg/pseudonym): anything else in the cookie is not
// shown.
var pseudonymShape = regexp.MustCompile(`^erased-[0-9a-f]{16}$`)

// eraseForm is an erasure form as the template draws it: its confirmation field, where it is
// sent, its button's words, and the message saying why an erasure was not done, if any.
type eraseForm struct {
	Loc     *i18n.Localizer
	Action  string
	Button  string
	Field   pageField
	Problem string
}

func newEraseForm(loc *i18n.Localizer, action, button string, f form, problem string) eraseForm {
	if f.Values == nil {
		f = form{Values: map[string]string{}, Errors: map[string]string{}}
	}
	return eraseForm{Loc: loc, Action: action, Button: button, Problem: problem,
		Field: newField(loc, "Erase_Field_", "erase-"+confirmationField, confirmationField, "text", f)}
}

// erase asks the API to erase account id, and returns the pseudonym the kept records now hold
// instead of it ("" when the answer names none: the account is erased all the same).
func (s *Site) erase(r *http.Request, id string) (string, error) {
	out, err := s.call(r, http.MethodDelete, "/v1/accounts/"+pathEscape(id), nil)
	if err != nil {
		return "", err
	}
	var erased struct {
		AccountPseudonym string `json:"accountPseudonym"`
	}
	if json.Unmarshal(out.body.Bytes(), &erased) == nil && pseudonymShape.MatchString(erased.AccountPseudonym) {
		return erased.AccountPseudonym, nil
	}
	return "", nil
}

// erasureProblem is the message saying beside the form why the API did not erase, and the
// page's status; "" when the failure is the page's (sign in, not found, not allowed).
func erasureProblem(err error) (string, int) {
	var e *apiError
	switch {
	case !errors.As(err, &e):
		return "Erase_Unfinished", http.StatusBadGateway
	case e.Status == http.StatusPreconditionFailed || e.Reason == accounts.ReasonBootstrapOperator:
		return "Erase_NotErasable", http.StatusUnprocessableEntity
	case e.Status >= http.StatusInternalServerError:
		return "Erase_Unfinished", e.Status
	}
	return "", 0
}

// eraseOwnAccount erases the visitor's account once they typed the confirmation word, then
// sends them, signed out, to the page saying it was deleted.
func (s *Site) eraseOwnAccount(w http.ResponseWriter, r *http.Request) {
	v := s.identify(r)
	if !v.SignedIn {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	f := newForm(r, confirmationField)
	if !confirms(f.Values[confirmationField]) {
		f.Errors[confirmationField] = translate(s.localizer(r), "Erase_NotConfirmed")
		s.showSettings(w, r, http.StatusUnprocessableEntity, settingsPage{Erase: f})
		return
	}
	pseudonym, err := s.erase(r, v.Account.ID)
	if err != nil {
		s.refuseErasure(w, r, err, func(f form, problem string, status int) {
			s.showSettings(w, r, status, settingsPage{Erase: f, EraseProblem: problem})
		})
		return
	}
	s.leave(w, r, pseudonym)
}

// refuseErasure answers an erasure the API did not do: the form again, its word to type anew,
// with the reason; or the page's failure.
func (s *Site) refuseErasure(w http.ResponseWriter, r *http.Request, err error, show func(f form, problem string, status int)) {
	problem, status := erasureProblem(err)
	if problem == "" {
		s.fail(w, r, err)
		return
	}
	show(form{Values: map[string]string{}, Errors: map[string]string{}}, problem, status)
}

// leave ends the visit of a person whose account was just erased: the session cookie is
// cleared (the API ended the session already; the cookie would only be refused), and the
// visitor goes to the page that says the account is deleted, with its pseudonym.
func (s *Site) leave(w http.ResponseWriter, r *http.Request, pseudonym string) {
	s.setCookie(w, r, s.cfg.SessionCookie, "", "/", -1)
	s.keepPseudonym(w, r, erasedPath, pseudonym)
	http.Redirect(w, r, erasedPath, http.StatusSeeOther)
}

// keepPseudonym hands the pseudonym of an account just erased to the page at path, in a cookie
// of that page's for ten minutes: in the page's address it would reach the logs and traces of
// the request.
func (s *Site) keepPseudonym(w http.ResponseWriter, r *http.Request, path, pseudonym string) {
	if pseudonym == "" {
		return
	}
	s.setCookie(w, r, erasedCookie, pseudonym, path, 600)
}

// keptPseudonym is the pseudonym keepPseudonym handed to this page, or "".
func keptPseudonym(r *http.Request) string {
	if c, err := r.Cookie(erasedCookie); err == nil && pseudonymShape.MatchString(c.Value) {
		return c.Value
	}
	return ""
}

// erasedPage is what the page after an erasure shows: the pseudonym alone, when the browser
// that erased brings it.
type erasedPage struct {
	Pseudonym string
}

// accountDeleted is public: it says an account was deleted and, to the browser that deleted
// it, the pseudonym its records keep; nothing else about anyone.
func (s *Site) accountDeleted(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "erased", s.visitor(r), erasedPage{Pseudonym: keptPseudonym(r)})
}

// findAccountToErase opens the erasure page of the account whose id an operator typed on the
// accounts page.
func (s *Site) findAccountToErase(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id == "" {
		http.Redirect(w, r, "/ops/accounts", http.StatusSeeOther)
		return
	}
	seeOther(w, r, "/ops/accounts/"+pathEscape(id)+"/erase")
}

// eraseAccountPage is an account an operator may erase, with the erasure form.
type eraseAccountPage struct {
	Account *accountv1.Account
	Erase   form
	Problem string
	// Protected is true for the operator account of the configuration, which is never erased.
	Protected bool
}

// EraseForm is the page's confirmation form.
func (p eraseAccountPage) EraseForm(loc *i18n.Localizer) eraseForm {
	return newEraseForm(loc, "/ops/accounts/"+pathEscape(p.Account.GetId())+"/erase", "Erase_OpsButton", p.Erase, p.Problem)
}

func (s *Site) eraseAccountForm(w http.ResponseWriter, r *http.Request) {
	s.showEraseAccount(w, r, http.StatusOK, eraseAccountPage{})
}

// showEraseAccount reads the account of the path (the API answers only an operator) and shows
// it over page's form.
func (s *Site) showEraseAccount(w http.ResponseWriter, r *http.Request, status int, page eraseAccountPage) {
	v := s.visitor(r)
	if !s.operatorOnly(w, r, v) {
		return
	}
	var got accountv1.GetAccountResponse
	if err := s.get(r, "/v1/accounts/"+pathEscape(r.PathValue("id")), &got); err != nil {
		s.fail(w, r, err)
		return
	}
	page.Account = got.GetAccount()
	page.Protected = page.Account.GetId() == accounts.BootstrapOperatorID
	s.render(w, r, status, "erase", v, page)
}

// eraseAccount erases the account of the path for an operator who typed the confirmation
// word, then shows the accounts page with the pseudonym that replaces it in the records. An
// operator erasing their own account leaves as anyone erasing theirs.
func (s *Site) eraseAccount(w http.ResponseWriter, r *http.Request) {
	v := s.identify(r)
	if !s.operatorOnly(w, r, v) {
		return
	}
	id := r.PathValue("id")
	f := newForm(r, confirmationField)
	if !confirms(f.Values[confirmationField]) {
		f.Errors[confirmationField] = translate(s.localizer(r), "Erase_NotConfirmed")
		s.showEraseAccount(w, r, http.StatusUnprocessableEntity, eraseAccountPage{Erase: f})
		return
	}
	pseudonym, err := s.erase(r, id)
	if err != nil {
		s.refuseErasure(w, r, err, func(f form, problem string, status int) {
			s.showEraseAccount(w, r, status, eraseAccountPage{Erase: f, Problem: problem})
		})
		return
	}
	if id == v.Account.ID {
		s.leave(w, r, pseudonym)
		return
	}
	s.keepPseudonym(w, r, opsAccountsPath, pseudonym)
	http.Redirect(w, r, opsAccountsPath, http.StatusSeeOther)
}
