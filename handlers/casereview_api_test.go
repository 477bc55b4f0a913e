package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

func caseReviewServer(t *testing.T, opts ...handlerstest.Option) *handlerstest.Server {
	t.Helper()
	s := demoServerWith(t, opts...)
	if _, err := s.Store.LoadDemoPolicies(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

type checkAnswer struct {
	Area                string  `json:"area"`
	PolicyVersion       int     `json:"policy_version"`
	Result              string  `json:"result"`
	Route               *string `json:"route"`
	QualifyingIncidents int     `json:"qualifying_incidents"`
	Complaints          []struct {
		Index      int    `json:"index"`
		Qualifying bool   `json:"qualifying"`
		Reason     string `json:"reason"`
	} `json:"complaints"`
	Explanation string `json:"explanation"`
	Error       string `json:"error"`
	Field       string `json:"field"`
}

func postCheck(t *testing.T, s *handlerstest.Server, body string) (int, checkAnswer) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/case-review/check", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var a checkAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, a
}

const threeNoise = `[
 {"incident": "a", "problem": "noise at no. 4", "occurred_on": "2026-09-01", "reported_on": "2026-09-02", "agency": "police", "complainant": "me", "hate": false},
 {"incident": "b", "problem": "noise at no. 4", "occurred_on": "2026-09-20", "reported_on": "2026-09-21", "agency": "council", "complainant": "me", "hate": false},
 {"incident": "c", "problem": "noise at no. 4", "occurred_on": "2026-10-05", "reported_on": "2026-10-05", "agency": "housing", "complainant": "me", "hate": false},
 {"incident": "d", "problem": "noise at no. 4", "occurred_on": "2026-08-01", "reported_on": "2026-09-10", "agency": "police", "complainant": "me", "hate": false}]`

func TestCaseReviewCheckDemoPolicies(t *testing.T) {
	s := caseReviewServer(t)
	status, a := postCheck(t, s, `{"area": "demo-north", "application_date": "2026-11-21", "complaints": `+threeNoise+`}`)
	if status != 200 || a.Result != "met" || a.Route == nil || *a.Route != "statutory" || a.QualifyingIncidents != 3 || a.PolicyVersion != 1 {
		t.Fatalf("north: %d %+v", status, a)
	}
	if a.Complaints[3].Qualifying || a.Complaints[3].Reason != "reported 40 days after it happened; a complaint must be made within one month" {
		t.Fatalf("late complaint: %+v", a.Complaints[3])
	}
	if !a.Complaints[0].Qualifying || a.Explanation == "" {
		t.Fatalf("first complaint or explanation: %+v", a)
	}

	two := `[{"incident": "a", "problem": "p", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "police", "complainant": "me"},
	         {"incident": "b", "problem": "p", "occurred_on": "2026-11-05", "reported_on": "2026-11-06", "agency": "police", "complainant": "me"}]`
	if _, a := postCheck(t, s, `{"area": "demo-north", "application_date": "2026-11-21", "complaints": `+two+`}`); a.Result != "not_met" || a.Route != nil {
		t.Fatalf("two in the north: %+v", a)
	}
	if _, a := postCheck(t, s, `{"area": "demo-south", "application_date": "2026-11-21", "complaints": `+two+`}`); a.Result != "met" || *a.Route != "statutory" {
		t.Fatalf("two in the south: %+v", a)
	}
	hate := `[{"incident": "a", "problem": "abuse", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "police", "complainant": "me", "hate": true}]`
	if _, a := postCheck(t, s, `{"area": "demo-north", "application_date": "2026-11-21", "complaints": `+hate+`}`); a.Result != "met" || *a.Route != "hate" {
		t.Fatalf("hate in the north: %+v", a)
	}
	if _, a := postCheck(t, s, `{"area": "demo-south", "application_date": "2026-11-21", "complaints": `+hate+`}`); a.Result != "not_met" {
		t.Fatalf("hate in the south: %+v", a)
	}
}

func TestCaseReviewCheckDefaultsToToday(t *testing.T) {
	today := time.Date(2026, 11, 14, 23, 30, 0, 0, time.UTC) // 14 November in London
	s := caseReviewServer(t, func(c *handlers.Config) { c.Now = func() time.Time { return today } })
	_, a := postCheck(t, s, `{"area": "demo-south", "complaints": [{"incident": "a", "problem": "p", "occurred_on": "2026-05-15", "reported_on": "2026-05-15", "agency": "police"}]}`)
	if !a.Complaints[0].Qualifying {
		t.Fatalf("six months beginning 15 May include 14 November: %+v", a)
	}
	today = time.Date(2026, 11, 15, 0, 30, 0, 0, time.UTC)
	_, a = postCheck(t, s, `{"area": "demo-south", "complaints": [{"incident": "a", "problem": "p", "occurred_on": "2026-05-15", "reported_on": "2026-05-15", "agency": "police"}]}`)
	if a.Complaints[0].Qualifying {
		t.Fatalf("six months beginning 15 May end on 14 November: %+v", a)
	}
}

func TestCaseReviewCheckErrors(t *testing.T) {
	s := caseReviewServer(t)
	one := func(fields string) string {
		return `{"area": "demo-north", "application_date": "2026-11-21", "complaints": [{"incident": "a", "problem": "p", "agency": "police", ` + fields + `}]}`
	}
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"bad application date", `{"area": "demo-north", "application_date": "21/11/2026", "complaints": []}`, 400, "application_date"},
		{"empty list", `{"area": "demo-north", "application_date": "2026-11-21", "complaints": []}`, 400, "complaints"},
		{"bad occurred date", one(`"occurred_on": "2026-02-30", "reported_on": "2026-11-01"`), 400, "complaints[0].occurred_on"},
		{"reported before it happened", one(`"occurred_on": "2026-11-05", "reported_on": "2026-11-01"`), 400, "complaints[0].reported_on"},
		{"reported after the application", one(`"occurred_on": "2026-11-05", "reported_on": "2026-11-22"`), 400, "complaints[0].reported_on"},
		{"unknown agency", `{"area": "demo-north", "application_date": "2026-11-21", "complaints": [
			{"incident": "a", "problem": "p", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "police"},
			{"incident": "b", "problem": "p", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "army"}]}`, 400, "complaints[1].agency"},
		{"wrong type", `{"area": "demo-north", "complaints": [{"hate": "yes"}]}`, 400, "complaints.hate"},
		{"unknown field", `{"area": "demo-north", "complaints": [], "extra": 1}`, 400, ""},
		{"not JSON", `area=demo-north`, 400, ""},
		{"two objects", `{"area": "demo-north"} {}`, 400, ""},
		{"no area", `{"complaints": []}`, 400, "area"},
		{"unknown area", one(`"occurred_on": "2026-11-01", "reported_on": "2026-11-01"`)[0:9] + `"nowhere"` + one(`"occurred_on": "2026-11-01", "reported_on": "2026-11-01"`)[21:], 404, "area"},
		{"NUL in a field", `{"area": "demo-north", "application_date": "2026-11-21", "complaints": [{"incident": "a\u0000", "problem": "p", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "police"}]}`, 400, "complaints[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := postCheck(t, s, tt.body)
			if status != tt.status || a.Field != tt.field || a.Error == "" {
				t.Fatalf("got %d %q %q, want %d field %q", status, a.Field, a.Error, tt.status, tt.field)
			}
		})
	}
}

func TestCaseReviewCheckRateLimit(t *testing.T) {
	s := caseReviewServer(t, func(c *handlers.Config) { c.Limits.API = portal.Limit{Name: "api", Max: 2, Window: time.Minute} })
	body := `{"area": "demo-south", "complaints": [{"incident": "a", "problem": "p", "occurred_on": "2026-11-01", "reported_on": "2026-11-01", "agency": "police"}]}`
	postCheck(t, s, body)
	postCheck(t, s, body)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/case-review/check", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestCaseReviewCheckRefusesCrossSiteBrowsers(t *testing.T) {
	s := caseReviewServer(t)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/case-review/check", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
