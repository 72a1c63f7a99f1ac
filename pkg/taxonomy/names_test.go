package taxonomy

import (
	"strings"
	"testing"
	"unicode"
)

// checkName holds every name, English or French, to the typography explanations rely on:
// trimmed, single spaces, ASCII apostrophes as in the English files, and in French a space
// before a semicolon.
func checkName(t *testing.T, what, name string, french bool) {
	t.Helper()
	switch {
	case name == "":
		t.Errorf("%s: missing name", what)
	case strings.TrimSpace(name) != name || strings.Contains(name, "  "):
		t.Errorf("%s: stray spaces in %q", what, name)
	case strings.ContainsAny(name, "\u2019\u2018`\u00a0\u202f"):
		t.Errorf("%s: %q must use ASCII apostrophes and plain spaces", what, name)
	case !unicode.IsUpper([]rune(name)[0]):
		t.Errorf("%s: %q does not start with a capital", what, name)
	case french && strings.Contains(strings.ReplaceAll(name, " ;", ""), ";"):
		t.Errorf("%s: %q needs a space before its semicolon", what, name)
	}
}

func TestEveryEntryHasBothNames(t *testing.T) {
	for _, s := range Sectors() {
		checkName(t, "sector "+s.ID, s.Name, false)
		checkName(t, "sector "+s.ID+" (fr)", s.NameFr, true)
	}
	for _, s := range Skills() {
		checkName(t, "skill "+s.ID, s.Name, false)
		checkName(t, "skill "+s.ID+" (fr)", s.NameFr, true)
		checkName(t, "category of "+s.ID, s.Category, false)
		checkName(t, "category of "+s.ID+" (fr)", s.CategoryFr, true)
	}
	for mt := MissionTypeAIStrategy; mt < MissionTypeCount; mt++ {
		if mt.NameIn("fr") == "" || mt.NameIn("fr") == mt.NameIn("en") {
			t.Errorf("mission type %d: French name %q", mt, mt.NameIn("fr"))
		}
	}
}

// A division whose English title equals its section's (D35, M68, P84, Q85, V99) must do the
// same in French, and a division never shares a title with a section it does not belong to.
func TestFrenchSectorNamesFollowTheEnglishOnes(t *testing.T) {
	byFrench := map[string]Sector{}
	for _, s := range Sectors() {
		if other, seen := byFrench[s.NameFr]; seen && other.ID != s.ParentID {
			t.Errorf("%s and %s share the French name %q", other.ID, s.ID, s.NameFr)
		}
		byFrench[s.NameFr] = s
		if s.ParentID == "" {
			continue
		}
		parent, _ := SectorByID(s.ParentID)
		if (s.Name == parent.Name) != (s.NameFr == parent.NameFr) {
			t.Errorf("%s: English name equal to its section's: %v, French: %v",
				s.ID, s.Name == parent.Name, s.NameFr == parent.NameFr)
		}
	}
}

func TestKnownFrenchNames(t *testing.T) {
	sectors := map[string]string{
		"C":   "Industrie manufacturière",
		"C29": "Industrie automobile",
		"C21": "Industrie pharmaceutique",
		"K":   "Télécommunications, programmation informatique, conseil, infrastructure informatique et autres services d'information",
		"L":   "Activités financières et d'assurance",
		"L65": "Assurance, réassurance et caisses de retraite, à l'exclusion de la sécurité sociale obligatoire",
		"P84": "Administration publique et défense ; sécurité sociale obligatoire",
	}
	for id, want := range sectors {
		if got := SectorName(id, "fr"); got != want {
			t.Errorf("SectorName(%q, fr) = %q, want %q", id, got, want)
		}
	}
	skills := map[string]string{
		"generative-ai":   "IA générative",
		"data-governance": "Gouvernance des données",
		"mlops":           "MLOps",
		"gdpr":            "RGPD et protection des données",
	}
	for id, want := range skills {
		if got := SkillName(id, "fr"); got != want {
			t.Errorf("SkillName(%q, fr) = %q, want %q", id, got, want)
		}
	}
	if s, _ := SkillByID("ai-act-compliance"); s.CategoryIn("fr") != "Gouvernance et conformité" ||
		s.CategoryIn("en") != "Governance & compliance" {
		t.Errorf("ai-act-compliance categories = %q / %q", s.CategoryIn("fr"), s.CategoryIn("en"))
	}
}

func TestNameInFallsBackToEnglish(t *testing.T) {
	for _, lang := range []string{"en", "", "de", "FR", "fr-FR"} {
		if got := SectorName("C29", lang); got != "Manufacture of motor vehicles, trailers and semi-trailers" {
			t.Errorf("SectorName(C29, %q) = %q", lang, got)
		}
		if got := SkillName("generative-ai", lang); got != "Generative AI" {
			t.Errorf("SkillName(generative-ai, %q) = %q", lang, got)
		}
		if got := MissionTypeChangeManagement.NameIn(lang); got != "change management" {
			t.Errorf("MissionTypeChangeManagement.NameIn(%q) = %q", lang, got)
		}
	}
}

func TestUnknownIDsNameThemselves(t *testing.T) {
	for _, id := range []string{"G45", "", "c21"} {
		if got := SectorName(id, "fr"); got != id {
			t.Errorf("SectorName(%q, fr) = %q, want the id", id, got)
		}
	}
	if got := SkillName("no-such-skill", "fr"); got != "no-such-skill" {
		t.Errorf("SkillName(no-such-skill, fr) = %q", got)
	}
}

func TestMissionTypeNames(t *testing.T) {
	want := map[MissionType][2]string{
		MissionTypeAIStrategy:           {"AI strategy", "stratégie IA"},
		MissionTypeTransformationLaunch: {"transformation launch", "lancement de transformation"},
		MissionTypeChangeManagement:     {"change management", "conduite du changement"},
		MissionTypeRiskAndCompliance:    {"risk and compliance", "risques et conformité"},
		MissionType(-1):                 {"unknown", "inconnu"},
		MissionTypeCount:                {"unknown", "inconnu"},
	}
	for mt, w := range want {
		if got := mt.NameIn("en"); got != w[0] || mt.String() != w[0] {
			t.Errorf("MissionType(%d): NameIn(en) = %q, String() = %q, want %q", mt, got, mt.String(), w[0])
		}
		if got := mt.NameIn("fr"); got != w[1] {
			t.Errorf("MissionType(%d).NameIn(fr) = %q, want %q", mt, got, w[1])
		}
	}
}
