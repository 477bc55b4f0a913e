package portal

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestModerationDecisionValidate(t *testing.T) {
	item := ModerationItem{Body: "The bins on Mill Lane are always overflowing", Status: ModerationPending}
	long := strings.Repeat("x", MaxModerationReason+1)
	tests := []struct {
		name string
		d    ModerationDecision
		errs map[string]string
	}{
		{"approve", ModerationDecision{Action: ModerationApprove}, nil},
		{"approve ignores the other fields", ModerationDecision{Action: ModerationApprove, Reason: long}, nil},
		{"no action", ModerationDecision{}, map[string]string{"action": "Select what to do with it"}},
		{"unknown action", ModerationDecision{Action: "delete"}, map[string]string{"action": "Select what to do with it"}},
		{"reject needs a reason", ModerationDecision{Action: ModerationReject}, map[string]string{"reason": "Enter why you are rejecting it"}},
		{"reject reason too long", ModerationDecision{Action: ModerationReject, Reason: long}, map[string]string{"reason": "The reason must be 500 characters or fewer"}},
		{"reject", ModerationDecision{Action: ModerationReject, Reason: "Abusive"}, nil},
		{"edit needs both", ModerationDecision{Action: ModerationEdit}, map[string]string{
			"edited-body": "Enter the text to publish", "redaction-note": "Enter what you took out and why"}},
		{"edit must change something", ModerationDecision{Action: ModerationEdit, EditedBody: item.Body, RedactionNote: "Nothing"},
			map[string]string{"edited-body": "Change the text, or choose to approve it as written"}},
		{"edit too long", ModerationDecision{Action: ModerationEdit, EditedBody: strings.Repeat("é", MaxModerationBody+1), RedactionNote: "x"},
			map[string]string{"edited-body": "The text must be 5,000 characters or fewer"}},
		{"edit", ModerationDecision{Action: ModerationEdit, EditedBody: "The bins on [street] are always overflowing", RedactionNote: "A street name"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.d.Validate(item)
			if len(fe) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", fe, tt.errs)
			}
			for k, v := range tt.errs {
				if fe[k] != v {
					t.Errorf("%s: %q, want %q", k, fe[k], v)
				}
			}
		})
	}
}

func TestModerationApply(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	pending := ModerationItem{ID: 1, Body: "Call Sam at 12 Mill Lane, he knows", Status: ModerationPending}

	approved, err := pending.Apply(ModerationDecision{Action: ModerationApprove}, "Grace", at)
	if err != nil || approved.Status != ModerationApproved || approved.Published() != pending.Body || approved.DecidedBy != "Grace" || !approved.DecidedAt.Equal(at) {
		t.Fatalf("approve: %+v, %v", approved, err)
	}

	rejected, err := pending.Apply(ModerationDecision{Action: ModerationReject, Reason: "Names a person"}, "Grace", at)
	if err != nil || rejected.Status != ModerationRejected || rejected.Reason != "Names a person" || rejected.Published() != "" {
		t.Fatalf("reject: %+v, %v", rejected, err)
	}

	edited, err := pending.Apply(ModerationDecision{Action: ModerationEdit, EditedBody: "Call [name removed], he knows",
		RedactionNote: "A name and an address"}, "Grace", at)
	if err != nil || edited.Status != ModerationApproved || !edited.Edited || edited.Published() != "Call [name removed], he knows" ||
		edited.Body != pending.Body || edited.RedactionNote != "A name and an address" {
		t.Fatalf("edit: %+v, %v", edited, err)
	}

	// Only a pending item can be decided: a second decision is a conflict.
	for _, decided := range []ModerationItem{approved, rejected, edited} {
		if _, err := decided.Apply(ModerationDecision{Action: ModerationApprove}, "Tom", at); !errors.Is(err, ErrConflict) {
			t.Errorf("deciding a %s item: %v, want ErrConflict", decided.Status, err)
		}
	}
	// An invalid decision changes nothing.
	same, err := pending.Apply(ModerationDecision{Action: ModerationReject}, "Grace", at)
	var fe FieldErrors
	if !errors.As(err, &fe) || same.Status != ModerationPending {
		t.Fatalf("invalid: %+v, %v", same, err)
	}
	if pending.Published() != "" {
		t.Error("pending text is published")
	}
}

func TestModerationRoles(t *testing.T) {
	for role, want := range map[Role]bool{RolePCSO: false, RoleOfficer: false, RoleCaseReviewCoordinator: false,
		RoleSergeant: true, RoleForceAdmin: true, RoleResident: false} {
		if got := ModeratesUnplaced(role); got != want {
			t.Errorf("ModeratesUnplaced(%s) = %v", role, got)
		}
	}
	if ModerationEdit.Status() != ModerationApproved || ModerationReject.Status() != ModerationRejected {
		t.Error("statuses of actions")
	}
	if ModerationPending.Label() != "Waiting" || ModerationRejected.Label() != "Rejected" {
		t.Error("labels")
	}
}
