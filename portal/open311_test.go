package portal

import (
	"strings"
	"testing"
	"time"
)

var open311Cats = []Category{{Code: "noise", Type: ASBNuisance, Name: "Noise"}, {Code: "graffiti", Type: ASBEnvironmental}}

func validOpen311() Open311Request {
	return Open311Request{ServiceCode: "noise", AddressString: "dm1 1ab", Description: "Music",
		Attributes: map[string][]string{AttrHate: {"no"}}}
}

func TestOpen311Draft(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 7, 21, 15, 0, 0, 0, london)
	tests := []struct {
		name   string
		change func(*Open311Request)
		errs   []string // parameters at fault; nil for valid
		check  func(*testing.T, *ReportDraft)
	}{
		{"postcode, anonymous, today", func(*Open311Request) {}, nil, func(t *testing.T, d *ReportDraft) {
			if d.Postcode != "DM11AB" || d.Anonymous != "yes" || d.Name != "" || d.Day != "21" || d.Month != "7" ||
				d.Year != "2026" || d.HappenedBefore != "no" || d.Safety != "no" || d.Missing() != "" {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"coordinates with a place", func(in *Open311Request) {
			in.AddressString, in.Lat, in.Long = "Behind the shops", "52.1", "-1.2"
		}, nil, func(t *testing.T, d *ReportDraft) {
			if d.Postcode != "" || d.Place != "Behind the shops" || d.Latitude != 52.1 || d.Longitude != -1.2 {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"named reporter", func(in *Open311Request) {
			in.FirstName, in.LastName, in.Phone = "Sam", "Resident", "07700 900982"
			in.Attributes[AttrSafeToLeave] = []string{"yes"}
		}, nil, func(t *testing.T, d *ReportDraft) {
			if d.Anonymous != "no" || d.Name != "Sam Resident" || d.ContactPreference != "phone" || d.SafeToLeave != "yes" {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"requested_datetime gives date and local time", func(in *Open311Request) {
			in.RequestedDatetime = "2026-07-20T20:30:00Z"
		}, nil, func(t *testing.T, d *ReportDraft) {
			if d.Day != "20" || d.Time != "21:30" {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"occurred_on wins", func(in *Open311Request) {
			in.RequestedDatetime = "2026-07-20T20:30:00Z"
			in.Attributes[AttrOccurredOn] = []string{"2026-07-01"}
		}, nil, func(t *testing.T, d *ReportDraft) {
			if d.Day != "1" || d.Time != "" {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"hate reasons only with hate yes", func(in *Open311Request) {
			in.Attributes[AttrHateReasons] = []string{"race"}
		}, nil, func(t *testing.T, d *ReportDraft) {
			if len(d.HateReasons) != 0 {
				t.Fatalf("draft %+v", d)
			}
		}},
		{"unknown service", func(in *Open311Request) { in.ServiceCode = "fireworks" }, []string{"service_code"}, nil},
		{"no location", func(in *Open311Request) { in.AddressString = "" }, []string{"address_string"}, nil},
		{"address is not a postcode", func(in *Open311Request) { in.AddressString = "12 High Street" }, []string{"address_string"}, nil},
		{"one coordinate", func(in *Open311Request) { in.Lat = "52.1" }, []string{"lat"}, nil},
		{"coordinates out of range", func(in *Open311Request) { in.Lat, in.Long = "95", "0" }, []string{"lat"}, nil},
		{"place too long", func(in *Open311Request) {
			in.Lat, in.Long, in.AddressString = "52", "-1", strings.Repeat("a", MaxShortText+1)
		}, []string{"address_string"}, nil},
		{"future date", func(in *Open311Request) { in.Attributes[AttrOccurredOn] = []string{"2026-07-22"} }, []string{"attribute[occurred_on]"}, nil},
		{"bad date", func(in *Open311Request) { in.Attributes[AttrOccurredOn] = []string{"21/07/2026"} }, []string{"attribute[occurred_on]"}, nil},
		{"bad datetime", func(in *Open311Request) { in.RequestedDatetime = "yesterday" }, []string{"requested_datetime"}, nil},
		{"happened_before", func(in *Open311Request) { in.Attributes[AttrHappenedBefore] = []string{"often"} }, []string{"attribute[happened_before]"}, nil},
		{"no description", func(in *Open311Request) { in.Description = "" }, []string{"description"}, nil},
		{"description too long", func(in *Open311Request) { in.Description = strings.Repeat("x", MaxDescription+1) }, []string{"description"}, nil},
		{"no hate answer", func(in *Open311Request) { delete(in.Attributes, AttrHate) }, []string{"attribute[hate]"}, nil},
		{"hate without reasons", func(in *Open311Request) { in.Attributes[AttrHate] = []string{"yes"} }, []string{"attribute[hate_reasons]"}, nil},
		{"unknown impact", func(in *Open311Request) { in.Attributes[AttrImpacts] = []string{"bored"} }, []string{"attribute[impacts]"}, nil},
		{"email without name", func(in *Open311Request) { in.Email = "sam@example.org" }, []string{"first_name"}, nil},
		{"bad email and phone", func(in *Open311Request) { in.FirstName, in.Email, in.Phone = "Sam", "sam@", "call me" },
			[]string{"email", "phone"}, nil},
		{"bad safe_to_leave", func(in *Open311Request) {
			in.FirstName, in.Email = "Sam", "sam@example.org"
			in.Attributes[AttrSafeToLeave] = []string{"maybe"}
		}, []string{"attribute[safe_to_leave]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validOpen311()
			tt.change(&in)
			d, fe := in.Draft(open311Cats, now)
			if len(tt.errs) == 0 {
				if fe.Any() {
					t.Fatalf("unexpected errors %v", map[string]string(fe))
				}
				tt.check(t, d)
				return
			}
			for _, f := range tt.errs {
				if !strings.HasPrefix(fe[f], f) {
					t.Fatalf("errors %v, want one for %s starting with its name", map[string]string(fe), f)
				}
			}
			if len(fe) != len(tt.errs) {
				t.Fatalf("errors %v, want only %v", map[string]string(fe), tt.errs)
			}
		})
	}
}

func TestOpen311Key(t *testing.T) {
	day := time.Date(2026, 7, 21, 9, 0, 0, 0, time.UTC)
	fields := map[string][]string{"api_key": {"bk_x"}, "service_code": {"noise"}, "description": {"a", "b"}}
	k := Open311Key(1, "", fields, day)
	if !ValidIdempotencyKey(k) {
		t.Fatalf("key %q is not 32 hex digits", k)
	}
	same := map[string][]string{"description": {"a", "b"}, "service_code": {"noise"}, "api_key": {"other"}}
	if Open311Key(1, "", same, day.Add(10*time.Hour)) != k {
		t.Fatal("the same fields on the same day made another key")
	}
	for name, other := range map[string]string{
		"other api key": Open311Key(2, "", fields, day),
		"next day":      Open311Key(1, "", fields, day.AddDate(0, 0, 1)),
		"other field":   Open311Key(1, "", map[string][]string{"service_code": {"noise"}, "description": {"ab"}}, day),
		"header":        Open311Key(1, "case-1", fields, day),
	} {
		if other == k {
			t.Fatalf("%s: same key", name)
		}
	}
	if Open311Key(1, "case-1", nil, day) != Open311Key(1, "case-1", fields, day.AddDate(0, 1, 0)) {
		t.Fatal("with a header, the header alone should decide")
	}
}

func TestAPIKeySecrets(t *testing.T) {
	secret, prefix, hash := NewAPIKeySecret()
	if !strings.HasPrefix(secret, "bk_"+prefix+"_") || len(secret) != apiKeyLen || !ValidAPIKeyPrefix(prefix) {
		t.Fatalf("secret %q prefix %q", secret, prefix)
	}
	p, h, ok := ParseAPIKey(secret)
	if !ok || p != prefix || string(h) != string(hash) {
		t.Fatalf("parse: %q %v", p, ok)
	}
	other, _, _ := NewAPIKeySecret()
	if other == secret {
		t.Fatal("two keys alike")
	}
	for _, bad := range []string{"", "bk_", secret[:len(secret)-1], secret + "A", "xx" + secret[2:],
		"bk_" + strings.ToUpper(prefix) + secret[11:], strings.Replace(secret, "_", "-", 2), "bk_zzzzzzzz" + secret[11:]} {
		if _, _, ok := ParseAPIKey(bad); ok && bad != secret {
			t.Fatalf("accepted %q", bad)
		}
	}
	for _, tt := range []struct {
		name string
		per  int
		ok   bool
	}{{"Council CRM", 60, true}, {"Bulk", 0, true}, {"", 60, false}, {"  ", 60, false}, {"a\nb", 60, false},
		{strings.Repeat("n", 101), 60, false}, {"bad\x00", 60, false}, {"Negative", -1, false}} {
		if err := ValidateAPIKey(tt.name, tt.per); (err == nil) != tt.ok {
			t.Fatalf("ValidateAPIKey(%q, %d) = %v", tt.name, tt.per, err)
		}
	}
	if (APIKey{PerMinute: 0}).Limit().Unlimited() != true || (APIKey{PerMinute: 5}).Limit().Max != 5 {
		t.Fatal("key limits")
	}
}

func TestOpen311Mapping(t *testing.T) {
	if Open311Status(StatusClosed) != "closed" || Open311Status(StatusAwaitingInformation) != "open" || Open311Status(StatusNew) != "open" {
		t.Fatal("statuses")
	}
	for in, want := range map[float64]float64{52.123456: 52.123, -1.98765: -1.988, 0.0005: 0.001, 51: 51} {
		if got := RoundCoordinate(in); got != want {
			t.Fatalf("RoundCoordinate(%v) = %v, want %v", in, got, want)
		}
	}
	if k := Open311Keywords(Category{Type: ASBSexualPredatory}); !strings.Contains(k, "predatory") || !strings.Contains(k, "anti-social behaviour") {
		t.Fatalf("keywords %q", k)
	}
	if Open311Attributes[0].Code != AttrHate || !Open311Attributes[0].Required {
		t.Fatal("the hate question comes first and is required")
	}
}
