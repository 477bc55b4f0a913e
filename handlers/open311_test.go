package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// open311Server is a server with the demo geography and one API key.
func open311Server(t *testing.T, perMinute int, opts ...handlerstest.Option) (*handlerstest.Server, string) {
	t.Helper()
	s := newServer(t, opts...)
	ctx := context.Background()
	if _, err := s.Store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.Store.CreateAPIKey(ctx, "Partner CRM", perMinute, portal.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	return s, secret
}

// apiResponse is a raw API answer.
type apiResponse struct {
	status int
	header http.Header
	body   string
}

// apiDo sends a request as a partner's server would: no cookies, no
// Origin, no Sec-Fetch-Site.
func apiDo(t *testing.T, s *handlerstest.Server, method, path string, form url.Values, header map[string]string) apiResponse {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResponse{resp.StatusCode, resp.Header, string(b)}
}

func (r apiResponse) want(t *testing.T, status int, ctype string) apiResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != ctype {
		t.Fatalf("Content-Type %q, want %q", got, ctype)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control %q", got)
	}
	return r
}

const (
	jsonType = "application/json; charset=utf-8"
	xmlType  = "text/xml; charset=utf-8"
)

// open311Report is a complete, valid partner submission.
func open311Report(key string) url.Values {
	return url.Values{
		"api_key":                {key},
		"service_code":           {"noise"},
		"address_string":         {db.DemoPostcodes()["north-riverside"][0]},
		"description":            {"Secret detail: music until 3am from number 12"},
		"first_name":             {"Sam"},
		"last_name":              {"Resident"},
		"email":                  {"sam.private@example.org"},
		"phone":                  {"07700 900982"},
		"attribute[hate]":        {"no"},
		"attribute[impacts][]":   {"health", "children"},
		"attribute[occurred_on]": {"2026-11-20"},
	}
}

// wantErrors checks an error answer in the specification's form.
func wantErrors(t *testing.T, r apiResponse, status int, format string, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	var list []struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	if format == "xml" {
		var doc struct {
			XMLName xml.Name
			Errors  []struct {
				Code        int    `xml:"code"`
				Description string `xml:"description"`
			} `xml:"error"`
		}
		if err := xml.Unmarshal([]byte(r.body), &doc); err != nil || doc.XMLName.Local != "errors" {
			t.Fatalf("not <errors>: %v\n%s", err, r.body)
		}
		for _, e := range doc.Errors {
			list = append(list, struct {
				Code        int    `json:"code" xml:"code"`
				Description string `json:"description" xml:"description"`
			}{e.Code, e.Description})
		}
	} else if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatalf("not a JSON error list: %v\n%s", err, r.body)
	}
	if len(list) == 0 {
		t.Fatalf("no errors in %s", r.body)
	}
	all := ""
	for _, e := range list {
		if e.Code != status || e.Description == "" {
			t.Fatalf("error %+v in a %d answer", e, status)
		}
		all += e.Description + "\n"
	}
	for _, c := range contains {
		if !strings.Contains(all, c) {
			t.Fatalf("errors %q lack %q", all, c)
		}
	}
}

type createdJSON []struct {
	ID        string  `json:"service_request_id"`
	Notice    string  `json:"service_notice"`
	AccountID *string `json:"account_id"`
}

func postReport(t *testing.T, s *handlerstest.Server, form url.Values) string {
	t.Helper()
	r := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", form, nil).want(t, 200, jsonType)
	var got createdJSON
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || len(got) != 1 || got[0].AccountID != nil ||
		!strings.Contains(r.body, `"account_id":null`) {
		t.Fatalf("created: %v\n%s", err, r.body)
	}
	if !open311RefRE.MatchString(got[0].ID) || !strings.Contains(got[0].Notice, "999") || !strings.Contains(got[0].Notice, s.URL+"/track") {
		t.Fatalf("created %+v", got[0])
	}
	return got[0].ID
}

func TestOpen311DiscoveryAndServices(t *testing.T) {
	s, _ := open311Server(t, 60)
	apiDo(t, s, "GET", "/open311/v2/discovery.json", nil, nil).want(t, 200, jsonType)
	d := apiDo(t, s, "GET", "/open311/v2/discovery.xml", nil, nil).want(t, 200, xmlType)
	if !strings.Contains(d.body, "<discovery>") || !strings.Contains(d.body, "<format>application/json</format>") {
		t.Fatalf("discovery.xml:\n%s", d.body)
	}

	r := apiDo(t, s, "GET", "/open311/v2/services.json", nil, nil).want(t, 200, jsonType)
	var services []map[string]any
	if err := json.Unmarshal([]byte(r.body), &services); err != nil || len(services) < 10 {
		t.Fatalf("services: %v\n%s", err, r.body)
	}
	var noise map[string]any
	for _, svc := range services {
		if svc["service_code"] == "noise" {
			noise = svc
		}
	}
	if noise == nil || noise["service_name"] != "Noise" || noise["metadata"] != true || noise["type"] != "realtime" ||
		noise["group"] != portal.ASBNuisance.Label() || !strings.Contains(noise["keywords"].(string), "nuisance") ||
		!strings.Contains(noise["description"].(string), "Loud music") {
		t.Fatalf("noise service: %v", noise)
	}
	x := apiDo(t, s, "GET", "/open311/v2/services.xml", nil, nil).want(t, 200, xmlType)
	if !strings.Contains(x.body, "<services><service><service_code>") {
		t.Fatalf("services.xml:\n%s", x.body)
	}

	def := apiDo(t, s, "GET", "/open311/v2/services/noise.json", nil, nil).want(t, 200, jsonType)
	var sd struct {
		Code       string `json:"service_code"`
		Attributes []struct {
			Variable bool   `json:"variable"`
			Code     string `json:"code"`
			Datatype string `json:"datatype"`
			Required bool   `json:"required"`
			Order    int    `json:"order"`
			Values   []struct{ Key, Name string }
		} `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(def.body), &sd); err != nil || sd.Code != "noise" || len(sd.Attributes) == 0 {
		t.Fatalf("definition: %v\n%s", err, def.body)
	}
	hate := sd.Attributes[0]
	if hate.Code != "hate" || hate.Datatype != "singlevaluelist" || !hate.Required || !hate.Variable || hate.Order != 1 ||
		len(hate.Values) != 3 || hate.Values[2].Key != "not-sure" {
		t.Fatalf("hate attribute %+v", hate)
	}
	dx := apiDo(t, s, "GET", "/open311/v2/services/noise.xml", nil, nil).want(t, 200, xmlType)
	for _, want := range []string{"<service_definition>", "<attributes><attribute><variable>true</variable><code>hate</code>",
		"<values><value><key>yes</key><name>Yes</name></value>"} {
		if !strings.Contains(dx.body, want) {
			t.Fatalf("definition.xml lacks %q:\n%s", want, dx.body)
		}
	}
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/services/no-such.json", nil, nil), 400, "json", "service_code")
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/services/no-such.xml", nil, nil), 400, "xml", "service_code")
}

func TestOpen311PostThenGet(t *testing.T) {
	s, key := open311Server(t, 60)
	form := open311Report(key)
	id := postReport(t, s, form)

	private := []string{"Secret detail", "sam.private", "Resident", "07700", "DM1", strings.ReplaceAll(form.Get("address_string"), " ", "")}
	for _, format := range []string{"json", "xml"} {
		r := apiDo(t, s, "GET", "/open311/v2/requests/"+id+"."+format, nil, nil)
		ctype := jsonType
		if format == "xml" {
			ctype = xmlType
		}
		r.want(t, 200, ctype)
		for _, p := range private {
			if strings.Contains(r.body, p) {
				t.Fatalf("%s answer contains %q:\n%s", format, p, r.body)
			}
		}
		for _, want := range []string{id, "open", "Noise", "noise", "Riverside"} {
			if !strings.Contains(r.body, want) {
				t.Fatalf("%s answer lacks %q:\n%s", format, want, r.body)
			}
		}
		if format == "xml" && !strings.Contains(r.body, "<service_requests><request><service_request_id>"+id) {
			t.Fatalf("xml shape:\n%s", r.body)
		}
	}
	r := apiDo(t, s, "GET", "/open311/v2/requests/"+id+".json", nil, nil)
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || len(got) != 1 {
		t.Fatalf("%v\n%s", err, r.body)
	}
	for _, k := range []string{"lat", "long"} {
		v, ok := got[0][k].(float64)
		if !ok || strconv.FormatFloat(v, 'f', -1, 64) != strconv.FormatFloat(portal.RoundCoordinate(v), 'f', -1, 64) {
			t.Fatalf("%s = %v: not rounded to 3 places", k, got[0][k])
		}
	}
	for _, k := range []string{"description", "address", "zipcode", "media_url", "email"} {
		if _, ok := got[0][k]; ok {
			t.Fatalf("answer has %s", k)
		}
	}

	// The partner tells its user; Beacon sends no email of its own.
	conn := open311DB(t, s)
	var emails int
	if err := conn.QueryRow(`SELECT count(*) FROM outbox`).Scan(&emails); err != nil || emails != 0 {
		t.Fatalf("%d emails queued (%v)", emails, err)
	}
	var hate, desc string
	var children bool
	if err := conn.QueryRow(`SELECT hate, description, children_affected FROM reports WHERE reference = $1`, id).Scan(&hate, &desc, &children); err != nil {
		t.Fatal(err)
	}
	if hate != "no" || desc != form.Get("description") || !children {
		t.Fatalf("stored hate=%q desc=%q children=%v", hate, desc, children)
	}
}

func open311DB(t *testing.T, s *handlerstest.Server) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestOpen311ListFilters(t *testing.T) {
	s, key := open311Server(t, 0)
	noise := postReport(t, s, open311Report(key))
	graffiti := open311Report(key)
	graffiti.Set("service_code", "graffiti")
	graffiti.Del("first_name")
	graffiti.Del("last_name")
	graffiti.Del("email")
	graffiti.Del("phone") // anonymous
	pt, err := s.Store.Postcode(context.Background(), strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][1], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	graffiti.Del("address_string")
	graffiti.Set("lat", strconv.FormatFloat(pt.Lat, 'f', 6, 64))
	graffiti.Set("long", strconv.FormatFloat(pt.Lon, 'f', 6, 64))
	closed := postReport(t, s, graffiti)
	if _, err := open311DB(t, s).Exec(`UPDATE reports SET status = 'closed' WHERE reference = $1`, closed); err != nil {
		t.Fatal(err)
	}

	ids := func(t *testing.T, query string) string {
		t.Helper()
		r := apiDo(t, s, "GET", "/open311/v2/requests.json?"+query, nil, nil).want(t, 200, jsonType)
		var got []struct {
			ID     string `json:"service_request_id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("%v\n%s", err, r.body)
		}
		var out []string
		for _, g := range got {
			out = append(out, g.ID+":"+g.Status)
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ query, want string }{
		{"", closed + ":closed," + noise + ":open"},
		{"status=open", noise + ":open"},
		{"status=closed", closed + ":closed"},
		{"status=open,closed", closed + ":closed," + noise + ":open"},
		{"service_code=noise", noise + ":open"},
		{"service_code=graffiti,noise", closed + ":closed," + noise + ":open"},
		{"service_request_id=" + strings.ToLower(noise), noise + ":open"},
		{"service_request_id=" + noise + "," + closed + "&status=open", closed + ":closed," + noise + ":open"},
		{"start_date=2099-01-01T00:00:00Z", ""},
		{"end_date=2020-01-01T00:00:00Z", ""},
		{"start_date=2020-01-01T00:00:00Z&end_date=2099-01-01T00:00:00Z&service_code=graffiti", closed + ":closed"},
		{"api_key=" + url.QueryEscape(key) + "&status=open", noise + ":open"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := ids(t, tt.query); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	x := apiDo(t, s, "GET", "/open311/v2/requests.xml?status=closed", nil, nil).want(t, 200, xmlType)
	if !strings.Contains(x.body, "<service_requests><request><service_request_id>"+closed) || !strings.Contains(x.body, "<lat>") {
		t.Fatalf("xml list:\n%s", x.body)
	}
	for _, q := range []string{"service_code=%00", "status=%ff", "service_code=nope", "status=pending", "start_date=yesterday", "service_request_id=12",
		"start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"} {
		wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests.json?"+q, nil, nil), 400, "json")
	}
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests.xml?service_code=nope", nil, nil), 400, "xml", "service_code")
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests/ASB-2222-2222.json", nil, nil), 404, "json", "not found")
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests/ASB-2222-2222.xml", nil, nil), 404, "xml", "not found")
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests/nonsense.json", nil, nil), 404, "json")
}

func TestOpen311PostErrors(t *testing.T) {
	s, key := open311Server(t, 0)
	post := func(format string, change func(url.Values)) apiResponse {
		form := open311Report(key)
		change(form)
		return apiDo(t, s, http.MethodPost, "/open311/v2/requests."+format, form, nil)
	}
	wantErrors(t, post("json", func(f url.Values) { f.Set("service_code", "nope") }), 400, "json", "service_code")
	wantErrors(t, post("xml", func(f url.Values) { f.Set("service_code", "nope") }), 400, "xml", "service_code")
	wantErrors(t, post("json", func(f url.Values) { f.Del("api_key") }), 403, "json", "api_key")
	wantErrors(t, post("xml", func(f url.Values) { f.Set("api_key", key[:len(key)-1]+"x") }), 403, "xml", "api_key")
	wantErrors(t, post("json", func(f url.Values) { f.Set("address_string", db.DemoOutsidePostcode) }), 400, "json", "outside this force's area")
	wantErrors(t, post("json", func(f url.Values) { f.Set("address_string", "OX1 1AA") }), 400, "json", "postcode was not found")
	wantErrors(t, post("json", func(f url.Values) { f.Set("lat", "51.5"); f.Set("long", "-0.12") }), 400, "json", "outside this force's area")
	wantErrors(t, post("json", func(f url.Values) { f.Set("description", "bad\x00byte") }), 400, "json", "could not be read")
	wantErrors(t, post("json", func(f url.Values) { f.Set("description", "bad \xff byte") }), 400, "json", "could not be read")
	// Every problem is listed at once, in the spec's form.
	wantErrors(t, post("json", func(f url.Values) {
		f.Del("attribute[hate]")
		f.Del("description")
		f.Del("address_string")
		f.Set("email", "not an email")
		f.Set("attribute[occurred_on]", "2001-01-01")
	}), 400, "json", "attribute[hate]: Select yes, no or not sure", "description: Describe what happened",
		"address_string", "email: Enter an email address", "attribute[occurred_on]: The date must be within the last 2 years")
	wantErrors(t, post("json", func(f url.Values) { f.Set("attribute[hate]", "yes") }), 400, "json", "attribute[hate_reasons]")
	ok := post("json", func(f url.Values) {
		f.Set("attribute[hate]", "yes")
		f["attribute[hate_reasons][]"] = []string{"race", "religion"}
	})
	if ok.status != 200 {
		t.Fatalf("hate with reasons: %d %s", ok.status, ok.body)
	}
	// A form that is not form-encoded is refused plainly.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/open311/v2/requests.json", strings.NewReader(`{"api_key":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantErrors(t, apiResponse{resp.StatusCode, resp.Header, string(b)}, 400, "json", "x-www-form-urlencoded")
	if n, _ := s.Store.ReportCount(context.Background()); n != 1 {
		t.Fatalf("%d reports, want 1", n)
	}
}

func TestOpen311RevokedKey(t *testing.T) {
	var later atomic.Int64 // the test's clock runs ahead by this much
	s, key := open311Server(t, 60, func(c *handlers.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(later.Load())) }
	})
	postReport(t, s, open311Report(key))
	prefix, _, _ := portal.ParseAPIKey(key)
	if _, err := s.Store.RevokeAPIKey(context.Background(), prefix, portal.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	// A key found working is trusted for a few seconds, then checked again.
	later.Store(int64(6 * time.Second))
	form := open311Report(key)
	form.Set("description", "Another report")
	wantErrors(t, apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", form, nil), 403, "json", "revoked")
	wantErrors(t, apiDo(t, s, "GET", "/open311/v2/requests.json?api_key="+url.QueryEscape(key), nil, nil), 403, "json")
}

func TestOpen311RetriedPostMakesOneReport(t *testing.T) {
	s, key := open311Server(t, 0)
	form := open311Report(key)
	first := postReport(t, s, form)
	if again := postReport(t, s, form); again != first {
		t.Fatalf("retry made %s, first %s", again, first)
	}
	// Ten copies at once still make one report, and all answer alike.
	var wg sync.WaitGroup
	ids := make([]string, 10)
	other := open311Report(key)
	other.Set("description", "Concurrent copies")
	for i := range ids {
		wg.Go(func() {
			r := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", other, nil)
			var got createdJSON
			if json.Unmarshal([]byte(r.body), &got) == nil && len(got) == 1 {
				ids[i] = got[0].ID
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("concurrent answers %v", ids)
		}
	}
	// With an Idempotency-Key header, the header alone identifies the submission.
	hdr := map[string]string{"Idempotency-Key": "crm-case-81723"}
	r1 := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", open311Report(key), hdr).want(t, 200, jsonType)
	changed := open311Report(key)
	changed.Set("description", "Same case, reworded on retry")
	r2 := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", changed, hdr).want(t, 200, jsonType)
	if open311RefRE.FindString(r1.body) != open311RefRE.FindString(r2.body) {
		t.Fatalf("header retry: %s vs %s", r1.body, r2.body)
	}
	if n, _ := s.Store.ReportCount(context.Background()); n != 3 {
		t.Fatalf("%d reports, want 3", n)
	}
}

func TestOpen311RateLimits(t *testing.T) {
	s, key := open311Server(t, 2, func(c *handlers.Config) { c.Limits.Open311.Max = 3 })
	for i := range 2 {
		form := open311Report(key)
		form.Set("description", "Report "+strconv.Itoa(i))
		postReport(t, s, form)
	}
	r := apiDo(t, s, http.MethodPost, "/open311/v2/requests.xml", open311Report(key), nil)
	wantErrors(t, r, 429, "xml", "Too many requests")
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// Without a key, reading is limited per client address.
	for range 3 {
		apiDo(t, s, "GET", "/open311/v2/services.json", nil, nil).want(t, 200, jsonType)
	}
	r = apiDo(t, s, "GET", "/open311/v2/requests.json", nil, nil)
	wantErrors(t, r, 429, "json", "Too many requests")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestOpen311CrossSiteBrowserPostRefused(t *testing.T) {
	s, key := open311Server(t, 0)
	form := open311Report(key)
	for name, hdr := range map[string]map[string]string{
		"cross-site fetch":   {"Sec-Fetch-Site": "cross-site"},
		"foreign origin":     {"Origin": "https://evil.example"},
		"cross-site browser": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
	} {
		t.Run(name, func(t *testing.T) {
			r := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", form, hdr)
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
	}
	if n, _ := s.Store.ReportCount(context.Background()); n != 0 {
		t.Fatalf("%d reports made by cross-site posts", n)
	}
	// The same post from a partner's server (no browser headers) works, and
	// sets no cookie.
	r := apiDo(t, s, http.MethodPost, "/open311/v2/requests.json", form, nil).want(t, 200, jsonType)
	if c := r.header.Values("Set-Cookie"); len(c) > 0 {
		t.Fatalf("API set cookies %v", c)
	}
	// The rest of the site still needs its CSRF token.
	c := s.Client(t)
	c.PostForm("/feedback", url.Values{"rating": {"satisfied"}}).Status(t, http.StatusForbidden)
}

// open311RefRE matches a report reference.
var open311RefRE = regexp.MustCompile(`ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}`)
