package taxonomy

// WorkMode is where the work happens: on site, hybrid or remote. Values match the public enum
// (caiomatch.taxonomy.v1.WorkMode); one definition for every service.
type WorkMode int

const (
	WorkModeUnspecified WorkMode = iota
	WorkModeOnSite
	WorkModeHybrid
	WorkModeRemote
)

// MissionType is what a firm needs the transition CAIO for. Values match the public enum
// (caiomatch.mission.v1.MissionType); one definition for every service.
type MissionType int

const (
	MissionTypeUnspecified MissionType = iota
	MissionTypeAIStrategy
	MissionTypeTransformationLaunch
	MissionTypeChangeManagement
	MissionTypeRiskAndCompliance

	// MissionTypeCount sizes arrays indexed by MissionType.
	MissionTypeCount = 5
)

// Names are lower case because they are used inside sentences.
var (
	missionTypeNames = [MissionTypeCount]string{"unspecified", "AI strategy", "transformation launch",
		"change management", "risk and compliance"}
	missionTypeNamesFr = [MissionTypeCount]string{"non précisé", "stratégie IA", "lancement de transformation",
		"conduite du changement", "risques et conformité"}
)

func (t MissionType) String() string {
	if t < 0 || int(t) >= MissionTypeCount {
		return "unknown"
	}
	return missionTypeNames[t]
}

// NameIn returns the mission type's name in lang: French for "fr", English otherwise.
func (t MissionType) NameIn(lang string) string {
	if t < 0 || int(t) >= MissionTypeCount {
		return inLanguage(lang, "unknown", "inconnu")
	}
	return inLanguage(lang, missionTypeNames[t], missionTypeNamesFr[t])
}
