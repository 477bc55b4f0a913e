package portal

import (
	"reflect"
	"testing"
)

func TestFieldErrorsKeepsFirstMessage(t *testing.T) {
	fe := FieldErrors{}
	fe.Add("email", "Enter an email address")
	fe.Add("email", "Enter a shorter email address")
	if got := fe["email"]; got != "Enter an email address" {
		t.Fatalf("got %q", got)
	}
	if !fe.Any() {
		t.Fatal("Any() = false with one error")
	}
}

func TestFieldErrorsOrder(t *testing.T) {
	fe := FieldErrors{"z": "z", "b": "b", "a": "a"}
	got := fe.Fields([]string{"b", "missing"})
	want := []string{"b", "a", "z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fields = %v, want %v", got, want)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"plain", true},
		{"emoji 🙂 and ünïcödé", true},
		{"", true},
		{"nul\x00byte", false},
		{"bad \xff utf8", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Fatalf("CleanText(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
