package seeddata

import missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"

// The reference lists below are the generator's whole vocabulary. Every sector and skill id is
// checked against pkg/taxonomy by the package tests.

// family is a seed sector family: the NACE Rev. 2.1 divisions a firm or a consultant of that
// family works in, the most typical first.
type family struct {
	label   string // used in headlines and titles
	sectors []string
	weight  int
	// hints are skills typical of the family, added to some profiles.
	hints []string
	// riskHeavy families (regulated) ask for risk and compliance missions more often.
	riskHeavy bool
}

var families = []family{
	{label: "industry and transport", weight: 14, sectors: []string{"C28", "C29", "H49", "H52", "C27", "C25"},
		hints: []string{"predictive-maintenance", "industrial-ai", "forecasting"}},
	{label: "agrifood", weight: 8, sectors: []string{"C10", "C11", "A01", "G46"},
		hints: []string{"forecasting", "process-automation"}},
	{label: "aerospace", weight: 8, sectors: []string{"C30", "H51", "C33", "C26"},
		hints: []string{"predictive-maintenance", "computer-vision", "edge-ai"}},
	{label: "pharma and health", weight: 14, sectors: []string{"C21", "R86", "C32", "N72"}, riskHeavy: true,
		hints: []string{"computer-vision", "data-quality"}},
	{label: "nuclear", weight: 4, sectors: []string{"D35", "N71", "C24", "E38"}, riskHeavy: true,
		hints: []string{"predictive-maintenance", "ai-security"}},
	{label: "banking and insurance", weight: 16, sectors: []string{"L64", "L65", "L66"}, riskHeavy: true,
		hints: []string{"model-risk-management", "forecasting"}},
	{label: "e-commerce", weight: 9, sectors: []string{"G47", "G46", "H53", "N73"},
		hints: []string{"recommender-systems", "forecasting"}},
	{label: "public sector", weight: 10, sectors: []string{"P84", "Q85", "E36"}, riskHeavy: true,
		hints: []string{"process-automation", "ai-literacy-training"}},
	{label: "energy", weight: 9, sectors: []string{"D35", "B06", "C19", "C27"},
		hints: []string{"forecasting", "predictive-maintenance"}},
	{label: "telecoms", weight: 8, sectors: []string{"K61", "K63", "K62", "C26"},
		hints: []string{"cybersecurity", "ai-agents"}},
}

// archetype is a kind of Chief AI Officer: core skills nearly all of them have, extended skills
// some have, and the certifications they tend to hold.
type archetype struct {
	name     string
	weight   int
	core     []string
	extended []string
	certs    []string
	// headlines take the family label as %s.
	headlines []string
}

const (
	archStrategy = iota
	archTechnical
	archGovernance
	archGenAI
)

var archetypes = []archetype{
	archStrategy: {
		name: "strategy", weight: 35,
		core:     []string{"ai-strategy", "business-case-roi", "stakeholder-management", "change-management", "kpi-design"},
		extended: []string{"ai-operating-model", "ai-use-case-portfolio", "vendor-selection", "data-strategy", "team-building"},
		certs:    []string{"PMP", "Prince2 Practitioner", "SAFe Agilist", "Certified Change Management Professional (CCMP)"},
		headlines: []string{
			"Former chief digital officer, led AI transformations in %s",
			"Interim CAIO: AI strategy, business cases and value delivery in %s",
			"Transformation leader turning AI roadmaps into results in %s",
		},
	},
	archTechnical: {
		name: "technical", weight: 22,
		core:     []string{"machine-learning", "mlops", "data-architecture", "cloud-architecture", "big-data", "deep-learning"},
		extended: []string{"data-engineering", "computer-vision", "forecasting", "edge-ai"},
		certs: []string{"AWS Certified Machine Learning – Specialty", "Google Professional ML Engineer",
			"Microsoft Certified: Azure AI Engineer Associate", "Databricks Certified Machine Learning Professional"},
		headlines: []string{
			"Former head of data science, built ML platforms at scale in %s",
			"Interim CAIO with an engineering background: MLOps and data platforms in %s",
			"Data and AI architect turned executive, %s",
		},
	},
	archGovernance: {
		name: "governance", weight: 23,
		core:     []string{"ai-governance", "ai-act-compliance", "gdpr", "risk-management", "responsible-ai", "data-governance"},
		extended: []string{"model-risk-management", "ai-security", "cybersecurity", "data-quality"},
		certs:    []string{"ISO/IEC 42001 Lead Implementer", "CIPP/E", "CISSP", "ISO/IEC 27001 Lead Auditor", "CISA"},
		headlines: []string{
			"AI governance and EU AI Act compliance lead, %s",
			"Former chief risk and data officer, responsible AI in %s",
			"Interim CAIO for regulated AI: governance, risk and data protection in %s",
		},
	},
	archGenAI: {
		name: "generative AI", weight: 20,
		core:     []string{"generative-ai", "llm-applications", "prompt-engineering", "nlp"},
		extended: []string{"retrieval-augmented-generation", "ai-agents", "process-automation"},
		certs: []string{"AWS Certified Machine Learning – Specialty", "Google Professional ML Engineer",
			"Microsoft Certified: Azure AI Engineer Associate", "DeepLearning.AI Generative AI with LLMs"},
		headlines: []string{
			"Generative AI programme lead, LLM applications in production in %s",
			"Interim CAIO: from generative AI pilots to scaled use cases in %s",
			"Former NLP research lead, now scaling generative AI in %s",
		},
	},
}

// crossSkills are held by CAIOs of every kind.
var crossSkills = []string{
	"product-management", "agile-delivery", "ai-literacy-training", "innovation-partnerships",
	"business-intelligence", "data-quality", "team-building", "vendor-selection",
}

// generalCerts are held by CAIOs of every kind.
var generalCerts = []string{
	"PMP", "Prince2 Practitioner", "SAFe Agilist", "ITIL 4 Foundation", "TOGAF Enterprise Architecture",
	"ISO/IEC 42001 Lead Implementer", "CIPP/E", "Professional Scrum Product Owner (PSPO I)",
}

// youngSkills cannot have been practised for long: the longest plausible years of practice.
var youngSkills = map[string]int{
	"ai-act-compliance": 3, "generative-ai": 5, "llm-applications": 4, "prompt-engineering": 4,
	"retrieval-augmented-generation": 3, "ai-agents": 3, "responsible-ai": 8, "mlops": 8,
	"ai-governance": 10, "model-risk-management": 12, "gdpr": 10,
}

// namePool is a set of plausible, common first and last names; combined at random they name no
// one in particular.
type namePool struct {
	lang  string // the mother tongue that goes with the names
	first []string
	last  []string
}

var namePools = map[string]namePool{
	"fr": {lang: "fr",
		first: []string{"Claire", "Julien", "Camille", "Thomas", "Sophie", "Nicolas", "Émilie", "Antoine", "Isabelle",
			"Mathieu", "Nathalie", "Laurent", "Céline", "Pierre", "Aurélie", "Sébastien", "Hélène", "Guillaume",
			"Caroline", "Olivier", "Valérie", "Stéphane", "Sandrine", "François", "Élodie", "Vincent", "Marion",
			"Benoît", "Anne", "Jérôme", "Mathilde", "Hugo", "Léa", "Maxime", "Chloé", "Romain", "Pauline",
			"Alexandre", "Juliette", "Damien", "Agnès", "Arnaud", "Delphine", "Cédric", "Virginie", "Gaël"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
			"Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "David", "Bertrand", "Roux", "Vincent",
			"Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet",
			"François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Henry", "Roussel",
			"Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Robin",
			"Masson", "Sanchez", "Marchand", "Duval", "Denis", "Lemaire", "Colin", "Vidal", "Caron", "Picard"}},
	"de": {lang: "de",
		first: []string{"Anna", "Lukas", "Katharina", "Felix", "Julia", "Maximilian", "Laura", "Jonas", "Sarah",
			"Tobias", "Lena", "Florian", "Miriam", "Stefan", "Johanna", "Matthias", "Sabine", "Andreas"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
			"Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Braun", "Zimmermann"}},
	"es": {lang: "es",
		first: []string{"Lucía", "Javier", "María", "Carlos", "Elena", "Pablo", "Laura", "Alejandro", "Carmen",
			"Daniel", "Marta", "Sergio", "Ana", "Diego", "Nuria", "Jordi"},
		last: []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
			"Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Navarro"}},
	"it": {lang: "it",
		first: []string{"Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo",
			"Valentina", "Andrea", "Elena", "Davide", "Federica", "Lorenzo"},
		last: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
			"Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano"}},
	"nl": {lang: "nl",
		first: []string{"Sanne", "Daan", "Lotte", "Bram", "Eva", "Sem", "Fleur", "Thijs", "Anouk", "Ruben",
			"Iris", "Joost"},
		last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit",
			"Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peeters", "Maes"}},
	"pt": {lang: "pt",
		first: []string{"Inês", "João", "Beatriz", "Tiago", "Mariana", "Miguel", "Ana", "Pedro", "Catarina",
			"Rui", "Sofia", "Nuno"},
		last: []string{"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
			"Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Almeida", "Carvalho"}},
	"en": {lang: "en",
		first: []string{"Emma", "James", "Olivia", "William", "Charlotte", "Oliver", "Amelia", "Harry", "Sophie",
			"Jack", "Grace", "Thomas", "Hannah", "Daniel", "Aoife", "Conor", "Siobhan", "Liam"},
		last: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
			"Wright", "Thompson", "Evans", "Walker", "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan"}},
}

// poolNames lists namePools' keys in a fixed order, for deterministic draws.
var poolNames = []string{"fr", "de", "es", "it", "nl", "pt", "en"}

// city is a place consultants live and missions happen. Every name resolves in pkg/gazetteer.
type city struct {
	name    string
	country string // ISO 3166-1 alpha-2
	// native are the languages of the place, the first the most spoken; maybe are spoken by
	// some locals.
	native []string
	maybe  []string
	pool   string // the names most locals carry
	weight int
}

var cities = []city{
	{name: "Paris", country: "FR", native: []string{"fr"}, pool: "fr", weight: 24},
	{name: "Lyon", country: "FR", native: []string{"fr"}, pool: "fr", weight: 8},
	{name: "Toulouse", country: "FR", native: []string{"fr"}, pool: "fr", weight: 6},
	{name: "Marseille", country: "FR", native: []string{"fr"}, pool: "fr", weight: 4},
	{name: "Lille", country: "FR", native: []string{"fr"}, pool: "fr", weight: 4},
	{name: "Nantes", country: "FR", native: []string{"fr"}, pool: "fr", weight: 4},
	{name: "Bordeaux", country: "FR", native: []string{"fr"}, pool: "fr", weight: 4},
	{name: "Strasbourg", country: "FR", native: []string{"fr"}, maybe: []string{"de"}, pool: "fr", weight: 3},
	{name: "Grenoble", country: "FR", native: []string{"fr"}, pool: "fr", weight: 3},
	{name: "Rennes", country: "FR", native: []string{"fr"}, pool: "fr", weight: 3},
	{name: "Nice", country: "FR", native: []string{"fr"}, maybe: []string{"it"}, pool: "fr", weight: 2},
	{name: "Montpellier", country: "FR", native: []string{"fr"}, pool: "fr", weight: 3},
	{name: "Brussels", country: "BE", native: []string{"fr"}, maybe: []string{"nl"}, pool: "fr", weight: 5},
	{name: "Geneva", country: "CH", native: []string{"fr"}, maybe: []string{"de"}, pool: "fr", weight: 3},
	{name: "Zurich", country: "CH", native: []string{"de"}, maybe: []string{"fr"}, pool: "de", weight: 2},
	{name: "Luxembourg", country: "LU", native: []string{"fr"}, maybe: []string{"de"}, pool: "fr", weight: 3},
	{name: "Munich", country: "DE", native: []string{"de"}, pool: "de", weight: 2},
	{name: "Frankfurt", country: "DE", native: []string{"de"}, pool: "de", weight: 2},
	{name: "Berlin", country: "DE", native: []string{"de"}, pool: "de", weight: 2},
	{name: "Madrid", country: "ES", native: []string{"es"}, pool: "es", weight: 2},
	{name: "Barcelona", country: "ES", native: []string{"es"}, pool: "es", weight: 2},
	{name: "Milan", country: "IT", native: []string{"it"}, pool: "it", weight: 2},
	{name: "Amsterdam", country: "NL", native: []string{"nl"}, pool: "nl", weight: 2},
	{name: "London", country: "GB", native: []string{"en"}, pool: "en", weight: 3},
	{name: "Dublin", country: "IE", native: []string{"en"}, pool: "en", weight: 1},
	{name: "Lisbon", country: "PT", native: []string{"pt"}, pool: "pt", weight: 1},
}

// sameRegion are other places of a city's region, spelt as people type them (a suburb, a
// neighbouring city, the region itself), so that seeded data shows every level of the location
// component.
var sameRegion = map[string][]string{
	"Paris":      {"Boulogne-Billancourt", "Versailles", "Nanterre", "Île-de-France"},
	"Lyon":       {"Villeurbanne", "Saint-Étienne", "Grenoble", "Annecy"},
	"Toulouse":   {"Montpellier", "Nîmes"},
	"Marseille":  {"Aix-en-Provence", "Toulon", "Nice"},
	"Lille":      {"Roubaix", "Tourcoing", "Amiens"},
	"Nantes":     {"Angers", "Le Mans"},
	"Bordeaux":   {"Limoges", "Poitiers"},
	"Strasbourg": {"Metz", "Nancy", "Mulhouse"},
	"Rennes":     {"Brest", "Bretagne"},
	"Brussels":   {"Bruxelles", "Brussel"},
	"Geneva":     {"Genève"},
	"Munich":     {"München", "Nürnberg"},
	"Frankfurt":  {"Wiesbaden"},
	"Barcelona":  {"Catalunya"},
	"Milan":      {"Bergamo", "Milano"},
	"London":     {"Oxford", "Cambridge"},
	"Lisbon":     {"Lisboa", "Distrito de Lisboa"},
}

// unknownTown is not in the gazetteer: its consultants and missions match at country level.
const unknownTown = "Plougastel-Daoulas"

// francophone countries: French is a native language there, so a mission there often asks for
// it.
var francophone = map[string]bool{"FR": true, "BE": true, "CH": true, "LU": true}

// mobilityCountries are where consultants accept to work besides home, the neighbours of France
// most often.
var mobilityCountries = []choice[string]{
	{"FR", 20}, {"BE", 20}, {"CH", 20}, {"LU", 15}, {"DE", 10}, {"GB", 10}, {"ES", 8}, {"IT", 8},
	{"NL", 5}, {"PT", 3}, {"IE", 3},
}

// rateUplift is added to the daily rate of consultants based in more expensive markets.
var rateUplift = map[string]int{"CH": 250, "GB": 150, "LU": 100, "IE": 100}

// missionTypes: how often firms ask for each kind of mission (regulated families ask
// twice as often for risk and compliance).
var missionTypes = []struct {
	t      missionv1.MissionType
	weight int
	// primary archetypes the required skills come from; secondary ones may add one.
	primary, secondary []int
	titles             []string
}{
	{missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, 25,
		[]int{archStrategy}, []int{archGenAI, archTechnical, archGovernance},
		[]string{
			"Interim Chief AI Officer to define our AI strategy (%s)",
			"Transition CAIO: AI roadmap and use-case portfolio for a %s group",
			"Set up our AI strategy and operating model (%s)",
		}},
	{missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH, 35,
		[]int{archStrategy, archTechnical, archGenAI}, []int{archStrategy, archTechnical, archGenAI, archGovernance},
		[]string{
			"Transition CAIO to launch our AI programme (%s)",
			"Interim CAIO: launch of a generative AI programme in %s",
			"Launch and scale our first AI products (%s)",
		}},
	{missionv1.MissionType_MISSION_TYPE_CHANGE_MANAGEMENT, 15,
		[]int{archStrategy}, []int{archGenAI, archGovernance},
		[]string{
			"Interim CAIO to lead AI adoption across our teams (%s)",
			"Transition CAIO: AI change management programme in %s",
		}},
	{missionv1.MissionType_MISSION_TYPE_RISK_AND_COMPLIANCE, 25,
		[]int{archGovernance}, []int{archStrategy, archTechnical},
		[]string{
			"Interim CAIO: EU AI Act compliance programme (%s)",
			"Transition CAIO to set up AI governance and risk management (%s)",
			"AI governance and GDPR alignment for a %s group",
		}},
}
