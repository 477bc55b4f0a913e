package portal

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLadderOrder(t *testing.T) {
	kinds := InterventionKinds()
	if len(kinds) != 11 {
		t.Fatalf("%d kinds on the ladder, want 11 (one per kind in the schema)", len(kinds))
	}
	seen := map[InterventionKind]bool{}
	for _, k := range kinds {
		if seen[k] {
			t.Errorf("%s appears twice", k)
		}
		seen[k] = true
		if !k.Valid() || k.Label() == string(k) {
			t.Errorf("%s: valid %v, label %q", k, k.Valid(), k.Label())
		}
	}
	// Early intervention comes before letters, letters before a CPW, a CPW
	// before a CPN, a CPN before court orders; mediation is at any stage.
	order := []InterventionKind{WordsOfAdvice, WarningLetter, CommunityProtectionWarning, CommunityProtectionNotice, CivilInjunction}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rung() >= order[i].Rung() {
			t.Errorf("%s (rung %d) is not below %s (rung %d)", order[i-1], order[i-1].Rung(), order[i], order[i].Rung())
		}
	}
	for _, k := range []InterventionKind{MediationReferral, CourseInvitation, DispersalDirection} {
		if k.Rung() != 0 {
			t.Errorf("%s is on rung %d, want 0 (any stage)", k, k.Rung())
		}
	}
	if LetterOfExpectation.Rung() != WarningLetter.Rung() || AcceptableBehaviour.Rung() != WarningLetter.Rung() {
		t.Error("letters and contracts are not on one rung")
	}
	if InterventionKind("caution").Valid() || InterventionKind("caution").Rung() != -1 {
		t.Error("unknown kind accepted")
	}
	for _, k := range kinds {
		want := slices.Contains([]InterventionKind{WarningLetter, LetterOfExpectation, CommunityProtectionWarning, CommunityProtectionNotice}, k)
		if k.HasLetter() != want {
			t.Errorf("%s HasLetter = %v", k, k.HasLetter())
		}
		if _, ok := DefaultLetterTemplate(k); ok != want {
			t.Errorf("%s has default letter %v", k, ok)
		}
	}
}

func TestCaseLadder(t *testing.T) {
	ivs := []Intervention{
		{ID: 1, Kind: WordsOfAdvice, Status: InterventionComplied},
		{ID: 2, Kind: MediationReferral, Status: InterventionActive},
		{ID: 3, Kind: CommunityProtectionWarning, Status: InterventionActive},
		{ID: 4, Kind: CivilInjunction, Status: InterventionPlanned}, // not served: does not count
	}
	if got := HighestRung(ivs); got != 3 {
		t.Fatalf("highest rung %d, want 3", got)
	}
	steps := CaseLadder(ivs)
	if len(steps) != len(Ladder) {
		t.Fatalf("%d steps", len(steps))
	}
	for _, s := range steps {
		var ids []int64
		for _, iv := range s.Used {
			ids = append(ids, iv.ID)
		}
		var want []int64
		switch s.Step {
		case 1:
			want = []int64{1}
		case 3:
			want = []int64{3}
		case 5:
			want = []int64{4}
		case 0:
			want = []int64{2}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("step %d used %v, want %v", s.Step, ids, want)
		}
		if s.Ahead != (s.Step > 3) {
			t.Errorf("step %d ahead = %v", s.Step, s.Ahead)
		}
	}
}

func TestSkipsLadder(t *testing.T) {
	tests := []struct {
		name string
		have []Intervention
		kind InterventionKind
		want bool
	}{
		{"advice first", nil, WordsOfAdvice, false},
		{"letter first", nil, WarningLetter, false},
		{"mediation first", nil, MediationReferral, false},
		{"CPW first", nil, CommunityProtectionWarning, true},
		{"injunction first", nil, CivilInjunction, true},
		{"CPW after advice", []Intervention{{Kind: WordsOfAdvice, Status: InterventionComplied}}, CommunityProtectionWarning, false},
		{"CPW after mediation", []Intervention{{Kind: MediationReferral, Status: InterventionActive}}, CommunityProtectionWarning, false},
		{"CPW after a withdrawn letter", []Intervention{{Kind: WarningLetter, Status: InterventionWithdrawn}}, CommunityProtectionWarning, true},
		{"CPW after a course only", []Intervention{{Kind: CourseInvitation, Status: InterventionActive}}, CommunityProtectionWarning, true},
		{"CPN after CPW", []Intervention{{Kind: CommunityProtectionWarning, Status: InterventionBreached}}, CommunityProtectionNotice, false},
	}
	for _, tt := range tests {
		if got := SkipsLadder(tt.have, tt.kind); got != tt.want {
			t.Errorf("%s: SkipsLadder = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInterventionInputValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	today := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	ok := InterventionInput{IdempotencyKey: key, Kind: "words_of_advice", Subject: "Man at 14 Mill Court", OfficerID: 7,
		Issued: DateParts{"5", "3", "2026"}, Status: "active", Review: DateParts{"19", "3", "2026"}}
	advised := []Intervention{{Kind: WordsOfAdvice, Status: InterventionComplied}}
	tests := []struct {
		name   string
		edit   func(*InterventionInput)
		have   []Intervention
		update bool
		want   []string
	}{
		{"valid", func(*InterventionInput) {}, nil, false, nil},
		{"no review date", func(in *InterventionInput) { in.Review = DateParts{} }, nil, false, nil},
		{"everything missing", func(in *InterventionInput) { *in = InterventionInput{IdempotencyKey: key} }, nil, false,
			[]string{"issued-day", "kind", "officer", "status", "subject"}},
		{"officer not offered", func(in *InterventionInput) { in.OfficerID = 99 }, nil, false, []string{"officer"}},
		{"review before issue", func(in *InterventionInput) { in.Review = DateParts{"1", "3", "2026"} }, nil, false, []string{"review-day"}},
		{"bad review date", func(in *InterventionInput) { in.Review = DateParts{"32", "3", "2026"} }, nil, false, []string{"review-day"}},
		{"issued far ahead", func(in *InterventionInput) { in.Issued = DateParts{"5", "9", "2026"}; in.Review = DateParts{} }, nil, false, []string{"issued-day"}},
		{"CPW first without reason", func(in *InterventionInput) { in.Kind = "community_protection_warning" }, nil, false, []string{"notes"}},
		{"CPW first with reason", func(in *InterventionInput) {
			in.Kind = "community_protection_warning"
			in.Notes = "Serious harm to a vulnerable victim"
		}, nil, false, nil},
		{"CPW after advice", func(in *InterventionInput) { in.Kind = "community_protection_warning" }, advised, false, nil},
		{"update ignores kind and subject", func(in *InterventionInput) { in.Kind, in.Subject, in.OfficerID = "", "", 0 }, nil, true, nil},
		{"bad status", func(in *InterventionInput) { in.Status = "served" }, nil, false, []string{"status"}},
		{"expired", func(in *InterventionInput) { in.IdempotencyKey = "" }, nil, false, []string{"status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			issued, review, fe := in.Validate(tt.have, []int64{7, 8}, today, tt.update)
			if got := fe.Fields(nil); !slices.Equal(got, tt.want) {
				t.Fatalf("fields %v, want %v (%v)", got, tt.want, fe)
			}
			if tt.name == "valid" && (issued.Format(time.DateOnly) != "2026-03-05" || review.Format(time.DateOnly) != "2026-03-19") {
				t.Errorf("dates %v %v", issued, review)
			}
		})
	}
}

func TestFillLetter(t *testing.T) {
	v := LetterValues{Subject: "Occupier, 14 Mill Court", Date: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
		Officer: "PC Tom Evans", Neighbourhood: "Riverside", CaseReference: "CASE-7K3Q-9XPD"}
	got := FillLetter("{{date}}\nTo: {{subject}}\nRef {{case_reference}} ({{neighbourhood}})\n{{officer}}\n{{unknown}} {{ subject }}", v)
	want := "5 March 2026\nTo: Occupier, 14 Mill Court\nRef CASE-7K3Q-9XPD (Riverside)\nPC Tom Evans\n{{unknown}} {{ subject }}"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	// Values are inserted as they are, once: a value that looks like a
	// placeholder or a template action is not expanded, and markup stays
	// plain text for the page to escape.
	hostile := LetterValues{Subject: `{{officer}} <script>alert(1)</script> {{.}} {{template "x"}}`, Officer: "Sgt O'Neil & Co"}
	got = FillLetter("To: {{subject}} from {{officer}}", hostile)
	want = `To: {{officer}} <script>alert(1)</script> {{.}} {{template "x"}} from Sgt O'Neil & Co`
	if got != want {
		t.Fatalf("hostile values: got %q, want %q", got, want)
	}
	// A template body with template actions is not executed either.
	if got := FillLetter(`{{define "x"}}{{.}}{{end}} {{printf "%s" "a"}}`, v); got != `{{define "x"}}{{.}}{{end}} {{printf "%s" "a"}}` {
		t.Fatalf("template actions ran: %q", got)
	}
	// No date yet: the placeholder is emptied rather than left showing.
	if got := FillLetter("Dated {{date}}.", LetterValues{}); got != "Dated ." {
		t.Fatalf("zero date: %q", got)
	}
}

func TestLetterTemplateChecks(t *testing.T) {
	if u := UnknownPlaceholders("{{subject}} {{ Subject }} {{name}} {{name}} {{date}}"); !slices.Equal(u, []string{"{{ Subject }}", "{{name}}"}) {
		t.Errorf("unknown placeholders %v", u)
	}
	for _, k := range LetterKinds {
		tpl, _ := DefaultLetterTemplate(k)
		if fe := (LetterTemplateInput{tpl.Title, tpl.Body}).Validate(); fe.Any() {
			t.Errorf("default %s template invalid: %v", k, fe)
		}
		if len(LetterPrompts(tpl.Body)) == 0 {
			t.Errorf("default %s template has no prompts for the officer", k)
		}
		for _, p := range Placeholders {
			if p.Value != "{{date}}" && !strings.Contains(tpl.Body, p.Value) {
				t.Errorf("default %s template lacks %s", k, p.Value)
			}
		}
	}
	fe := (LetterTemplateInput{"Warning", "Dear {{name}}"}).Validate()
	if !strings.Contains(fe["body"], "{{name}}") {
		t.Errorf("unknown placeholder not reported: %v", fe)
	}
	if fe := (LetterTemplateInput{"", ""}).Validate(); len(fe) != 2 {
		t.Errorf("empty template: %v", fe)
	}
	if p := LetterPrompts("Dear [name],\n[describe the behaviour] and [x]"); len(p) != 3 {
		t.Errorf("prompts %v", p)
	}
	if fe := ValidateLetter(" "); fe["letter"] == "" {
		t.Error("empty letter accepted")
	}
}

func TestInterventionStatuses(t *testing.T) {
	for _, s := range InterventionStatuses {
		if !s.Valid() || s.Label() == string(s) && s != "" {
			t.Errorf("%s: %v %q", s, s.Valid(), s.Label())
		}
	}
	if InterventionStatus("served").Valid() {
		t.Error("unknown status accepted")
	}
}
