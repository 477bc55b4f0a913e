package portal

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// demoTimescales are the demo policies' timescales: acknowledge in 5
// working days, decide in 10, meet 20 after the decision, send the outcome 5
// after the meeting, appeal within 20.
func demoTimescales() CaseReviewPolicy { return DemoPolicies()[1] }

func TestApplicationTransitions(t *testing.T) {
	p, at := demoTimescales(), time.Date(2026, 3, 2, 10, 0, 0, 0, london)
	steps := map[string]func(a *ApplicationProgress) error{
		"acknowledge": func(a *ApplicationProgress) error { return a.Acknowledge(at) },
		"decide":      func(a *ApplicationProgress) error { return a.Decide(true, at) },
		"meeting":     func(a *ApplicationProgress) error { return a.HoldReview(at) },
		"outcome":     func(a *ApplicationProgress) error { return a.SendOutcome(at) },
		"appeal":      func(a *ApplicationProgress) error { return a.Appeal(at, p, nil) },
		"close":       func(a *ApplicationProgress) error { return a.Close() },
	}
	allowed := map[ApplicationStatus]map[string]ApplicationStatus{
		ApplicationReceived:        {"acknowledge": ApplicationAcknowledged},
		ApplicationAcknowledged:    {"decide": ApplicationThresholdMet},
		ApplicationThresholdMet:    {"meeting": ApplicationReviewHeld},
		ApplicationThresholdNotMet: {"appeal": ApplicationAppealed, "close": ApplicationClosed},
		ApplicationReviewHeld:      {"outcome": ApplicationOutcomeSent},
		ApplicationOutcomeSent:     {"appeal": ApplicationAppealed, "close": ApplicationClosed},
		ApplicationAppealed:        {"close": ApplicationClosed},
		ApplicationClosed:          {},
	}
	for _, from := range ApplicationStatuses {
		for name, step := range steps {
			t.Run(string(from)+"/"+name, func(t *testing.T) {
				a := ApplicationProgress{Status: from, ReceivedOn: day(t, "2026-03-02"), Decision: "not_met", DecidedAt: at}
				if from == ApplicationOutcomeSent {
					a.Decision, a.OutcomeAt = "met", at
				}
				want, ok := allowed[from][name]
				err := step(&a)
				if ok != (err == nil) || a.Can(name) != ok && from == a.Status {
					t.Fatalf("from %s, %s: err %v, want allowed=%v", from, name, err, ok)
				}
				if !ok {
					var te TransitionError
					if !errors.As(err, &te) || !errors.Is(err, ErrConflict) || a.Status != from {
						t.Fatalf("refusal %v (status now %s)", err, a.Status)
					}
					return
				}
				if a.Status != want {
					t.Fatalf("status %s, want %s", a.Status, want)
				}
			})
		}
	}
	var a ApplicationProgress
	a.Status = ApplicationAcknowledged
	if err := a.Decide(false, at); err != nil || a.Status != ApplicationThresholdNotMet || a.Decision != "not_met" {
		t.Fatalf("decide not met: %v %+v", err, a)
	}
	if err := (&ApplicationProgress{Status: ApplicationReceived}).Acknowledge(time.Time{}); err == nil {
		t.Fatal("acknowledged without a date")
	}
}

func TestAppealWindow(t *testing.T) {
	p := demoTimescales() // 20 working days
	decided := time.Date(2026, 12, 1, 15, 0, 0, 0, london)
	// 20 working days after Tuesday 1 December 2026, skipping Christmas Day
	// and Boxing Day's substitute on Monday 28th: 31 December.
	last := time.Date(2026, 12, 31, 23, 0, 0, 0, london)
	tests := []struct {
		name   string
		at     time.Time
		wantOK bool
	}{
		{"the day after the decision", decided.AddDate(0, 0, 1), true},
		{"the last day", last, true},
		{"the day after the last day", last.AddDate(0, 0, 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ApplicationProgress{Status: ApplicationThresholdNotMet, Decision: "not_met", DecidedAt: decided}
			if got := a.AppealDeadline(p, nil); !got.Equal(day(t, "2026-12-31")) {
				t.Fatalf("deadline %s", got)
			}
			err := a.Appeal(tt.at, p, nil)
			if (err == nil) != tt.wantOK {
				t.Fatalf("appeal at %s: %v", tt.at, err)
			}
			if err != nil && !errors.Is(err, ErrAppealWindowClosed) {
				t.Fatalf("error %v", err)
			}
		})
	}
	// After an outcome the window counts from the outcome, here across
	// Easter 2027 (Good Friday 26 March, Easter Monday 29 March).
	a := ApplicationProgress{Status: ApplicationOutcomeSent, Decision: "met", DecidedAt: decided,
		OutcomeAt: time.Date(2027, 3, 1, 9, 0, 0, 0, london)}
	if got := a.AppealDeadline(p, nil); !got.Equal(day(t, "2027-03-31")) {
		t.Fatalf("deadline after outcome %s", got)
	}
	if got := (ApplicationProgress{Status: ApplicationReceived}).AppealDeadline(p, nil); !got.IsZero() {
		t.Fatalf("deadline before a decision %s", got)
	}
}

func TestMilestoneDueDates(t *testing.T) {
	p := demoTimescales()
	tests := []struct {
		name                  string
		received              string
		extra                 Holidays
		acknowledge, decision string
		meeting, outcome      string
	}{
		// Friday: weekends are skipped.
		{"weekends", "2026-03-13", nil, "2026-03-20", "2026-03-27", "2026-04-28", "2026-05-06"},
		// Easter 2026: Good Friday 3 April and Easter Monday 6 April; then the
		// early May bank holiday on 4 May.
		{"Easter", "2026-04-02", nil, "2026-04-13", "2026-04-20", "2026-05-19", "2026-05-27"},
		// Christmas 2026: Christmas Day, Boxing Day's substitute on Monday
		// 28th, New Year's Day 2027.
		{"Christmas", "2026-12-23", nil, "2027-01-04", "2027-01-11", "2027-02-08", "2027-02-15"},
		// An added holiday on Tuesday 7 April 2026 moves everything a day.
		{"added holiday", "2026-04-02", NewHolidays(day(t, "2026-04-07")), "2026-04-14", "2026-04-21", "2026-05-20", "2026-05-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ApplicationProgress{Status: ApplicationReceived, ReceivedOn: day(t, tt.received)}
			ms := a.Milestones(p, tt.extra, day(t, tt.received))
			if len(ms) != 4 {
				t.Fatalf("%d milestones: %+v", len(ms), ms)
			}
			for i, want := range []string{tt.acknowledge, tt.decision, tt.meeting, tt.outcome} {
				if got := ms[i].Due.Format(time.DateOnly); got != want {
					t.Errorf("%s due %s, want %s", ms[i].Kind, got, want)
				}
			}
			if ms[0].Provisional || ms[1].Provisional || !ms[2].Provisional || !ms[3].Provisional {
				t.Errorf("provisional flags %v %v %v %v", ms[0].Provisional, ms[1].Provisional, ms[2].Provisional, ms[3].Provisional)
			}
		})
	}
}

func TestMilestonesFollowWhatHappened(t *testing.T) {
	p := demoTimescales()
	received := day(t, "2026-03-02") // a Monday
	decided := time.Date(2026, 3, 9, 14, 0, 0, 0, london)
	a := ApplicationProgress{Status: ApplicationThresholdMet, ReceivedOn: received,
		AcknowledgedAt: time.Date(2026, 3, 3, 9, 0, 0, 0, london), Decision: "met", DecidedAt: decided}
	ms := a.Milestones(p, nil, day(t, "2026-03-10"))
	if !ms[0].IsDone() || !ms[1].IsDone() || ms[2].IsDone() {
		t.Fatalf("done flags: %+v", ms)
	}
	// The meeting is due 20 working days after the actual decision (Easter
	// 2026 on the way).
	if got := ms[2].Due.Format(time.DateOnly); got != "2026-04-08" || ms[2].Provisional {
		t.Fatalf("meeting due %s provisional %v", got, ms[2].Provisional)
	}
	next, ok := a.NextMilestone(p, nil, day(t, "2026-03-10"))
	if !ok || next.Kind != MilestoneMeeting || next.Countdown != "19 working days left" {
		t.Fatalf("next %+v", next)
	}
	// Not met: no meeting or outcome, and the appeal window instead.
	a.Status, a.Decision = ApplicationThresholdNotMet, "not_met"
	ms = a.Milestones(p, nil, day(t, "2026-03-10"))
	if len(ms) != 3 || ms[2].Kind != MilestoneAppeal || ms[2].Due.Format(time.DateOnly) != "2026-04-08" {
		t.Fatalf("not met milestones %+v", ms)
	}
	if ms[2].Countdown != "19 working days left to appeal" || ms[2].Overdue {
		t.Fatalf("appeal countdown %q", ms[2].Countdown)
	}
	if _, ok := a.NextMilestone(p, nil, day(t, "2026-03-10")); ok {
		t.Fatal("the appeal window is not the coordinator's next step")
	}
	a.Status = ApplicationClosed
	if _, ok := a.NextMilestone(p, nil, day(t, "2026-03-10")); ok {
		t.Fatal("a closed application has a next step")
	}
}

func TestCountdowns(t *testing.T) {
	p := demoTimescales()
	a := ApplicationProgress{Status: ApplicationReceived, ReceivedOn: day(t, "2026-03-13")} // acknowledge by Fri 20 March
	tests := []struct {
		today, want string
		overdue     bool
	}{
		{"2026-03-13", "5 working days left", false},
		{"2026-03-19", "1 working day left", false},
		{"2026-03-20", "Due today", false},
		{"2026-03-21", "Overdue by 1 working day", true}, // Saturday: still one working day late
		{"2026-03-23", "Overdue by 1 working day", true},
		{"2026-03-24", "Overdue by 2 working days", true},
	}
	for _, tt := range tests {
		t.Run(tt.today, func(t *testing.T) {
			m, ok := a.NextMilestone(p, nil, day(t, tt.today))
			if !ok || m.Kind != MilestoneAcknowledge || m.Countdown != tt.want || m.Overdue != tt.overdue {
				t.Fatalf("got %q overdue %v, want %q %v", m.Countdown, m.Overdue, tt.want, tt.overdue)
			}
		})
	}
	// Over Easter 2026 the countdown skips the bank holidays.
	easter := ApplicationProgress{Status: ApplicationReceived, ReceivedOn: day(t, "2026-04-02")}
	if m, _ := easter.NextMilestone(p, nil, day(t, "2026-04-02")); m.Countdown != "5 working days left" {
		t.Fatalf("Easter countdown %q", m.Countdown)
	}
	if m, _ := easter.NextMilestone(p, NewHolidays(day(t, "2026-04-07")), day(t, "2026-04-06")); m.Countdown != "5 working days left" {
		t.Fatalf("Easter countdown with an added holiday %q", m.Countdown)
	}
}

func TestHolidaysExtendTheCalendar(t *testing.T) {
	hol := NewHolidays(day(t, "2026-06-15"))
	mon := time.Date(2026, 6, 15, 10, 0, 0, 0, london)
	if !hol.IsBankHoliday(mon) || hol.IsWorkingDay(mon) || IsBankHoliday(mon) || !IsWorkingDay(mon) {
		t.Fatal("the added holiday is not counted, or leaks into the built-in calendar")
	}
	fri := time.Date(2026, 6, 12, 10, 0, 0, 0, london)
	if got := hol.AddWorkingDays(fri, 1); got.Format(time.DateOnly) != "2026-06-16" {
		t.Fatalf("AddWorkingDays %s", got)
	}
	if got := AddWorkingDays(fri, 1); got.Format(time.DateOnly) != "2026-06-15" {
		t.Fatalf("built-in AddWorkingDays %s", got)
	}
	if got := hol.WorkingDaysBetween(fri, fri.AddDate(0, 0, 4)); got != 1 {
		t.Fatalf("WorkingDaysBetween %d", got)
	}
	all := BuiltInBankHolidays()
	if len(all) != 56 || all[0].Name != "New Year’s Day" || all[0].Day.Format(time.DateOnly) != "2024-01-01" {
		t.Fatalf("built-in list starts %+v (%d)", all[0], len(all))
	}
	names := map[string]string{}
	for _, h := range all {
		names[h.Day.Format(time.DateOnly)] = h.Name
	}
	for d, want := range map[string]string{"2026-04-06": "Easter Monday", "2026-12-28": "Boxing Day (substitute day)",
		"2027-12-27": "Christmas Day (substitute day)", "2028-01-03": "New Year’s Day (substitute day)", "2030-08-26": "Summer bank holiday"} {
		if names[d] != want {
			t.Errorf("%s is %q, want %q", d, names[d], want)
		}
	}
}

func TestBankHolidayInput(t *testing.T) {
	added := NewHolidays(day(t, "2027-06-07"))
	tests := []struct {
		name string
		in   BankHolidayInput
		want []string
	}{
		{"good", BankHolidayInput{DateParts{"8", "6", "2027"}, "Coronation"}, nil},
		{"empty", BankHolidayInput{}, []string{"holiday-day", "name"}},
		{"not a date", BankHolidayInput{DateParts{"31", "2", "2027"}, "X"}, []string{"holiday-day"}},
		{"weekend", BankHolidayInput{DateParts{"5", "6", "2027"}, "X"}, []string{"holiday-day"}},
		{"built in", BankHolidayInput{DateParts{"25", "12", "2026"}, "X"}, []string{"holiday-day"}},
		{"already added", BankHolidayInput{DateParts{"7", "6", "2027"}, "X"}, []string{"holiday-day"}},
		{"long name", BankHolidayInput{DateParts{"8", "6", "2027"}, strings.Repeat("a", MaxBankHolidayName+1)}, []string{"name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFields(t, tt.in.Validate(added), tt.want)
		})
	}
}

func assertFields(t *testing.T, fe FieldErrors, want []string) {
	t.Helper()
	if len(fe) != len(want) {
		t.Fatalf("errors %v, want fields %v", fe, want)
	}
	for _, f := range want {
		if fe[f] == "" {
			t.Fatalf("no error for %s: %v", f, fe)
		}
	}
}

func TestThresholdDecisionInput(t *testing.T) {
	north, south := DemoPolicies()[0], DemoPolicies()[1]
	tests := []struct {
		name string
		p    CaseReviewPolicy
		in   ThresholdDecisionInput
		want []string
	}{
		{"met on the statutory route", south, ThresholdDecisionInput{"met", "statutory", "Two qualifying complaints"}, nil},
		{"not met", south, ThresholdDecisionInput{"not_met", "statutory", "One complaint was too late"}, nil},
		{"hate route where the policy has one", north, ThresholdDecisionInput{"met", "hate", "Hate incident"}, nil},
		{"hate route where it has none", south, ThresholdDecisionInput{"met", "hate", "Hate incident"}, []string{"route"}},
		{"nothing", south, ThresholdDecisionInput{}, []string{"decision", "route", "reasons"}},
		{"reasons too long", south, ThresholdDecisionInput{"met", "statutory", strings.Repeat("a", MaxCaseReviewText+1)}, []string{"reasons"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertFields(t, tt.in.Validate(tt.p), tt.want) })
	}
	p := north
	p.DiscretionaryRole = "Community Safety Partnership chair"
	if opts := p.RouteOptions(); len(opts) != 4 || opts[3].Value != "discretionary" || !strings.Contains(opts[0].Label, "3 qualifying complaints") {
		t.Fatalf("route options %+v", opts)
	}
}

func TestReviewMeetingInput(t *testing.T) {
	decided, today := time.Date(2026, 3, 9, 14, 0, 0, 0, london), day(t, "2026-03-20")
	good := ReviewMeetingInput{DateParts{"16", "3", "2026"}, []string{"police", "council"}, "yes", ""}
	tests := []struct {
		name string
		edit func(*ReviewMeetingInput)
		want []string
	}{
		{"good", func(*ReviewMeetingInput) {}, nil},
		{"on the decision day", func(in *ReviewMeetingInput) { in.Meeting = DateParts{"9", "3", "2026"} }, nil},
		{"before the decision", func(in *ReviewMeetingInput) { in.Meeting = DateParts{"8", "3", "2026"} }, []string{"meeting-day"}},
		{"in the future", func(in *ReviewMeetingInput) { in.Meeting = DateParts{"21", "3", "2026"} }, []string{"meeting-day"}},
		{"no date", func(in *ReviewMeetingInput) { in.Meeting = DateParts{} }, []string{"meeting-day"}},
		{"no agencies", func(in *ReviewMeetingInput) { in.Agencies = nil }, []string{"agencies"}},
		{"unknown agency", func(in *ReviewMeetingInput) { in.Agencies = []string{"police", "fire"} }, []string{"agencies"}},
		{"victim question unanswered", func(in *ReviewMeetingInput) { in.VictimInvited = "" }, []string{"victim-invited"}},
		{"not invited without a reason", func(in *ReviewMeetingInput) { in.VictimInvited = "no" }, []string{"not-invited-why"}},
		{"not invited with a reason", func(in *ReviewMeetingInput) { in.VictimInvited, in.NotInvitedWhy = "no", "Asked not to attend" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			assertFields(t, in.Validate(decided, today), tt.want)
		})
	}
}

func TestOutcomeInput(t *testing.T) {
	meeting := day(t, "2026-03-16")
	rec := func(agency, action, d string) RecommendationInput {
		parts := strings.Split(d, "/")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		return RecommendationInput{agency, action, DateParts{parts[0], parts[1], parts[2]}}
	}
	tests := []struct {
		name string
		in   OutcomeInput
		want []string
		n    int
	}{
		{"no recommendations", OutcomeInput{"The response was adequate", nil}, nil, 0},
		{"two, and a blank row", OutcomeInput{"Actions agreed", []RecommendationInput{
			rec("council", "Noise monitoring", "30/4/2026"), rec("", "", ""), rec("housing", "Tenancy warning", "16/3/2026")}}, nil, 2},
		{"no summary", OutcomeInput{"", nil}, []string{"summary"}, 0},
		{"half a row", OutcomeInput{"x", []RecommendationInput{rec("", "", ""), rec("police", "", "")}},
			[]string{"rec-1-action", "rec-1-day"}, 1},
		{"bad agency and date before the meeting", OutcomeInput{"x", []RecommendationInput{rec("fire", "Visit", "15/3/2026")}},
			[]string{"rec-0-agency", "rec-0-day"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFields(t, tt.in.Validate(meeting), tt.want)
			if got := len(tt.in.List()); got != tt.n {
				t.Fatalf("%d recommendations, want %d", got, tt.n)
			}
		})
	}
	list := OutcomeInput{"x", []RecommendationInput{rec("council", " Noise monitoring ", "30/4/2026")}}.List()
	if list[0].Action != "Noise monitoring" || !list[0].DueOn.Equal(day(t, "2026-04-30")) || list[0].AgencyLabel() != "Council" {
		t.Fatalf("list %+v", list)
	}
}

func TestAppealAndCloseInputs(t *testing.T) {
	assertFields(t, AppealInput{}.Validate(), []string{"reason"})
	assertFields(t, AppealInput{"The decision ignored two incidents"}.Validate(), nil)
	assertFields(t, ApplicationCloseInput{}.Validate(ApplicationAppealed), []string{"appeal-outcome"})
	assertFields(t, ApplicationCloseInput{}.Validate(ApplicationOutcomeSent), nil)
	assertFields(t, ApplicationCloseInput{"Upheld"}.Validate(ApplicationAppealed), nil)
}

func TestPolicyInput(t *testing.T) {
	today := day(t, "2026-11-21")
	v := PolicyVersion{Policy: DemoPolicies()[0], Procedure: "Apply online or by phone."}
	good := NewPolicyInput(v, today)
	if good.StatutoryN != "3" || good.HateRoute != "yes" || good.Multi != "yes" || good.MultiM != "5" || good.Effective.Day != "21" {
		t.Fatalf("form from the policy %+v", good)
	}
	tests := []struct {
		name string
		edit func(*PolicyInput)
		want []string
	}{
		{"unchanged", func(*PolicyInput) {}, nil},
		{"N = 2", func(in *PolicyInput) { in.StatutoryN = "2" }, nil},
		{"N = 4 is refused", func(in *PolicyInput) { in.StatutoryN = "4" }, []string{"statutory_n"}},
		{"N = 0 is refused", func(in *PolicyInput) { in.StatutoryN = "0" }, []string{"statutory_n"}},
		{"N missing", func(in *PolicyInput) { in.StatutoryN = "" }, []string{"statutory_n"}},
		{"multi off ignores M and K", func(in *PolicyInput) { in.Multi, in.MultiM, in.MultiK = "no", "x", "" }, nil},
		{"multi with one person", func(in *PolicyInput) { in.MultiK = "1" }, []string{"multi_k"}},
		{"multi without numbers", func(in *PolicyInput) { in.MultiM, in.MultiK = "", "2.5" }, []string{"multi_m", "multi_k"}},
		{"hate unanswered", func(in *PolicyInput) { in.HateRoute = "" }, []string{"hate_route"}},
		{"days not a number", func(in *PolicyInput) { in.DecisionDays = "ten" }, []string{"decision_days"}},
		{"days negative", func(in *PolicyInput) { in.AppealDays = "-1" }, []string{"appeal_days"}},
		{"no contact or appeal route", func(in *PolicyInput) { in.Contact, in.AppealRoute = " ", "" }, []string{"contact", "appeal_route"}},
		{"yesterday", func(in *PolicyInput) { in.Effective = DateParts{"20", "11", "2026"} }, []string{"effective-day"}},
		{"next year", func(in *PolicyInput) { in.Effective = DateParts{"1", "4", "2027"} }, nil},
		{"not a date", func(in *PolicyInput) { in.Effective = DateParts{"31", "4", "2027"} }, []string{"effective-day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			p, fe := in.Policy("demo-north", today)
			assertFields(t, fe, tt.want)
			if fe.Any() {
				return
			}
			if p.Area != "demo-north" || p.Contact == "" || p.EffectiveFrom.Before(today) {
				t.Fatalf("policy %+v", p)
			}
		})
	}
	in := good
	in.StatutoryN = "4"
	if _, fe := in.Policy("demo-north", today); !strings.Contains(fe["statutory_n"], "cannot be more than 3") {
		t.Fatalf("N = 4 message %q", fe["statutory_n"])
	}
}

func TestApplicationRecordRecommend(t *testing.T) {
	a := ApplicationRecord{Policy: DemoPolicies()[1], Progress: ApplicationProgress{ReceivedOn: day(t, "2026-06-01")}}
	if _, ok := a.Recommend(); ok {
		t.Fatal("a recommendation without incidents")
	}
	inc := func(id, occurred, reported, agency string) ApplicationIncident {
		return ApplicationIncident{Complaint: Complaint{Incident: id, Problem: "noise", OccurredOn: day(t, occurred),
			ReportedOn: day(t, reported), Agency: agency, Complainant: "applicant"}}
	}
	a.Incidents = []ApplicationIncident{inc("a", "2026-05-01", "2026-05-02", "police"),
		inc("a", "2026-05-01", "2026-05-03", "council"), inc("b", "2026-03-01", "2026-04-20", "police")}
	res, ok := a.Recommend()
	if !ok || res.Result != "not_met" || res.QualifyingIncidents != 1 || res.Complaints[2].Qualifying {
		t.Fatalf("recommendation %+v", res)
	}
	a.Incidents = append(a.Incidents, inc("c", "2026-05-10", "2026-05-10", "housing"))
	if res, _ := a.Recommend(); res.Result != "met" || res.Route != RouteStatutory {
		t.Fatalf("recommendation %+v", res)
	}
}
