package portal

import (
	"strings"
	"testing"
)

func TestCommentInputValidate(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"ok", "Parking is bad", ""},
		{"empty", "", "Enter your comment"},
		{"spaces", "  \n ", "Enter your comment"},
		{"at the limit", strings.Repeat("é", MaxComment), ""},
		{"too long", strings.Repeat("a", MaxComment+1), "Your comment must be 2,000 characters or fewer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (CommentInput{Body: tc.body}).Validate()["comment"]; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCommentDecision(t *testing.T) {
	for _, tc := range []struct {
		name      string
		item      ModerationItem
		state     CommentState
		published string
	}{
		{"approved", ModerationItem{Status: ModerationApproved, Body: "a"}, CommentPublished, "a"},
		{"edited", ModerationItem{Status: ModerationApproved, Body: "a b", Edited: true, EditedBody: "a"}, CommentPublished, "a"},
		{"rejected", ModerationItem{Status: ModerationRejected, Body: "a"}, CommentRejected, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state, body := CommentDecision(tc.item)
			if state != tc.state || body != tc.published {
				t.Errorf("got %s %q, want %s %q", state, body, tc.state, tc.published)
			}
		})
	}
}

func TestAnswerInputEmpty(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   AnswerInput
		want bool
	}{
		{"nothing", AnswerInput{Rank: []string{"", ""}}, true},
		{"choice", AnswerInput{Choices: []string{"Yes"}}, false},
		{"other", AnswerInput{Other: "x"}, false},
		{"text", AnswerInput{Text: "x"}, false},
		{"rating", AnswerInput{Rating: "3"}, false},
		{"rank", AnswerInput{Rank: []string{"", "1"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Empty(); got != tc.want {
				t.Errorf("Empty() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSaveForLaterValidate(t *testing.T) {
	for _, tc := range []struct{ email, want string }{
		{"a@example.org", ""},
		{"", "Enter your email address"},
		{"nope", "Enter an email address in the correct format, like name@example.com"},
	} {
		if got := (SaveForLaterInput{Email: tc.email}).Validate()["email"]; got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.email, got, tc.want)
		}
	}
}
