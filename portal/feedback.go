package portal

import "unicode/utf8"

// Ratings are the answers to "Overall, how did you feel about the service?".
var Ratings = []Option{
	{"very-satisfied", "Very satisfied"},
	{"satisfied", "Satisfied"},
	{"neither", "Neither satisfied nor dissatisfied"},
	{"dissatisfied", "Dissatisfied"},
	{"very-dissatisfied", "Very dissatisfied"},
}

// Option is one choice of a radio or checkbox question.
type Option struct {
	Value, Label string
}

// MaxFeedbackComments is the longest comment accepted.
const MaxFeedbackComments = 1200

// FeedbackInput is what someone sent through the feedback form.
type FeedbackInput struct {
	IdempotencyKey string
	Rating         string
	Comments       string
}

// Validate returns every problem with the input at once.
func (in FeedbackInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if !validOption(Ratings, in.Rating) {
		fe.Add("rating", "Select how you feel about the service")
	}
	if utf8.RuneCountInString(in.Comments) > MaxFeedbackComments {
		fe.Add("comments", "Your comments must be 1,200 characters or fewer")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("rating", "Your form expired. Check your answers and send it again")
	}
	return fe
}

func validOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// ValidIdempotencyKey reports whether k looks like the 128-bit random key
// forms carry (32 hex digits), so a replayed submission is recognised.
func ValidIdempotencyKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	for _, c := range k {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
