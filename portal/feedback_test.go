package portal

import (
	"strings"
	"testing"
)

func TestFeedbackValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	tests := []struct {
		name string
		in   FeedbackInput
		want []string // fields with errors
	}{
		{"valid", FeedbackInput{key, "satisfied", "Good"}, nil},
		{"valid without comments", FeedbackInput{key, "neither", ""}, nil},
		{"no rating", FeedbackInput{key, "", ""}, []string{"rating"}},
		{"unknown rating", FeedbackInput{key, "ecstatic", ""}, []string{"rating"}},
		{"long comments", FeedbackInput{key, "satisfied", strings.Repeat("é", 1201)}, []string{"comments"}},
		{"comments at the limit", FeedbackInput{key, "satisfied", strings.Repeat("é", 1200)}, nil},
		{"both wrong", FeedbackInput{key, "", strings.Repeat("x", 1201)}, []string{"rating", "comments"}},
		{"bad key", FeedbackInput{"short", "satisfied", ""}, []string{"rating"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.in.Validate()
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v, want fields %v", fe, tt.want)
			}
			for _, f := range tt.want {
				if fe[f] == "" {
					t.Fatalf("no error for %s in %v", f, fe)
				}
			}
		})
	}
}

func TestValidIdempotencyKey(t *testing.T) {
	for k, want := range map[string]bool{
		strings.Repeat("0f", 16): true,
		strings.Repeat("0F", 16): false,
		strings.Repeat("0", 31):  false,
		"":                       false,
	} {
		if got := ValidIdempotencyKey(k); got != want {
			t.Errorf("ValidIdempotencyKey(%q) = %v", k, got)
		}
	}
}
