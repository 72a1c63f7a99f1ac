package taxonomy

import (
	"fmt"
	"strings"
	"testing"
)

func TestEmbeddedDataLoads(t *testing.T) {
	c, err := parse(sectorsJSON, skillsJSON)
	if err != nil {
		t.Fatalf("embedded data does not parse: %v", err)
	}
	if len(c.sectors) == 0 || len(c.skills) == 0 {
		t.Fatalf("embedded data is empty: %d sectors, %d skills", len(c.sectors), len(c.skills))
	}
}

// Helpers to write small sectors.json and skills.json documents; every corrupt case below
// differs from valid data by one defect only, and names the error it must cause.
func sectorsDoc(sections ...string) string {
	return `{"sections":[` + strings.Join(sections, ",") + `]}`
}

func section(id, name, nameFr string, divisions ...string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"nameFr":%q,"divisions":[%s]}`, id, name, nameFr, strings.Join(divisions, ","))
}

func division(id, name, nameFr string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"nameFr":%q}`, id, name, nameFr)
}

func skillsDoc(categories []string, skills ...string) string {
	return `{"categories":[` + strings.Join(categories, ",") + `],"skills":[` + strings.Join(skills, ",") + `]}`
}

func category(name, nameFr string) string {
	return fmt.Sprintf(`{"name":%q,"nameFr":%q}`, name, nameFr)
}

func skill(id, name, nameFr, category string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"nameFr":%q,"category":%q}`, id, name, nameFr, category)
}

func TestParseRejectsCorruptData(t *testing.T) {
	crops := division("A01", "Crops", "Cultures")
	good := sectorsDoc(section("A", "Agri", "Agriculture", crops))
	strategy := []string{category("Strategy", "Stratégie")}
	goodSkills := skillsDoc(strategy, skill("ai-strategy", "AI strategy", "Stratégie IA", "Strategy"))
	if _, err := parse([]byte(good), []byte(goodSkills)); err != nil {
		t.Fatalf("minimal valid data rejected: %v", err)
	}
	cases := map[string]struct{ sectors, skills, wantErr string }{
		"not json":           {`{`, goodSkills, "sectors.json: unexpected end"},
		"no sections":        {sectorsDoc(), goodSkills, "no sections"},
		"lower-case section": {sectorsDoc(section("a", "x", "x", division("a01", "y", "y"))), goodSkills, `bad section id "a"`},
		"division wrong parent": {
			sectorsDoc(section("A", "x", "x", division("B01", "y", "y"))), goodSkills, `bad division id "B01"`},
		"duplicate division": {
			sectorsDoc(section("A", "x", "x", crops, crops)), goodSkills, `"A01" out of code order`},
		"division out of order": {
			sectorsDoc(section("A", "x", "x", division("A02", "y", "y"), crops)), goodSkills, `"A01" out of code order`},
		"duplicate section": {
			sectorsDoc(section("A", "x", "x", crops), section("A", "x", "x", division("A02", "y", "y"))), goodSkills,
			`duplicate id "A"`},
		"section without divisions": {sectorsDoc(section("A", "x", "x")), goodSkills, `"A" has no divisions`},
		"unnamed sector":            {sectorsDoc(section("A", "", "x", crops)), goodSkills, `"A" lacks its English or French name`},
		"section without French":    {sectorsDoc(section("A", "x", "", crops)), goodSkills, `"A" lacks its English or French name`},
		"division without French": {
			sectorsDoc(section("A", "x", "x", division("A01", "y", ""))), goodSkills, `"A01" lacks its English or French name`},
		"skills not json": {good, `[`, "skills.json: unexpected end"},
		"no skills":       {good, skillsDoc(strategy), "no skills"},
		"bad skill id":    {good, skillsDoc(strategy, skill("AI_Strategy", "x", "x", "Strategy")), `bad skill id "AI_Strategy"`},
		"skill double hyphen": {
			good, skillsDoc(strategy, skill("ai--strategy", "x", "x", "Strategy")), `bad skill id "ai--strategy"`},
		"skill without category": {
			good, skillsDoc(strategy, skill("ai-strategy", "x", "x", "")), `"ai-strategy" lacks its English name, French name or category`},
		"skill without French": {
			good, skillsDoc(strategy, skill("ai-strategy", "x", "", "Strategy")), `"ai-strategy" lacks its English name, French name or category`},
		"duplicate skill": {good,
			skillsDoc(strategy, skill("gdpr", "x", "x", "Strategy"), skill("gdpr", "x", "x", "Strategy")), `duplicate id "gdpr"`},
		"unlisted category": {
			good, skillsDoc(strategy, skill("gdpr", "x", "x", "Compliance")), `category "Compliance", which is not listed`},
		"category without French": {
			good, skillsDoc([]string{category("Strategy", "")}, skill("ai-strategy", "x", "x", "Strategy")),
			`category "Strategy" lacks its English or French name`},
		"duplicate category": {
			good, skillsDoc(append(strategy, category("Strategy", "Autre")), skill("ai-strategy", "x", "x", "Strategy")),
			`duplicate category "Strategy"`},
		"category without skills": {
			good, skillsDoc(append(strategy, category("Data", "Données")), skill("ai-strategy", "x", "x", "Strategy")),
			`category "Data" has no skills`},
	}
	for name, c := range cases {
		_, err := parse([]byte(c.sectors), []byte(c.skills))
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: parse error = %v, want one containing %q", name, err, c.wantErr)
		}
	}
}

func TestSectorCounts(t *testing.T) {
	var sections, divisions int
	for _, s := range Sectors() {
		if s.ParentID == "" {
			sections++
		} else {
			divisions++
		}
	}
	if sections != 22 {
		t.Errorf("sections = %d, want 22", sections)
	}
	if divisions != 87 {
		t.Errorf("divisions = %d, want 87", divisions)
	}
}

func TestSectorStructure(t *testing.T) {
	seen := map[string]bool{}
	var currentSection string
	var lastCode string
	for i, s := range Sectors() {
		if seen[s.ID] {
			t.Errorf("duplicate id %q", s.ID)
		}
		seen[s.ID] = true
		if s.Name == "" || strings.TrimSpace(s.Name) != s.Name {
			t.Errorf("%s: bad name %q", s.ID, s.Name)
		}
		if s.ParentID == "" {
			if len(s.ID) != 1 || s.ID < "A" || s.ID > "V" {
				t.Errorf("bad section id %q", s.ID)
			}
			if s.ID <= currentSection {
				t.Errorf("section %q out of order after %q", s.ID, currentSection)
			}
			currentSection = s.ID
			continue
		}
		if i == 0 {
			t.Fatalf("first sector %q is a division", s.ID)
		}
		if !IsSection(s.ParentID) {
			t.Errorf("division %q: parent %q is not a section", s.ID, s.ParentID)
		}
		if !strings.HasPrefix(s.ID, s.ParentID) || len(s.ID) != 3 {
			t.Errorf("division %q does not start with its section %q", s.ID, s.ParentID)
		}
		if s.ParentID != currentSection {
			t.Errorf("division %q (parent %q) listed under section %q", s.ID, s.ParentID, currentSection)
		}
		if s.ID[1:] <= lastCode {
			t.Errorf("division %q out of code order after %q", s.ID, lastCode)
		}
		lastCode = s.ID[1:]
	}
	if currentSection != "V" {
		t.Errorf("last section = %q, want V", currentSection)
	}
}

func TestKnownSectors(t *testing.T) {
	want := map[string]struct{ parent, name string }{
		"C21": {"C", "Manufacture of basic pharmaceutical products and pharmaceutical preparations"},
		"L64": {"L", "Financial service activities, except insurance and pension funding"},
		"R86": {"R", "Human health activities"},
		"C30": {"C", "Manufacture of other transport equipment"},
		"D35": {"D", "Electricity, gas, steam and air conditioning supply"},
		"K61": {"K", "Telecommunication"},
		"L65": {"L", "Insurance, reinsurance and pension funding, except compulsory social security"},
		"P84": {"P", "Public administration and defence; compulsory social security"},
		"G47": {"G", "Retail trade"},
		"C10": {"C", "Manufacture of food products"},
		"H49": {"H", "Land transport and transport via pipelines"},
		"K62": {"K", "Computer programming, consulting and related activities"},
		"K63": {"K", "Computing infrastructure, data processing, hosting and other information service activities"},
		"J60": {"J", "Programming, broadcasting, news agency and other content distribution activities"},
	}
	for id, w := range want {
		s, ok := SectorByID(id)
		if !ok {
			t.Errorf("SectorByID(%q) not found", id)
			continue
		}
		if s.ID != id || s.ParentID != w.parent || s.Name != w.name {
			t.Errorf("SectorByID(%q) = %+v, want parent %q name %q", id, s, w.parent, w.name)
		}
	}
	// Rev. 2 codes that no longer exist in Rev. 2.1.
	for _, id := range []string{"G45", "J62", "K64", "c21", "C99", "", "C2"} {
		if _, ok := SectorByID(id); ok {
			t.Errorf("SectorByID(%q) unexpectedly found", id)
		}
	}
	if s, ok := SectorByID("C"); !ok || s.Name != "Manufacturing" || s.ParentID != "" {
		t.Errorf("SectorByID(C) = %+v, %v", s, ok)
	}
}

func TestIsSection(t *testing.T) {
	for _, id := range []string{"A", "C", "K", "V"} {
		if !IsSection(id) {
			t.Errorf("IsSection(%q) = false", id)
		}
	}
	for _, id := range []string{"C21", "W", "c", "", "CC"} {
		if IsSection(id) {
			t.Errorf("IsSection(%q) = true", id)
		}
	}
}

func TestSectionOf(t *testing.T) {
	cases := map[string]string{
		"C21": "C",
		"C":   "C",
		"K62": "K",
		"V99": "V",
		"A":   "A",
		"C99": "",
		"c21": "",
		"X":   "",
		"":    "",
		"G45": "",
	}
	for in, want := range cases {
		if got := SectionOf(in); got != want {
			t.Errorf("SectionOf(%q) = %q, want %q", in, got, want)
		}
	}
}

var requiredSkills = []string{
	"ai-strategy", "ai-governance", "ai-act-compliance", "gdpr", "data-governance",
	"data-architecture", "data-quality", "mlops", "machine-learning", "deep-learning",
	"generative-ai", "llm-applications", "nlp", "computer-vision", "cloud-architecture",
	"big-data", "change-management", "ai-literacy-training", "product-management",
	"agile-delivery", "cybersecurity", "risk-management", "business-case-roi",
	"vendor-selection", "kpi-design", "stakeholder-management", "responsible-ai",
	"team-building", "innovation-partnerships", "prompt-engineering",
}

func TestRequiredSkills(t *testing.T) {
	for _, id := range requiredSkills {
		s, ok := SkillByID(id)
		if !ok {
			t.Errorf("SkillByID(%q) not found", id)
			continue
		}
		if s.ID != id || s.Name == "" || s.Category == "" {
			t.Errorf("SkillByID(%q) = %+v", id, s)
		}
	}
	if _, ok := SkillByID("AI-Strategy"); ok {
		t.Error("SkillByID is not case-sensitive")
	}
	if _, ok := SkillByID("no-such-skill"); ok {
		t.Error("SkillByID(no-such-skill) found")
	}
}

func TestSkillsOrderAndIDs(t *testing.T) {
	skills := Skills()
	if len(skills) < len(requiredSkills) {
		t.Fatalf("only %d skills", len(skills))
	}
	seen := map[string]bool{}
	for i, s := range skills {
		if seen[s.ID] {
			t.Errorf("duplicate skill %q", s.ID)
		}
		seen[s.ID] = true
		if !isSkillID(s.ID) {
			t.Errorf("skill id %q is not kebab-case", s.ID)
		}
		if got, ok := SkillByID(s.ID); !ok || got != s {
			t.Errorf("SkillByID(%q) = %+v, %v; want %+v", s.ID, got, ok, s)
		}
		if i > 0 {
			p := skills[i-1]
			if p.Category > s.Category || (p.Category == s.Category && p.ID >= s.ID) {
				t.Errorf("skills out of order: %+v before %+v", p, s)
			}
		}
	}
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	sectors := Sectors()
	first := sectors[0]
	sectors[0] = Sector{ID: "Z", Name: "mutated"}
	if got := Sectors()[0]; got != first {
		t.Errorf("Sectors()[0] = %+v after caller mutation, want %+v", got, first)
	}
	if s, ok := SectorByID(first.ID); !ok || s != first {
		t.Errorf("SectorByID(%q) changed after caller mutation", first.ID)
	}

	skills := Skills()
	firstSkill := skills[0]
	skills[0].Name = "mutated"
	if got := Skills()[0]; got != firstSkill {
		t.Errorf("Skills()[0] = %+v after caller mutation, want %+v", got, firstSkill)
	}
	if s, _ := SkillByID(firstSkill.ID); s != firstSkill {
		t.Errorf("SkillByID(%q) changed after caller mutation", firstSkill.ID)
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			_ = Sectors()
			_ = SectionOf("C21")
			_, _ = SkillByID("gdpr")
		}()
	}
	for range 8 {
		<-done
	}
}

func TestLanguages(t *testing.T) {
	if n := len(languages); n != 184 {
		t.Errorf("%d ISO 639-1 codes, want 184", n)
	}
	for code := range languages {
		if len(code) != 2 || strings.ToLower(code) != code {
			t.Errorf("bad language code %q", code)
		}
	}
	for _, code := range []string{"fr", "en", "de", "nl", "zh", "zu", "aa"} {
		if !IsLanguage(code) {
			t.Errorf("IsLanguage(%q) = false", code)
		}
	}
	for _, code := range []string{"FR", "Fr", "fra", "xx", "", "f", "mo"} {
		if IsLanguage(code) {
			t.Errorf("IsLanguage(%q) = true", code)
		}
	}
}

func TestCountries(t *testing.T) {
	if n := len(countries); n != 249 {
		t.Errorf("%d ISO 3166-1 alpha-2 codes, want 249", n)
	}
	for code := range countries {
		if len(code) != 2 || strings.ToUpper(code) != code {
			t.Errorf("bad country code %q", code)
		}
	}
	for _, code := range []string{"FR", "DE", "US", "GB", "AX", "SS", "ZW"} {
		if !IsCountry(code) {
			t.Errorf("IsCountry(%q) = false", code)
		}
	}
	for _, code := range []string{"XX", "fr", "Fr", "FRA", "", "UK", "EU", "XK"} {
		if IsCountry(code) {
			t.Errorf("IsCountry(%q) = true", code)
		}
	}
}
