// Package prometheus_test checks the monitoring material of deploy/: the alert rules of
// alerts.yaml (promtool check rules, and the unit tests of alerts_test.yaml through promtool
// test rules), the Grafana dashboards of deploy/grafana (JSON, every query valid PromQL), that
// every alert has its runbook in docs/RELIABILITY.md and is tested both firing and silent, and
// that every metric they read is one docs/METRICS.md documents. `make promtool-check` runs it
// with the pinned promtool (tools/promtool.sh); without promtool the tests that need it skip,
// except under CI=true, where they fail.
package prometheus_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	rulesFile      = "alerts.yaml"
	ruleTestsFile  = "alerts_test.yaml"
	dashboardsDir  = "../grafana"
	runbookDoc     = "../../docs/RELIABILITY.md"
	metricsDoc     = "../../docs/METRICS.md"
	runbookURLBase = "https://github.com/caiomatch/caiomatch/blob/main/docs/RELIABILITY.md#"
)

// promtool finds the promtool to run: $PROMTOOL, else the repository's bin/promtool (put there
// by tools/promtool.sh).
func promtool(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PROMTOOL")
	if path == "" {
		abs, err := filepath.Abs("../../bin/promtool")
		if err != nil {
			t.Fatal(err)
		}
		path = abs
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtool not found at %s (CI=true: it must run; tools/promtool.sh installs it)", path)
		}
		t.Skipf("promtool not found at %s: run tools/promtool.sh (or make promtool-check); this test fails under CI=true", path)
	}
	return path
}

func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string           `yaml:"eval_time"`
			AlertName string           `yaml:"alertname"`
			ExpAlerts []map[string]any `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var f ruleFile
	readYAML(t, rulesFile, &f)
	var all []rule
	for _, g := range f.Groups {
		all = append(all, g.Rules...)
	}
	if len(all) == 0 {
		t.Fatalf("%s has no rules", rulesFile)
	}
	return all
}

func TestRulesPassPromtoolCheck(t *testing.T) {
	out := runPromtool(t, "check", "rules", rulesFile)
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check rules: no SUCCESS in\n%s", out)
	}
}

func TestAlertsPassTheirUnitTests(t *testing.T) {
	out := runPromtool(t, "test", "rules", ruleTestsFile)
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules: no SUCCESS in\n%s", out)
	}
}

// TestEveryAlertIsActionableAndTested: a severity an on-call rotation routes, a summary and a
// description, a runbook that exists, and unit tests where it fires and where it stays silent.
func TestEveryAlertIsActionableAndTested(t *testing.T) {
	var tests ruleTests
	readYAML(t, ruleTestsFile, &tests)
	if !slices.Equal(tests.RuleFiles, []string{rulesFile}) {
		t.Errorf("%s tests rule_files %v, want [%s]", ruleTestsFile, tests.RuleFiles, rulesFile)
	}
	firing, silent := map[string]int{}, map[string]int{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				firing[a.AlertName]++
			} else {
				silent[a.AlertName]++
			}
		}
	}
	sections := headingSections(t, runbookDoc)
	alerts := map[string]bool{}
	for _, r := range loadRules(t) {
		if r.Alert == "" || alerts[r.Alert] {
			continue
		}
		alerts[r.Alert] = true
		if s := r.Labels["severity"]; s != "critical" && s != "warning" {
			t.Errorf("%s: severity %q, want critical or warning", r.Alert, s)
		}
		for _, key := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[key]) == "" {
				t.Errorf("%s: no %s annotation", r.Alert, key)
			}
		}
		anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], runbookURLBase)
		switch {
		case !ok:
			t.Errorf("%s: runbook_url %q is not under %s", r.Alert, r.Annotations["runbook_url"], runbookURLBase)
		case anchor != strings.ToLower(r.Alert):
			t.Errorf("%s: runbook anchor %q, want its own, %q", r.Alert, anchor, strings.ToLower(r.Alert))
		case !sectionHas(sections, anchor):
			t.Errorf("%s: docs/RELIABILITY.md has no heading for #%s", r.Alert, anchor)
		default:
			row := "| [" + r.Alert + "](#" + anchor + ") | " + r.Labels["severity"] + " |"
			if !strings.Contains(sections["alerts"], row) {
				t.Errorf("%s: the table of docs/RELIABILITY.md's Alerts has no row starting %q", r.Alert, row)
			}
			for _, part := range []string{"**Means.**", "**Likely causes.**", "**Do.**"} {
				if !strings.Contains(sections[anchor], part) {
					t.Errorf("%s: its runbook in docs/RELIABILITY.md has no %s", r.Alert, part)
				}
			}
		}
		if firing[r.Alert] == 0 {
			t.Errorf("%s: no unit test in %s where it fires", r.Alert, ruleTestsFile)
		}
		if silent[r.Alert] == 0 {
			t.Errorf("%s: no unit test in %s where it stays silent (exp_alerts: [])", r.Alert, ruleTestsFile)
		}
	}
	for name := range firing {
		if !alerts[name] {
			t.Errorf("%s tests %s, which %s does not define", ruleTestsFile, name, rulesFile)
		}
	}
	for name := range silent {
		if !alerts[name] {
			t.Errorf("%s tests %s, which %s does not define", ruleTestsFile, name, rulesFile)
		}
	}
}

func sectionHas(sections map[string]string, anchor string) bool {
	_, ok := sections[anchor]
	return ok
}

// headingSections maps the fragment GitHub gives each Markdown heading of path to the text
// under it, up to the next heading.
func headingSections(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	notAnchor := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	current, inCode := "", false
	for line := range strings.SplitSeq(string(raw), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			sections[current] += line + "\n"
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		current = strings.ReplaceAll(notAnchor.ReplaceAllString(strings.ToLower(text), ""), " ", "-")
		sections[current] += ""
	}
	return sections
}

type dashboard struct {
	file       string
	UID        string                    `json:"uid"`
	Title      string                    `json:"title"`
	Panels     []panel                   `json:"panels"`
	Templating struct{ List []variable } `json:"templating"`
}

type panel struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource map[string]any `json:"datasource"`
	Targets    []struct {
		Expr       string         `json:"expr"`
		Datasource map[string]any `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Query      any    `json:"query"`
	Definition string `json:"definition"`
}

func loadDashboards(t *testing.T) []dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no dashboards in %s", dashboardsDir)
	}
	var all []dashboard
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		d.file = filepath.Base(f)
		all = append(all, d)
	}
	return all
}

// queries are a dashboard's PromQL expressions, keyed by where they are.
func (d dashboard) queries() map[string]string {
	out := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for i, tg := range p.Targets {
				out[p.Title+"#"+string(rune('A'+i))] = tg.Expr
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// dataSourced reports whether ds is the dashboard's data source variable.
func dataSourced(ds map[string]any) bool {
	return ds["uid"] == "${DS_PROMETHEUS}" && ds["type"] == "prometheus"
}

// TestDashboardsAreWellFormed: unique uids, the data source chosen by the DS_PROMETHEUS variable
// (so that the same JSON imports and provisions anywhere), queries in every panel, and only
// variables the dashboard defines.
func TestDashboardsAreWellFormed(t *testing.T) {
	uids := map[string]string{}
	usedVar := regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	for _, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: uid %q, title %q: both needed", d.file, d.UID, d.Title)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share uid %q", d.file, other, d.UID)
		}
		uids[d.UID] = d.file
		defined := map[string]bool{}
		for _, v := range d.Templating.List {
			defined[v.Name] = true
		}
		if !slices.ContainsFunc(d.Templating.List, func(v variable) bool {
			return v.Name == "DS_PROMETHEUS" && v.Type == "datasource" && v.Query == "prometheus"
		}) {
			t.Errorf("%s: no datasource variable DS_PROMETHEUS of type prometheus", d.file)
		}
		var walk func([]panel)
		walk = func(ps []panel) {
			for _, p := range ps {
				walk(p.Panels)
				if p.Type == "row" {
					continue
				}
				if !dataSourced(p.Datasource) {
					t.Errorf("%s, panel %q: datasource %v, want ${DS_PROMETHEUS}", d.file, p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("%s, panel %q: no query", d.file, p.Title)
				}
				for _, tg := range p.Targets {
					if !dataSourced(tg.Datasource) {
						t.Errorf("%s, panel %q: a query's datasource %v, want ${DS_PROMETHEUS}", d.file, p.Title, tg.Datasource)
					}
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("%s, panel %q: an empty query", d.file, p.Title)
					}
					for _, m := range usedVar.FindAllStringSubmatch(tg.Expr, -1) {
						if !strings.HasPrefix(m[1], "__") && !defined[m[1]] {
							t.Errorf("%s, panel %q: $%s is not a variable of the dashboard", d.file, p.Title, m[1])
						}
					}
				}
			}
		}
		walk(d.Panels)
	}
}

var (
	grafanaInterval = regexp.MustCompile(`\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}`)
	grafanaVariable = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*`)
)

// asPromQL turns a dashboard query into plain PromQL: Grafana's intervals become 5m and its
// variables (used in regular-expression matchers) match anything.
func asPromQL(expr string) string {
	expr = grafanaInterval.ReplaceAllString(expr, "5m")
	return grafanaVariable.ReplaceAllString(expr, ".*")
}

// TestDashboardQueriesAreValidPromQL hands every dashboard query to promtool's PromQL parser,
// as the expressions of recording rules (promtool has no query check without a server).
func TestDashboardQueriesAreValidPromQL(t *testing.T) {
	type recording struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []recording
	var where []string
	for _, d := range loadDashboards(t) {
		qs := d.queries()
		keys := make([]string, 0, len(qs))
		for k := range qs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rules = append(rules, recording{Record: "dashboard_query_" + strconv.Itoa(len(rules)), Expr: asPromQL(qs[k])})
			where = append(where, d.file+": "+k)
		}
	}
	doc := map[string]any{"groups": []map[string]any{{"name": "dashboards", "rules": rules}}}
	raw, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboards.rules.yaml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool(t), "check", "rules", path).CombinedOutput()
	if err != nil {
		// Name the panel of each rule promtool refused.
		for i, w := range where {
			if strings.Contains(string(out), `"dashboard_query_`+strconv.Itoa(i)+`"`) {
				t.Errorf("refused: %s: %s", w, rules[i].Expr)
			}
		}
		t.Fatalf("promtool check rules on the dashboards' queries: %v\n%s", err, out)
	}
	if want := strconv.Itoa(len(rules)) + " rules found"; !strings.Contains(string(out), want) {
		t.Fatalf("promtool check rules: want %q in\n%s", want, out)
	}
}

var (
	promqlString    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promqlMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promqlRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlName      = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promqlKeywords  = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true}
	metricInDocs    = regexp.MustCompile("`([A-Za-z_:][A-Za-z0-9_:]*)")
	histogramSuffix = regexp.MustCompile(`_(bucket|count|sum)$`)
)

// metricNames are the metric names expr selects: what is left once strings, label matchers,
// ranges and grouping clauses are gone, less functions, aggregations and keywords.
func metricNames(expr string) []string {
	expr = promqlString.ReplaceAllString(expr, `""`)
	expr = promqlMatchers.ReplaceAllString(expr, " ")
	expr = promqlRanges.ReplaceAllString(expr, " ")
	expr = promqlGrouping.ReplaceAllString(expr, " ")
	var names []string
	for _, at := range promqlName.FindAllStringIndex(expr, -1) {
		m := expr[at[0]:at[1]]
		// The exponent of 1e3 or the unit of a duration outside brackets (offset 5m).
		numeric := at[0] > 0 && strings.ContainsRune("0123456789.", rune(expr[at[0]-1]))
		if numeric || strings.HasSuffix(m, "(") || promqlKeywords[strings.ToLower(m)] {
			continue
		}
		names = append(names, m)
	}
	return names
}

func TestMetricNamesOfAQuery(t *testing.T) {
	got := metricNames(`sum by (http_route) (rate(http_server_request_duration_seconds_count{http_route!~".*/(stream|live)", x="a b"}[5m])) / on (job) group_left (service_name) max(target_info) > 1/60 and bool caiomatch:consumer_pending:max offset 5m or vector(0) * 1e3 > Inf`)
	want := []string{"http_server_request_duration_seconds_count", "target_info", "caiomatch:consumer_pending:max"}
	if !slices.Equal(got, want) {
		t.Fatalf("metricNames = %v, want %v", got, want)
	}
}

// TestEveryMetricIsDocumented: each metric the alerts and dashboards read is one the services
// export under that name, as docs/METRICS.md lists them (a histogram by its base name), or one
// every Prometheus target has (up, target_info, the process_ and go_ collectors), or a
// recording rule of alerts.yaml.
func TestEveryMetricIsDocumented(t *testing.T) {
	raw, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatalf("the metrics contract: %v", err)
	}
	documented := map[string]bool{}
	for _, m := range metricInDocs.FindAllStringSubmatch(string(raw), -1) {
		documented[m[1]] = true
	}
	rules := loadRules(t)
	recorded := map[string]bool{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	known := func(name string) bool {
		switch {
		case name == "up" || name == "target_info" || strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "go_"):
			return true
		case strings.Contains(name, ":"):
			return recorded[name]
		}
		return documented[name] || documented[histogramSuffix.ReplaceAllString(name, "")]
	}
	check := func(where, expr string) {
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, n := range names {
			if !known(n) {
				t.Errorf("%s reads %s, which docs/METRICS.md does not list", where, n)
			}
		}
	}
	for _, r := range rules {
		check(rulesFile+": "+r.Alert+r.Record, r.Expr)
	}
	labelValues := regexp.MustCompile(`^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)`)
	for _, d := range loadDashboards(t) {
		for where, expr := range d.queries() {
			check(d.file+": "+where, asPromQL(expr))
		}
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			m := labelValues.FindStringSubmatch(v.Definition)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(metric, label)", d.file, v.Name, v.Definition)
				continue
			}
			if !known(m[1]) {
				t.Errorf("%s: variable %s reads %s, which docs/METRICS.md does not list", d.file, v.Name, m[1])
			}
		}
	}
}
