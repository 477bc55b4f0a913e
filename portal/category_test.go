package portal

import (
	"reflect"
	"strings"
	"testing"
)

func TestCategoryInputValidate(t *testing.T) {
	ok := CategoryInput{Code: "street-drinking", Type: "nuisance", Name: "Street drinking", Order: "70"}
	tests := []struct {
		name  string
		edit  func(*CategoryInput)
		isNew bool
		want  map[string]string
	}{
		{"valid new", func(*CategoryInput) {}, true, nil},
		{"valid with hint and notice", func(in *CategoryInput) {
			in.Hint, in.Notice = strings.Repeat("h", MaxCategoryHint), strings.Repeat("n", MaxCategoryNotice)
		}, true, nil},
		{"digits in code", func(in *CategoryInput) { in.Code = "type-2" }, true, nil},
		{"order zero", func(in *CategoryInput) { in.Order = "0" }, true, nil},
		{"everything missing", func(in *CategoryInput) { *in = CategoryInput{} }, true, map[string]string{
			"code":  "Enter a code",
			"type":  "Select the type of anti-social behaviour",
			"name":  "Enter a name",
			"order": "Enter a position in the list, like 45",
		}},
		{"code ignored when editing", func(in *CategoryInput) { in.Code = "" }, false, nil},
		{"uppercase code", func(in *CategoryInput) { in.Code = "Noise" }, true, map[string]string{
			"code": "Code must only include lowercase letters, numbers and hyphens between words, like street-drinking"}},
		{"space in code", func(in *CategoryInput) { in.Code = "street drinking" }, true, map[string]string{
			"code": "Code must only include lowercase letters, numbers and hyphens between words, like street-drinking"}},
		{"leading hyphen", func(in *CategoryInput) { in.Code = "-noise" }, true, map[string]string{
			"code": "Code must only include lowercase letters, numbers and hyphens between words, like street-drinking"}},
		{"double hyphen", func(in *CategoryInput) { in.Code = "a--b" }, true, map[string]string{
			"code": "Code must only include lowercase letters, numbers and hyphens between words, like street-drinking"}},
		{"code too short", func(in *CategoryInput) { in.Code = "a" }, true, map[string]string{
			"code": "Code must be between 2 and 40 characters"}},
		{"code too long", func(in *CategoryInput) { in.Code = strings.Repeat("a", 41) }, true, map[string]string{
			"code": "Code must be between 2 and 40 characters"}},
		{"unknown type", func(in *CategoryInput) { in.Type = "crime" }, true, map[string]string{
			"type": "Select the type of anti-social behaviour"}},
		{"long texts", func(in *CategoryInput) {
			in.Name, in.Hint, in.Notice = strings.Repeat("é", 101), strings.Repeat("h", 251), strings.Repeat("n", 501)
		}, false, map[string]string{
			"name":   "Name must be 100 characters or fewer",
			"hint":   "Hint must be 250 characters or fewer",
			"notice": "Notice must be 500 characters or fewer",
		}},
		{"order not a number", func(in *CategoryInput) { in.Order = "4.5" }, true, map[string]string{
			"order": "Position must be a whole number, like 45"}},
		{"order negative", func(in *CategoryInput) { in.Order = "-1" }, true, map[string]string{
			"order": "Position must be between 0 and 99999"}},
		{"order too big", func(in *CategoryInput) { in.Order = "100000" }, true, map[string]string{
			"order": "Position must be between 0 and 99999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			got := in.Validate(tt.isNew)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(map[string]string(got), tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestCategoryInputTidyAndRecord(t *testing.T) {
	in := CategoryInput{Code: " noise ", Type: "nuisance ", Name: " Loud\n  music ", Hint: "a\r\nb", Notice: "  ", Order: " 45 "}.Tidy()
	want := CategoryInput{Code: "noise", Type: "nuisance", Name: "Loud music", Hint: "a b", Notice: "", Order: "45"}
	if in != want {
		t.Fatalf("tidy: %+v", in)
	}
	rec := in.Record()
	if rec.Code != "noise" || rec.Type != ASBNuisance || rec.Name != "Loud music" || rec.SortOrder != 45 || !rec.Active {
		t.Fatalf("record: %+v", rec)
	}
	if back := CategoryInputFrom(rec); back != in {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestCategoryChanges(t *testing.T) {
	a := CategoryRecord{Category: Category{Code: "noise", Type: ASBNuisance, Name: "Noise"}, SortOrder: 40, Active: true}
	b := a
	if got := a.Changes(b); len(got) != 0 || !a.SameAs(b) {
		t.Fatalf("no change: %v", got)
	}
	b.Name, b.Notice, b.SortOrder, b.Active = "Loud noise", "Call the council", 45, false
	if got := a.Changes(b); !reflect.DeepEqual(got, []string{"name", "notice", "order"}) {
		t.Fatalf("changes: %v", got)
	}
	if a.SameAs(b) {
		t.Fatal("different categories called the same")
	}
	b = a
	b.Code = "other"
	if a.SameAs(b) {
		t.Fatal("different codes called the same")
	}
}

func TestNextCategoryOrder(t *testing.T) {
	tests := []struct {
		orders []int
		want   int
	}{
		{nil, 10},
		{[]int{10, 180, 40}, 190},
		{[]int{0}, 10},
		{[]int{MaxCategoryOrder - 3}, MaxCategoryOrder},
	}
	for _, tt := range tests {
		var cats []CategoryRecord
		for _, o := range tt.orders {
			cats = append(cats, CategoryRecord{SortOrder: o})
		}
		if got := NextCategoryOrder(cats); got != tt.want {
			t.Errorf("NextCategoryOrder(%v) = %d, want %d", tt.orders, got, tt.want)
		}
	}
}

func TestASBTypeShortLabel(t *testing.T) {
	for _, ty := range ASBTypes {
		if l := ty.ShortLabel(); l == "" || l == string(ty) {
			t.Errorf("%s has no short label", ty)
		}
	}
}

func TestBanInputValidate(t *testing.T) {
	const badEmail = "Enter an email address in the correct format, like name@example.com, or a domain, like @example.com"
	tests := []struct {
		pattern, reason string
		wantPattern     string // the tidied pattern
		want            map[string]string
	}{
		{"Troll@Example.ORG ", "", "troll@example.org", nil},
		{"@Spam.Example", "Sends abuse", "@spam.example", nil},
		{"@mail.xn--bcher-kva.example", "", "@mail.xn--bcher-kva.example", nil},
		{"first.last+tag@sub.example.co.uk", "", "first.last+tag@sub.example.co.uk", nil},
		{"", "", "", map[string]string{"pattern": "Enter an email address or a domain"}},
		{"spam.example", "", "spam.example", map[string]string{"pattern": "To ban a whole domain, start it with @, like @spam.example"}},
		{"@spam", "", "@spam", map[string]string{"pattern": "Enter a domain in the correct format, like @example.com"}},
		{"@-spam.example", "", "@-spam.example", map[string]string{"pattern": "Enter a domain in the correct format, like @example.com"}},
		{"@spam..example", "", "@spam..example", map[string]string{"pattern": "Enter a domain in the correct format, like @example.com"}},
		{"@%.example", "", "@%.example", map[string]string{"pattern": "Enter a domain in the correct format, like @example.com"}},
		{"troll", "", "troll", map[string]string{"pattern": badEmail}},
		{"troll@", "", "troll@", map[string]string{"pattern": badEmail}},
		{"Troll <troll@example.org>", "", "troll <troll@example.org>", map[string]string{"pattern": badEmail}},
		{"troll@[127.0.0.1]", "", "troll@[127.0.0.1]", map[string]string{"pattern": badEmail}},
		{"a@b@example.org", "", "a@b@example.org", map[string]string{"pattern": badEmail}},
		{strings.Repeat("a", 250) + "@x.org", "", strings.Repeat("a", 250) + "@x.org",
			map[string]string{"pattern": "Email address or domain must be 254 characters or fewer"}},
		{"troll@example.org", strings.Repeat("r", 201), "troll@example.org",
			map[string]string{"reason": "Reason must be 200 characters or fewer"}},
		{"", strings.Repeat("r", 201), "", map[string]string{
			"pattern": "Enter an email address or a domain", "reason": "Reason must be 200 characters or fewer"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			in := BanInput{Pattern: tt.pattern, Reason: tt.reason}.Tidy()
			if in.Pattern != tt.wantPattern {
				t.Fatalf("tidied %q", in.Pattern)
			}
			got := in.Validate()
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(map[string]string(got), tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestBannedEmailID(t *testing.T) {
	b := BanInput{Pattern: "@Spam.Example", Reason: " a \n b "}.Tidy().Ban()
	if b.Pattern != "@spam.example" || b.Reason != "a b" || !b.Domain() {
		t.Fatalf("ban %+v", b)
	}
	id := b.ID()
	// sha256("@spam.example"), so the database can compute the same.
	if id != BannedEmailID("@spam.example") || !ValidBannedEmailID(id) || strings.Contains(id, "spam") {
		t.Fatalf("id %q", id)
	}
	if (BannedEmail{Pattern: "a@spam.example"}).Domain() {
		t.Fatal("an address called a domain")
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), strings.ToUpper(id), id + "0"} {
		if ValidBannedEmailID(bad) {
			t.Errorf("ValidBannedEmailID(%q)", bad)
		}
	}
}
