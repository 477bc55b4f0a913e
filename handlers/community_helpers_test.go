package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// cmVolunteer creates a resident verified as a volunteer.
func cmVolunteer(t *testing.T, s *handlerstest.Server, email string) int64 {
	t.Helper()
	ctx := context.Background()
	admin := newStaff(t, s, "verifier-"+email, portal.RoleForceAdmin)
	id := acctResident(t, s, email)
	req, err := s.Store.RequestVolunteer(ctx, id, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "NHW", Area: "Riverside"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, req, portal.VolunteerVerified, admin)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// cmReports stores n anonymous reports of a category at a postcode.
func cmReports(t *testing.T, s *handlerstest.Server, first, n int, category, neighbourhood, postcode string) {
	t.Helper()
	for i := range n {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xfeed00+first+i), CategoryCode: category,
			Postcode: strings.ReplaceAll(postcode, " ", ""), NeighbourhoodCode: neighbourhood,
			Description: "It keeps happening", HappenedBefore: "no", Anonymous: "yes"}
		if _, err := s.Store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

// cmOutbox lists every queued email, oldest first.
func cmOutbox(t *testing.T, s *handlerstest.Server) []db.OutboxMessage {
	t.Helper()
	msgs, err := s.Store.OutboxMessages(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs
}

// cmMailTo returns the emails to one recipient.
func cmMailTo(t *testing.T, s *handlerstest.Server, to string) []db.OutboxMessage {
	t.Helper()
	var out []db.OutboxMessage
	for _, m := range cmOutbox(t, s) {
		if m.Recipient == to {
			out = append(out, m)
		}
	}
	return out
}
