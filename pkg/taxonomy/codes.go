package taxonomy

import (
	"slices"
	"strings"
)

// iso639_1 lists every ISO 639-1 two-letter language code (184, lower
// case), including "sh" (Serbo-Croatian), which is deprecated but still
// listed by the registration authority.
const iso639_1 = `
aa ab ae af ak am an ar as av ay az
ba be bg bi bm bn bo br bs
ca ce ch co cr cs cu cv cy
da de dv dz
ee el en eo es et eu
fa ff fi fj fo fr fy
ga gd gl gn gu gv
ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu
ja jv
ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
la lb lg li ln lo lt lu lv
mg mh mi mk ml mn mr ms mt my
na nb nd ne ng nl nn no nr nv ny
oc oj om or os
pa pi pl ps pt
qu
rm rn ro ru rw
sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty
ug uk ur uz
ve vi vo
wa wo
xh
yi yo
za zh zu
`

// iso3166_1 lists every officially assigned ISO 3166-1 alpha-2 country
// code (249, upper case). Exceptionally or transitionally reserved codes
// (EU, UK, XK, ...) are deliberately absent.
const iso3166_1 = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW
`

var (
	languages = codeSet(iso639_1)
	countries = codeSet(iso3166_1)
)

func codeSet(list string) map[string]struct{} {
	fields := strings.Fields(list)
	set := make(map[string]struct{}, len(fields))
	for _, f := range fields {
		set[f] = struct{}{}
	}
	return set
}

// IsLanguage reports whether code is an ISO 639-1 language code. The match
// is exact: only the canonical lower-case form is accepted ("fr", not "FR").
func IsLanguage(code string) bool {
	_, ok := languages[code]
	return ok
}

// IsCountry reports whether code is an officially assigned ISO 3166-1
// alpha-2 country code. The match is exact: only the canonical upper-case
// form is accepted ("FR", not "fr").
func IsCountry(code string) bool {
	_, ok := countries[code]
	return ok
}

// Countries returns every ISO 3166-1 alpha-2 code, sorted. Its order is stable, so a
// country's position can serve as a compact code.
func Countries() []string {
	return sortedFields(iso3166_1)
}

// Languages returns every ISO 639-1 code, sorted.
func Languages() []string {
	return sortedFields(iso639_1)
}

func sortedFields(list string) []string {
	fields := strings.Fields(list)
	slices.Sort(fields)
	return fields
}
