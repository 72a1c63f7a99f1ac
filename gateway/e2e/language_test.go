package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// callInLanguage is a GET with an Accept-Language header; it returns the status, the
// Content-Language the gateway answered in and the body.
func (p *platform) callInLanguage(path, token, acceptLanguage string) (int, string, map[string]any) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.url+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		p.t.Fatalf("GET %s: body is not JSON: %v: %s", path, err, raw)
	}
	return resp.StatusCode, resp.Header.Get("Content-Language"), body
}

var divisionCode = regexp.MustCompile(`\b[A-U][0-9]{2}\b`)

// assertLanguages reads the same shortlist, explanation and decisions trail in English and
// French, chosen by Accept-Language or ?lang=: the texts change language, never the numbers or
// the codes in the structured fields, and no text shows a sector code.
// overBudgetID is a consultant excluded by DAILY_RATE_OVER_BUDGET.
func assertLanguages(t *testing.T, p *platform, missionID, firmToken, overBudgetID string) {
	t.Helper()
	shortlistPath := "/v1/missions/" + missionID + "/shortlist"
	texts := func(shortlist map[string]any) (summary, skills, sector string, facts any) {
		first := list(shortlist, "candidates")[0].(map[string]any)
		components := list(first["explanation"].(map[string]any), "components")
		return str(first, "summary"), str(components[0].(map[string]any), "detail"),
			str(components[1].(map[string]any), "detail"), components[1].(map[string]any)["facts"]
	}
	status, lang, en := p.callInLanguage(shortlistPath, firmToken, "")
	if status != http.StatusOK || lang != "en" {
		t.Fatalf("default shortlist: status %d, Content-Language %q", status, lang)
	}
	enSummary, enSkills, enSector, enFacts := texts(en)
	// The diagnostics travel with every shortlist, in counts only.
	diag, _ := en["diagnostics"].(map[string]any)
	rates := 0.0
	for _, r := range list(diag, "excludedByRule") {
		if str(r.(map[string]any), "rule") == "DAILY_RATE_OVER_BUDGET" {
			rates = r.(map[string]any)["count"].(float64)
		}
	}
	if diag == nil || diag["eligibleCount"] != en["eligibleCount"] || rates < 1 {
		t.Errorf("diagnostics = %v (eligibleCount %v)", diag, en["eligibleCount"])
	}
	for _, tc := range []struct{ path, header string }{
		{shortlistPath, "fr-FR,fr;q=0.9,en;q=0.5"},
		{shortlistPath + "?lang=fr", "en"},
	} {
		status, lang, fr := p.callInLanguage(tc.path, firmToken, tc.header)
		if status != http.StatusOK || lang != "fr" {
			t.Fatalf("%s with %q: status %d, Content-Language %q", tc.path, tc.header, status, lang)
		}
		frSummary, frSkills, frSector, frFacts := texts(fr)
		if !strings.Contains(enSkills, "Required:") || !strings.Contains(frSkills, "Exigées") ||
			!strings.Contains(enSummary, "/100") || !strings.Contains(frSummary, "/100") || frSummary == enSummary ||
			frSector == enSector {
			t.Errorf("texts not in the asked language:\n en %q / %q / %q\n fr %q / %q / %q",
				enSummary, enSkills, enSector, frSummary, frSkills, frSector)
		}
		if !jsonEqual(enFacts, frFacts) || list(fr, "candidates")[0].(map[string]any)["score"] != list(en, "candidates")[0].(map[string]any)["score"] {
			t.Errorf("facts or scores differ between languages: %v / %v", enFacts, frFacts)
		}
		for _, s := range []string{frSummary, frSkills, frSector, enSummary, enSkills, enSector} {
			if divisionCode.MatchString(s) {
				t.Errorf("a sector code in %q", s)
			}
		}
	}

	// A rule's reason, through matching's ExplainCandidate.
	_, _, why := p.callInLanguage("/v1/missions/"+missionID+"/candidates/"+overBudgetID+"/explanation?lang=fr", operatorToken, "")
	if rules := list(why, "failedRules"); len(rules) != 1 || !strings.Contains(str(rules[0].(map[string]any), "detail"), "800\u00a0€ par jour") ||
		rules[0].(map[string]any)["facts"].(map[string]any)["rate"] == nil {
		t.Errorf("French explanation of an excluded consultant: %v", why)
	}

	// The decisions trail, stored by the mission service from matching's event, reads in French.
	_, _, trail := p.callInLanguage("/v1/missions/"+missionID+"/decisions", firmToken, "fr")
	found := false
	for _, d := range list(trail, "decisions") {
		for _, c := range list(d.(map[string]any), "candidates") {
			if s := str(c.(map[string]any), "summary"); s != "" {
				found = true
				if !strings.Contains(s, "profil") {
					t.Errorf("decisions trail summary not in French: %q", s)
				}
			}
		}
	}
	if !found {
		t.Errorf("no candidate summary in the decisions trail: %v", trail)
	}

	// A language the platform does not speak, asked explicitly, is a clear error.
	r := p.call("GET", shortlistPath+"?lang=de", firmToken, nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.raw, "lang") {
		t.Errorf("?lang=de: status %d: %s", r.status, r.raw)
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// Reference data is named in the reader's language too; ?lang= is accepted by every endpoint.
func TestTaxonomyInTheReadersLanguage(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	name := func(path, id string) string {
		for _, s := range list(p.mustCall("GET", path, "", nil), "sectors") {
			if str(s.(map[string]any), "id") == id {
				return str(s.(map[string]any), "name")
			}
		}
		return ""
	}
	if en, fr := name("/v1/taxonomy/sectors", "C29"), name("/v1/taxonomy/sectors?lang=fr", "C29"); en == fr || fr != "Industrie automobile" {
		t.Errorf("C29 named %q in English and %q in French", en, fr)
	}
	_, lang, skills := p.callInLanguage("/v1/taxonomy/skills", "", "fr-CA, en;q=0.5")
	if lang != "fr" || !strings.Contains(fmt.Sprint(skills), "IA générative") {
		t.Errorf("skills with Accept-Language fr-CA (Content-Language %q): %v", lang, skills)
	}
}
