package portal

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Public comments on a consultation, and answers saved to come back to.

// Limits and thresholds of comments.
const (
	MaxComment           = 2000
	CommentFlagsToHide   = 3 // flags from different people that hide a published comment
	CommentModerationKey = "consultation_comment"
)

// CommentModerationKind is how comments appear in the moderation queue.
var CommentModerationKind = ModerationKind{Name: CommentModerationKey, Label: "Consultation comment"}

// CommentState is where a comment is.
type CommentState string

// The states of a comment.
const (
	CommentPending   CommentState = "pending"   // waiting for a moderator
	CommentPublished CommentState = "published" // public
	CommentHidden    CommentState = "hidden"    // flagged by the public, waiting for a moderator again
	CommentRejected  CommentState = "rejected"  // never shown
)

// Comment is a published comment as the public sees it: with no name,
// since a name is personal data and could be someone else's.
type Comment struct {
	ID          int64
	Body        string
	PublishedAt time.Time
}

// CommentInput is the comment form, as typed.
type CommentInput struct {
	Body string
}

// Validate returns every problem with the comment at once.
func (in CommentInput) Validate() FieldErrors {
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(in.Body); {
	case strings.TrimSpace(in.Body) == "":
		fe.Add("comment", "Enter your comment")
	case n > MaxComment:
		fe.Add("comment", "Your comment must be 2,000 characters or fewer")
	}
	return fe
}

// CommentDecision is what a moderator's decision does to a comment: the
// state it takes and the text published (empty unless published).
func CommentDecision(item ModerationItem) (CommentState, string) {
	if item.Status == ModerationApproved {
		return CommentPublished, item.Published()
	}
	return CommentRejected, ""
}

// SaveForLaterInput is the "save and come back later" form, as typed.
type SaveForLaterInput struct {
	Email string
}

// Validate returns the problem with the email address, if any.
func (in SaveForLaterInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if msg := accountEmailError(in.Email); msg != "" {
		fe.Add("email", msg)
	}
	return fe
}
