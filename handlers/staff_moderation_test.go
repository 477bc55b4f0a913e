package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/portal"
)

// testComments is a kind of public text plugged into the moderation queue
// the way a feature would, recording the decisions it is told of.
var testComments = struct {
	sync.Mutex
	decided map[int64]portal.ModerationItem
}{decided: map[int64]portal.ModerationItem{}}

func init() {
	handlers.RegisterModerationKind(portal.ModerationKind{Name: "test_comment", Label: "Test comment"},
		func(_ context.Context, _ *db.Tx, item portal.ModerationItem) error {
			testComments.Lock()
			defer testComments.Unlock()
			testComments.decided[item.RefID] = item
			return nil
		})
}

func decidedComment(ref int64) (portal.ModerationItem, bool) {
	testComments.Lock()
	defer testComments.Unlock()
	item, ok := testComments.decided[ref]
	return item, ok
}

// moderationItems queues a comment in Riverside, one in Castle and one for
// the whole force, with unique refs; it returns their item ids and refs.
func moderationItems(t *testing.T, s *insightServer, base int64) (ids, refs [3]int64) {
	t.Helper()
	ctx := context.Background()
	for i, nbh := range []string{"north-riverside", "north-castle", ""} {
		var nid int64
		if nbh != "" {
			n, err := s.Store.NeighbourhoodByCode(ctx, nbh)
			if err != nil {
				t.Fatal(err)
			}
			nid = n.ID
		}
		refs[i] = base + int64(i)
		id, err := s.Store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "test_comment", RefID: refs[i],
			NeighbourhoodID: nid, Body: fmt.Sprintf("Comment %d: the lights by Flat 4, Mill Court are out\n<b>again</b>", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids, refs
}

func modPath(id int64) string { return fmt.Sprintf("/staff/moderation/%d", id) }

func TestModerationQueueScope(t *testing.T) {
	s := newInsightServer(t)
	ids, _ := moderationItems(t, s, 1000)
	pcso := s.as(t, s.pcso)
	r := pcso.Get("/staff/moderation").Status(t, 200)
	r.Contains(t, "Moderation queue", "Waiting (1)", "Test comment", "Riverside", "Comment 0", "&lt;b&gt;again&lt;/b&gt;")
	for _, hidden := range []string{"Comment 1", "Comment 2", "Whole force"} {
		if strings.Contains(r.Body, hidden) {
			t.Errorf("PCSO's queue shows %q", hidden)
		}
	}
	for _, id := range ids[1:] {
		pcso.Get(modPath(id)).Status(t, 404)
		pcso.PostForm(modPath(id), url.Values{"action": {"approve"}}).Status(t, 404)
	}
	pcso.Get("/staff/moderation/99999").Status(t, 404)

	// Officers see their LPA's; sergeants also the force-wide ones.
	if body := s.as(t, s.officer).Get("/staff/moderation").Status(t, 200).Body; !strings.Contains(body, "Waiting (2)") || strings.Contains(body, "Comment 2") {
		t.Error("officer's queue")
	}
	sgt := s.as(t, s.sergeant)
	sgt.Get("/staff/moderation").Status(t, 200).Contains(t, "Waiting (3)", "Comment 2", "Whole force")
	sgt.Get(modPath(ids[2])).Status(t, 200).Contains(t, "Whole force", "What do you want to do with it?")
	if views := acctAuditRows(t, s.Server, "moderation.view"); len(views) != 1 || views[0].TargetID != fmt.Sprint(ids[2]) ||
		views[0].TargetType != "moderation_item" {
		t.Fatalf("view audit %+v", views)
	}

	// Nothing waiting: a clear empty state.
	south := s.as(t, acctStaff(t, s.Server, "south@insight.example", portal.RolePCSO, nil, []string{"south-heath"}))
	south.Get("/staff/moderation").Status(t, 200).Contains(t, "Nothing is waiting for moderation in your areas",
		"such as a comment on a neighbourhood consultation")
	s.Client(t).Get("/staff/moderation").Status(t, 303)
}

func TestModerationDecisions(t *testing.T) {
	s := newInsightServer(t)
	ids, refs := moderationItems(t, s, 2000)
	sgt := s.as(t, s.sergeant)

	t.Run("reject needs a reason", func(t *testing.T) {
		sgt.Get(modPath(ids[0]))
		sgt.PostForm(modPath(ids[0]), url.Values{"action": {"reject"}}).Status(t, 422).Contains(t,
			"There is a problem", `href="#reason"`, "Enter why you are rejecting it", `id="action-reject" name="action" type="radio" value="reject" checked`)
		sgt.PostForm(modPath(ids[0]), url.Values{}).Status(t, 422).Contains(t, `href="#action"`, "Select what to do with it")
	})
	t.Run("reject", func(t *testing.T) {
		r := sgt.PostForm(modPath(ids[0]), url.Values{"action": {"reject"}, "reason": {"Names a flat"}}).Status(t, 303)
		if r.Header.Get("Location") != "/staff/moderation" {
			t.Fatalf("redirect to %q", r.Header.Get("Location"))
		}
		sgt.Get("/staff/moderation").Status(t, 200).Contains(t, "Rejected", "Recently decided", "Waiting (2)")
		item, ok := decidedComment(refs[0])
		if !ok || item.Status != portal.ModerationRejected || item.Reason != "Names a flat" {
			t.Fatalf("the feature was told %+v, %v", item, ok)
		}
		audits := acctAuditRows(t, s.Server, "moderation.reject")
		if len(audits) != 1 || audits[0].TargetID != fmt.Sprint(ids[0]) || audits[0].Details["kind"] != "test_comment" ||
			audits[0].ActorID != s.sergeant {
			t.Fatalf("audit %+v", audits)
		}
		sgt.Get(modPath(ids[0])).Status(t, 200).Contains(t, "Reason for rejecting", "Names a flat")
	})
	t.Run("edit records the redaction", func(t *testing.T) {
		sgt.Get(modPath(ids[1]))
		sgt.PostForm(modPath(ids[1]), url.Values{"action": {"edit"}, "edited-body": {"The lights are out again"}}).Status(t, 422).Contains(t,
			`href="#redaction-note"`, "Enter what you took out and why", "The lights are out again")
		sgt.PostForm(modPath(ids[1]), url.Values{"action": {"edit"}, "edited-body": {"The lights are out again"},
			"redaction-note": {"An address"}}).Status(t, 303)
		item, ok := decidedComment(refs[1])
		if !ok || item.Published() != "The lights are out again" || !strings.HasPrefix(item.Body, "Comment 1: the lights by Flat 4") {
			t.Fatalf("the feature was told %+v", item)
		}
		sgt.Get(modPath(ids[1])).Status(t, 200).Contains(t, "What the resident wrote", "Flat 4, Mill Court",
			"What was published", "The lights are out again", "What was taken out", "An address")
		if len(acctAuditRows(t, s.Server, "moderation.edit")) != 1 {
			t.Fatal("edit not audited")
		}
	})
	t.Run("approve, twice", func(t *testing.T) {
		sgt.Get(modPath(ids[2]))
		sgt.PostForm(modPath(ids[2]), url.Values{"action": {"approve"}}).Status(t, 303)
		// The same decision sent again (a double click) answers the same.
		sgt.PostForm(modPath(ids[2]), url.Values{"action": {"approve"}}).Status(t, 303)
		if len(acctAuditRows(t, s.Server, "moderation.approve")) != 1 {
			t.Fatal("approval audited more than once")
		}
		// Someone else, or another decision, is told it was decided first.
		admin := s.as(t, s.admin)
		admin.Get(modPath(ids[2]))
		admin.PostForm(modPath(ids[2]), url.Values{"action": {"reject"}, "reason": {"Too late"}}).Status(t, 409).Contains(t,
			"Someone else decided this while you were looking at it", "Approved by Staff sergeant@insight.example")
		if item, _ := decidedComment(refs[2]); item.Status != portal.ModerationApproved {
			t.Fatalf("decision overwritten: %+v", item)
		}
	})
}
