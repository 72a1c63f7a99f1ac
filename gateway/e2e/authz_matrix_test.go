package e2e

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/openapi"
)

// The authorization matrix: every route of the gateway × every actor × every state of the
// object that changes who may reach it. The routes come from the gateway itself (the OpenAPI
// document generated from the protos, completed with the hand-served ones, and every
// mux.HandlePath in gateway/httpapi); each must have its row in expectations, or the test
// fails. docs/SECURITY.md, "Who can reach what", describes the rule and the matrix.

// actor is one of the callers the matrix tries.
type actor int

const (
	firmA     actor = iota // the firm that owns the world's mission
	firmB                  // another firm, with no mission in the world
	consA                  // the consultant whose profile the world's mission concerns
	consB                  // another consultant, with a profile on no shortlist of the world
	operator               // an operator
	anonymous              // no token
	suspended              // a firm whose account an operator suspended
	revoked                // a consultant's token, revoked
)

var actors = []actor{firmA, firmB, consA, consB, operator, anonymous, suspended, revoked}

func (a actor) String() string {
	return [...]string{"firmA(owner)", "firmB", "consA(owner)", "consB", "operator", "no token", "suspended", "revoked token"}[a]
}

func (a actor) firm() bool       { return a == firmA || a == firmB }
func (a actor) consultant() bool { return a == consA || a == consB }

// state is where the world's mission (and its consultant's profile) stands.
type state int

const (
	open      state = iota // shortlisted, no offer
	offered                // an offer to consA is pending
	staffed                // consA accepted; an extension is pending
	ended                  // staffed, then ended early by consA
	cancelled              // cancelled by firmA while shortlisted
	erased                 // open, and consA deleted the profile
)

var states = []state{open, offered, staffed, ended, cancelled, erased}

func (s state) String() string {
	return [...]string{"open", "offered", "staffed", "ended", "cancelled", "erased"}[s]
}

// home is the world in which the routes that do not depend on a mission's state are judged.
const home = offered

// outcome is what a cell expects.
type outcome int

const (
	ok        outcome = iota // 2xx
	unlisted                 // 2xx, and the answer names none of the world's objects
	unauth                   // 401
	forbidden                // 403
	hidden                   // 404, as for something that does not exist
	allowed                  // passes authorization; a change, not sent (it would change the world)
	changed                  // passes authorization; a change that leaves the world as it was, sent: 2xx
	reached                  // a public route: any answer but 401, 403 and 5xx
	inapt                    // the state has no such object: no cell
)

func (o outcome) String() string {
	return [...]string{"200", "200 without the world's ids", "401", "403", "404", "allowed (change not sent)", "2xx (harmless change sent)", "reached", "n/a"}[o]
}

// expectation is one route's row: what {id} names, whether the answer depends on the state, the
// body sent, and who gets what.
type expectation struct {
	// obj is what {id} in the template names (mission, profile, offer, extension, account,
	// token, webhook, notification, plan, trace, deadLetter); {missionId} and {profileId}
	// are always the world's mission and profile.
	obj string
	// stateful: judged in every state; otherwise in the home world only.
	stateful bool
	// public: answered without a caller (no 401 or 403 for anyone).
	public bool
	// body is sent with the request (valid, so that a refusal is about who asks).
	body func(w *world) any
	// who gives the outcome of an authenticated, active actor (firmA, firmB, consA, consB,
	// operator); anonymous and revoked get 401, suspended 403, unless public.
	who func(a actor, s state) outcome
}

// gate refuses with 403 the roles the edge never lets through, then asks then.
func gate(firms, consultants, operators bool, then func(a actor, s state) outcome) func(actor, state) outcome {
	return func(a actor, s state) outcome {
		if (a.firm() && !firms) || (a.consultant() && !consultants) || (a == operator && !operators) {
			return forbidden
		}
		return then(a, s)
	}
}

func always(o outcome) func(actor, state) outcome { return func(actor, state) outcome { return o } }

// owner: the owner gets o, everyone else the role lets through 404.
func owner(who actor, o outcome) func(actor, state) outcome {
	return func(a actor, _ state) outcome {
		if a == who {
			return o
		}
		return hidden
	}
}

// firmOrOperator: the owning firm and operators get o, anyone else the role lets through 404.
func firmOrOperator(o outcome) func(actor, state) outcome {
	return func(a actor, _ state) outcome {
		if a == firmA || a == operator {
			return o
		}
		return hidden
	}
}

// listed: a list of one's own; the owner's own list is its own business, a non-owner's names
// none of the world's objects.
func listed(owners ...actor) func(actor, state) outcome {
	return func(a actor, _ state) outcome {
		if slices.Contains(owners, a) || a == operator {
			return ok
		}
		return unlisted
	}
}

// isParty: consA is the mission's party once staffed.
func isParty(s state) bool { return s == staffed || s == ended }

// missionParty: the mission's firm, its staffed consultant and operators (when operators may).
func missionParty(o outcome, operatorToo bool) func(actor, state) outcome {
	return func(a actor, s state) outcome {
		switch {
		case a == firmA, a == consA && isParty(s), a == operator && operatorToo:
			return o
		}
		return hidden
	}
}

// firmSeesProfile is pkg/visibility's rule through the API: the owning firm sees the world's
// consultant while the mission is being staffed (a candidate) and as the staffing firm (staffed,
// ended within 90 days); not once cancelled, nor erased.
func firmSeesProfile(s state) bool {
	switch s {
	case open, offered, staffed, ended:
		return true
	}
	return false
}

// firmSeesExplanation: an explanation is a candidate's, while the mission is being staffed.
func firmSeesExplanation(s state) bool { return s == open || s == offered }

var (
	firms       = true
	consultants = true
	operators   = true
	no          = false
)

func body(v map[string]any) func(*world) any { return func(*world) any { return v } }

// expectations has one row per route of the gateway, keyed "METHOD /template".
var expectations = map[string]expectation{
	// Accounts: an operator's, or one's own.
	"GET /v1/accounts":  {who: gate(no, no, operators, always(ok))},
	"POST /v1/accounts": {who: gate(no, no, operators, always(allowed))},
	"GET /v1/accounts/{id}": {obj: "account", who: gate(firms, consultants, operators, func(a actor, _ state) outcome {
		return map[bool]outcome{true: ok, false: hidden}[a == consA || a == operator]
	})},
	"POST /v1/accounts/{id}/approve": {obj: "account", who: gate(no, no, operators, always(allowed))},
	"POST /v1/accounts/{id}/suspend": {obj: "account", who: gate(no, no, operators, always(allowed))},
	"PUT /v1/accounts/{id}/preferences": {obj: "account", body: body(map[string]any{"language": "fr"}),
		who: gate(firms, consultants, operators, owner(consA, changed))},
	"GET /v1/accounts/{id}/export": {obj: "account", who: gate(firms, consultants, no, owner(consA, ok))},
	// The erasure: the account itself or an operator; anyone else cannot tell it exists.
	"DELETE /v1/accounts/{id}": {obj: "account", who: gate(firms, consultants, operators, func(a actor, _ state) outcome {
		return map[bool]outcome{true: allowed, false: hidden}[a == consA || a == operator]
	})},
	"POST /v1/signup":        {public: true, body: body(map[string]any{}), who: always(reached)},
	"POST /v1/signup/verify": {public: true, body: body(map[string]any{}), who: always(reached)},
	"POST /v1/sessions":      {public: true, body: body(map[string]any{}), who: always(reached)},
	// The sign-in link: its page for anyone; without a valid link, the sign-in is 401 whoever
	// posts it.
	"GET /v1/sessions/callback":   {public: true, who: always(reached)},
	"POST /v1/sessions/callback":  {public: true, body: body(map[string]any{}), who: always(unauth)},
	"DELETE /v1/sessions/current": {who: gate(firms, consultants, operators, always(allowed))},
	"GET /v1/tokens":              {who: gate(firms, consultants, operators, always(ok))},
	"POST /v1/tokens":             {body: body(map[string]any{"name": "matrix"}), who: gate(firms, consultants, operators, always(changed))},
	"DELETE /v1/tokens/{id}": {obj: "token", who: gate(firms, consultants, operators, func(a actor, _ state) outcome {
		if a == consA || a == operator {
			return allowed
		}
		return hidden
	})},
	"GET /v1/taxonomy/sectors": {public: true, who: always(ok)},
	"GET /v1/taxonomy/skills":  {public: true, who: always(ok)},

	// Profiles: pkg/visibility's rule for firms.
	"GET /v1/profiles":  {stateful: true, who: gate(no, consultants, operators, listed(consA))},
	"POST /v1/profiles": {who: gate(no, consultants, operators, always(allowed))},
	"GET /v1/profiles/{id}": {obj: "profile", stateful: true, who: gate(firms, consultants, operators, func(a actor, s state) outcome {
		switch {
		case s == erased:
			return hidden
		case a == consA, a == operator, a == firmA && firmSeesProfile(s):
			return ok
		}
		return hidden
	})},
	"GET /v1/profiles/{id}/export": {obj: "profile", stateful: true, who: gate(no, consultants, no, func(a actor, s state) outcome {
		if a == consA && s != erased {
			return ok
		}
		return hidden
	})},
	"PUT /v1/profiles/{id}": {obj: "profile", stateful: true, body: func(*world) any { return profileBody("Matrix Consultant", nil) },
		who: gate(no, consultants, no, func(a actor, s state) outcome {
			if a == consA && s != erased {
				return allowed
			}
			return hidden
		})},
	"DELETE /v1/profiles/{id}": {obj: "profile", stateful: true, who: gate(no, consultants, operators, func(a actor, s state) outcome {
		if (a == consA || a == operator) && s != erased {
			return allowed
		}
		return hidden
	})},

	// Missions.
	"GET /v1/missions":  {stateful: true, who: gate(firms, no, operators, listed(firmA))},
	"POST /v1/missions": {who: gate(firms, no, no, always(allowed))},
	"GET /v1/missions/{id}": {obj: "mission", stateful: true, who: gate(firms, consultants, operators, func(a actor, s state) outcome {
		switch {
		case a == firmA, a == operator, a == consA && (s == offered || isParty(s)):
			return ok
		}
		return hidden
	})},
	"PATCH /v1/missions/{id}": {obj: "mission", stateful: true, body: body(map[string]any{"title": "Hijacked"}),
		who: gate(firms, no, no, owner(firmA, allowed))},
	"POST /v1/missions/{id}/cancel": {obj: "mission", stateful: true, body: body(map[string]any{}),
		who: gate(firms, no, operators, firmOrOperator(allowed))},
	"POST /v1/missions/{id}/end": {obj: "mission", stateful: true, body: func(*world) any {
		return map[string]any{"endDate": missionStart.AddDate(0, 2, 0).Format(time.DateOnly), "reason": "Matrix"}
	}, who: gate(firms, consultants, no, missionParty(allowed, false))},
	"GET /v1/missions/{missionId}/decisions": {stateful: true, who: gate(firms, no, operators, firmOrOperator(ok))},
	"GET /v1/missions/{missionId}/shortlist": {stateful: true, who: gate(firms, no, operators, firmOrOperator(ok))},
	"GET /v1/missions/{missionId}/candidates/{profileId}/explanation": {stateful: true,
		who: gate(firms, no, operators, func(a actor, s state) outcome {
			switch {
			case a == operator, a == firmA && firmSeesExplanation(s):
				return ok
			}
			return hidden
		})},
	"POST /v1/missions/{missionId}/shortlist/{profileId}/offer": {stateful: true, body: body(map[string]any{"dailyRateEur": 1000}),
		who: gate(firms, no, no, owner(firmA, allowed))},
	"GET /v1/missions/{missionId}/extensions": {stateful: true, who: gate(firms, consultants, operators, missionParty(ok, true))},
	"POST /v1/missions/{missionId}/extensions": {stateful: true, body: func(*world) any {
		return map[string]any{"newEndDate": missionStart.AddDate(0, 13, 0).Format(time.DateOnly)}
	}, who: gate(firms, no, no, owner(firmA, allowed))},
	"GET /v1/missions/{missionId}/feedback":  {stateful: true, who: gate(firms, consultants, operators, missionParty(ok, true))},
	"POST /v1/missions/{missionId}/feedback": {stateful: true, body: body(map[string]any{"rating": 1}), who: gate(firms, consultants, no, missionParty(allowed, false))},

	// Offers and extensions: the parties'.
	"GET /v1/offers":                      {stateful: true, who: gate(firms, consultants, operators, listed(firmA, consA))},
	"POST /v1/offers/{id}/accept":         {obj: "offer", stateful: true, body: body(map[string]any{}), who: gate(no, consultants, no, owner(consA, allowed))},
	"POST /v1/offers/{id}/decline":        {obj: "offer", stateful: true, body: body(map[string]any{"reason": "Matrix"}), who: gate(no, consultants, no, owner(consA, allowed))},
	"POST /v1/offers/{id}/counter":        {obj: "offer", stateful: true, body: body(map[string]any{"dailyRateEur": 1400}), who: gate(no, consultants, no, owner(consA, allowed))},
	"POST /v1/offers/{id}/accept-counter": {obj: "offer", stateful: true, body: body(map[string]any{}), who: gate(firms, no, no, owner(firmA, allowed))},
	"POST /v1/offers/{id}/withdraw":       {obj: "offer", stateful: true, body: body(map[string]any{}), who: gate(firms, no, no, owner(firmA, allowed))},
	"POST /v1/extensions/{id}/accept":     {obj: "extension", stateful: true, body: body(map[string]any{}), who: gate(no, consultants, no, owner(consA, allowed))},
	"POST /v1/extensions/{id}/decline":    {obj: "extension", stateful: true, body: body(map[string]any{"reason": "Matrix"}), who: gate(no, consultants, no, owner(consA, allowed))},

	// Notifications and webhooks: one's own.
	"GET /v1/notifications": {who: gate(firms, consultants, operators, func(a actor, _ state) outcome {
		if a == firmA || a == consA {
			return ok
		}
		return unlisted
	})},
	"GET /v1/notifications/stream":     {who: gate(firms, consultants, operators, always(allowed))},
	"POST /v1/notifications/{id}/read": {obj: "notification", body: body(map[string]any{}), who: gate(firms, consultants, operators, owner(consA, changed))},
	"GET /v1/webhooks":                 {who: gate(firms, consultants, no, always(ok))},
	"POST /v1/webhooks":                {who: gate(firms, consultants, no, always(allowed))},
	"DELETE /v1/webhooks/{id}":         {obj: "webhook", who: gate(firms, consultants, no, always(hidden))},
	"GET /v1/webhooks/{id}/deliveries": {obj: "webhook", who: gate(firms, consultants, no, always(hidden))},

	// Operations: operators only.
	"POST /v1/staffing-plans":                      {who: gate(no, no, operators, always(allowed))},
	"GET /v1/staffing-plans/{id}":                  {obj: "plan", who: gate(no, no, operators, always(hidden))},
	"GET /v1/ops/exposure":                         {who: gate(no, no, operators, always(ok))},
	"GET /v1/ops/matching":                         {who: gate(no, no, operators, always(ok))},
	"POST /v1/ops/matching/pause":                  {who: gate(no, no, operators, always(allowed))},
	"POST /v1/ops/matching/resume":                 {who: gate(no, no, operators, always(allowed))},
	"GET /v1/ops/mailbox":                          {who: gate(no, no, operators, always(ok))},
	"GET /v1/ops/traces":                           {who: gate(no, no, operators, always(ok))},
	"GET /v1/ops/traces/{traceId}":                 {who: gate(no, no, operators, always(hidden))},
	"GET /v1/ops/audit":                            {who: gate(no, no, operators, always(ok))},
	"GET /v1/ops/dead-letters":                     {who: gate(no, no, operators, always(ok))},
	"GET /v1/ops/dead-letters/{sequence}":          {who: gate(no, no, operators, always(hidden))},
	"POST /v1/ops/dead-letters/{sequence}/redrive": {who: gate(no, no, operators, always(allowed))},

	// Outside /v1: the process's own.
	"GET /healthz":      {public: true, who: always(ok)},
	"GET /readyz":       {public: true, who: always(ok)},
	"GET /statusz":      {who: gate(no, no, operators, always(ok))},
	"GET /openapi.json": {public: true, who: always(ok)},
	"GET /metrics":      {who: gate(no, no, operators, always(ok))},
}

// gatewayRoutes is the gateway's route table, "METHOD /template": the OpenAPI document (the
// routes generated from the protos and the hand-served ones it describes), every
// mux.HandlePath in gateway/httpapi, read from its source, and the sign-in link.
func gatewayRoutes(t testing.TB) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	routes := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				routes[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	for _, r := range handServedRoutes(t, filepath.Join("..", "httpapi")) {
		routes[r] = true
	}
	// The sign-in link is answered before the mux (httpapi.serveSignInLinks).
	routes["GET "+accounts.SignInPath], routes["POST "+accounts.SignInPath] = true, true
	return slices.Sorted(maps.Keys(routes))
}

// handServedRoutes reads dir's non-test Go files for mux.HandlePath(http.MethodX, path, ...)
// calls, path being a string literal or a constant of the package.
func handServedRoutes(t testing.TB, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	consts := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	var routes []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "HandlePath" {
				return true
			}
			method := ""
			switch m := call.Args[0].(type) {
			case *ast.SelectorExpr:
				method = strings.ToUpper(strings.TrimPrefix(m.Sel.Name, "Method"))
			case *ast.BasicLit:
				method, _ = strconv.Unquote(m.Value)
			}
			path := ""
			switch p := call.Args[1].(type) {
			case *ast.BasicLit:
				path, _ = strconv.Unquote(p.Value)
			case *ast.Ident:
				path = consts[p.Name]
			}
			if method == "" || path == "" {
				t.Errorf("%s: a HandlePath whose method or path the matrix cannot read", fset.Position(call.Pos()))
				return true
			}
			routes = append(routes, method+" "+path)
			return true
		})
	}
	return routes
}

// TestAuthzMatrixCoversEveryRoute: a route without its row in expectations fails here (and a
// row without its route too), so that a new endpoint cannot ship without saying who reaches it.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	routes := gatewayRoutes(t)
	if len(routes) < 50 {
		t.Fatalf("only %d routes read from the gateway: the route table reader is broken", len(routes))
	}
	for _, r := range routes {
		if _, ok := expectations[r]; !ok {
			t.Errorf("route %s has no row in the authorization matrix (gateway/e2e/authz_matrix_test.go, expectations): say who may reach it", r)
		}
	}
	for r := range expectations {
		if !slices.Contains(routes, r) {
			t.Errorf("the matrix has a row for %s, which the gateway does not serve", r)
		}
	}
}

// world is one mission of its own firm and consultant (their own language, so that no other
// world's consultant is ranked for it), brought to one state.
type world struct {
	tokens                map[actor]string
	consAccount           string
	mission, profile      string
	offer, extension      string
	notification, tokenID string
}

// ids are the world's objects a non-owner's list must not name.
func (w *world) ids() []string {
	return slices.DeleteFunc([]string{w.mission, w.profile, w.offer, w.extension}, func(s string) bool { return s == "" })
}

// matrixLanguages keep the worlds apart: a world's mission asks for its consultant's language.
var matrixLanguages = map[state]string{open: "fi", offered: "sv", staffed: "da", ended: "nl", cancelled: "pt", erased: "pl"}

func buildWorld(t *testing.T, p *platform, s state, shared map[actor]string) *world {
	t.Helper()
	lang := matrixLanguages[s]
	w := &world{tokens: maps.Clone(shared)}
	_, w.tokens[firmA] = p.createAccount("FIRM", "Firm "+s.String())
	w.consAccount, w.tokens[consA] = p.createAccount("CONSULTANT", "Consultant "+s.String())
	w.profile = str(p.mustCall("POST", "/v1/profiles", w.tokens[consA], profileBody("Consultant "+s.String(),
		func(b map[string]any) { b["languages"] = []string{lang} })), "profile", "id")
	w.mission = str(p.mustCall("POST", "/v1/missions", w.tokens[firmA], missionBody(func(b map[string]any) {
		b["languages"] = []string{lang}
		b["title"] = "Matrix mission " + s.String()
	})), "mission", "id")
	if got := waitShortlist(t, p, w.mission, w.tokens[firmA], 1); !slices.Equal(got, []string{w.profile}) {
		t.Fatalf("world %s: shortlist %v, want only %s", s, got, w.profile)
	}
	firm, cons := w.tokens[firmA], w.tokens[consA]
	staff := func() {
		w.offer = str(makeOffer(t, p, w.mission, w.profile, firm), "offer", "id")
		p.mustCall("POST", "/v1/offers/"+w.offer+"/accept", cons, map[string]any{})
		waitMissionStatus(t, p, w.mission, firm, "MISSION_STATUS_STAFFED")
		eventually(t, 5*time.Second, "the staffing firm sees the email", func() bool {
			r := p.call("GET", "/v1/profiles/"+w.profile, firm, nil)
			return r.status == 200 && str(r.body, "profile", "email") != ""
		})
	}
	closed := func() {
		// Matching serves no diagnostics for a mission it no longer holds open.
		eventually(t, 5*time.Second, "matching closes the "+s.String()+" mission", func() bool {
			d, has := p.mustCall("GET", "/v1/missions/"+w.mission+"/shortlist", firm, nil)["diagnostics"]
			return !has || d == nil
		})
	}
	switch s {
	case offered:
		w.offer = str(makeOffer(t, p, w.mission, w.profile, firm), "offer", "id")
		eventually(t, 5*time.Second, "the consultant's notification of the offer", func() bool {
			n := list(p.mustCall("GET", "/v1/notifications", cons, nil), "notifications")
			if len(n) > 0 {
				w.notification = str(n[0].(map[string]any), "id")
			}
			return w.notification != ""
		})
		tok := p.mustCall("POST", "/v1/tokens", cons, map[string]any{"name": "matrix"})
		w.tokenID = str(tok, "token", "id")
	case staffed:
		staff()
		w.extension = str(p.mustCall("POST", "/v1/missions/"+w.mission+"/extensions", firm,
			map[string]any{"newEndDate": missionStart.AddDate(0, 14, 0).Format(time.DateOnly)}), "extension", "id")
		closed()
	case ended:
		staff()
		p.mustCall("POST", "/v1/missions/"+w.mission+"/end", cons,
			map[string]any{"endDate": missionStart.AddDate(0, 1, 0).Format(time.DateOnly), "reason": "Handed over."})
		closed()
	case cancelled:
		p.mustCall("POST", "/v1/missions/"+w.mission+"/cancel", firm, map[string]any{})
		closed()
		eventually(t, 5*time.Second, "the cancelled mission's firm loses the profile", func() bool {
			return p.call("GET", "/v1/profiles/"+w.profile, firm, nil).status == 404
		})
	case erased:
		p.mustCall("DELETE", "/v1/profiles/"+w.profile, cons, nil)
		eventually(t, 5*time.Second, "the erasure reaches matching", func() bool {
			return p.call("GET", "/v1/missions/"+w.mission+"/candidates/"+w.profile+"/explanation", firm, nil).status == 404
		})
	}
	return w
}

// fill puts the world's ids in a template; false when the world has no such object.
func (w *world) fill(route string, e expectation) (string, bool) {
	path := route[strings.Index(route, " ")+1:]
	id := map[string]string{
		"mission": w.mission, "profile": w.profile, "offer": w.offer, "extension": w.extension,
		"account": w.consAccount, "token": w.tokenID, "notification": w.notification,
		"webhook": "00000000-0000-4000-8000-000000000000", "plan": "00000000-0000-4000-8000-000000000000",
	}[e.obj]
	if strings.Contains(path, "{id}") && id == "" {
		return "", false
	}
	r := strings.NewReplacer("{id}", id, "{missionId}", w.mission, "{profileId}", w.profile,
		"{traceId}", "0123456789abcdef0123456789abcdef", "{sequence}", "999999")
	return r.Replace(path), true
}

// expected is a cell's outcome.
func (e expectation) expected(a actor, s state) outcome {
	if !e.public {
		switch a {
		case anonymous, revoked:
			return unauth
		case suspended:
			return forbidden
		}
	}
	return e.who(a, s)
}

// TestAuthzMatrix runs every cell on the all-in-one platform and prints their count.
func TestAuthzMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the authorization matrix runs the platform")
	}
	routes := gatewayRoutes(t)
	// The matrix is about who reaches what: the request rate limits (limits_test.go) are off.
	p := startPlatform(t, t.TempDir(), func(_ *platform, cfg *allinone.Config) { cfg.Gateway.RateLimit = -1 })
	shared := map[actor]string{operator: operatorToken}
	_, shared[firmB] = p.createAccount("FIRM", "Other Firm")
	_, shared[consB] = p.createAccount("CONSULTANT", "Other Consultant")
	p.mustCall("POST", "/v1/profiles", shared[consB], profileBody("Other Consultant", func(b map[string]any) {
		b["languages"] = []string{"et"}
	}))
	suspendedID, suspendedToken := p.createAccount("FIRM", "Suspended Firm")
	p.mustCall("POST", "/v1/accounts/"+suspendedID+"/suspend", operatorToken, map[string]any{})
	shared[suspended] = suspendedToken
	_, revokedOwner := p.createAccount("CONSULTANT", "Revoked Consultant")
	tok := p.mustCall("POST", "/v1/tokens", revokedOwner, map[string]any{"name": "to revoke"})
	p.mustCall("DELETE", "/v1/tokens/"+str(tok, "token", "id"), revokedOwner, nil)
	shared[revoked] = str(tok, "secret")
	shared[anonymous] = ""

	worlds := map[state]*world{}
	for _, s := range states {
		worlds[s] = buildWorld(t, p, s, shared)
	}

	counts := map[outcome]int{}
	cells, failed := 0, 0
	for _, route := range routes {
		e, ok := expectations[route]
		if !ok {
			continue // TestAuthzMatrixCoversEveryRoute names it
		}
		method := route[:strings.Index(route, " ")]
		judged := []state{home}
		if e.stateful {
			judged = states
		}
		for _, s := range judged {
			w := worlds[s]
			path, apt := w.fill(route, e)
			for _, a := range actors {
				want := e.expected(a, s)
				if !apt {
					want = inapt
				}
				counts[want]++
				if want == inapt {
					continue
				}
				cells++
				if want == allowed {
					continue
				}
				var b any
				if e.body != nil {
					b = e.body(w)
				}
				r := p.call(method, path, w.tokens[a], b)
				if !holds(want, r, w) {
					failed++
					t.Errorf("%s [%s] as %s: %d %s, want %s", route, s, a, r.status, strings.TrimSpace(truncate(r.raw, 160)), want)
				}
			}
		}
	}
	sent := cells - counts[allowed]
	t.Logf("authorization matrix: %d routes × %d actors × up to %d states: %d cells (%d requests sent, %d of them harmless changes; %d allowed changes not sent; %d without the object in that state), %d hold",
		len(routes), len(actors), len(states), cells, sent, counts[changed], counts[allowed], counts[inapt], cells-failed)
	fmt.Printf("authz matrix: %d cells, %d hold\n", cells, cells-failed)
}

func holds(want outcome, r response, w *world) bool {
	switch want {
	case ok, changed:
		return r.status >= 200 && r.status < 300
	case unlisted:
		if r.status < 200 || r.status >= 300 {
			return false
		}
		for _, id := range w.ids() {
			if strings.Contains(r.raw, id) {
				return false
			}
		}
		return true
	case unauth:
		return r.status == 401
	case forbidden:
		return r.status == 403
	case hidden:
		return r.status == 404
	case reached:
		return r.status != 401 && r.status != 403 && r.status < 500
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
