package main

import (
	"context"
	"fmt"
	"io"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoReplyTemplates are starting points for staff replies, by status and
// (for some) category. ((reference)), ((neighbourhood)) and ((category))
// are filled in from the report.
var demoReplyTemplates = []portal.ReplyTemplate{
	{Name: "We are looking into it", Status: portal.StatusNew, Body: "Thank you for your report ((reference)). " +
		"The ((neighbourhood)) neighbourhood policing team has read it and is looking into what is happening. " +
		"We will update you here when we have more to tell you.\n\n" +
		"If it happens again, tell us each time: every report helps us understand the problem."},
	{Name: "We are dealing with it", Status: portal.StatusOpen, Body: "We are still dealing with your report ((reference)). " +
		"Thank you for your patience. We will update you here when we have more to tell you."},
	{Name: "Ask for more information", Status: portal.StatusAwaitingInformation, Body: "Thank you for your report ((reference)). " +
		"To help us deal with it, please tell us more:\n\n" +
		"- the days and times it usually happens\n" +
		"- how many people are involved, and anything that would help us recognise them\n" +
		"- any vehicles involved, with their registration numbers if you can see them safely\n\n" +
		"You can add this information on this page. Never put yourself at risk to get it."},
	{Name: "Noise: diary sheets", CategoryCode: "noise", Status: portal.StatusAwaitingInformation, Body: "Thank you for reporting noise. " +
		"To help us and the council's environmental health team, please keep a note of each time it happens for the next two weeks: " +
		"the date, the start and end times, what you heard and how it affected you. Add it here as you go."},
	{Name: "Advice given", Status: portal.StatusClosed, Body: "We have given advice about the behaviour you reported in ((reference)), " +
		"and we are closing your report. If it happens again, please report it again: each report counts."},
	{Name: "Referred to the council", Status: portal.StatusClosed, Body: "This kind of problem is dealt with by your council, " +
		"so we have passed your report to them. They may contact you. If the behaviour continues, please report it again."},
	{Name: "Fly-tipping: passed to the council", CategoryCode: "fly-tipping", Body: "Your council clears fly-tipping, " +
		"so we have passed the location to them. You can also report fly-tipping to the council directly."},
	{Name: "Closing your report", Status: portal.StatusClosed, Body: "Thank you for reporting this. We are closing your report ((reference)). " +
		"If it happens again, please report it again. If you have reported the same problem three times in six months " +
		"and feel nothing has been done, you can ask for an ASB case review."},
}

// loadDemoTemplates adds the demo reply templates; those already there (by
// name) are left as they are, so running it again changes nothing.
func loadDemoTemplates(ctx context.Context, store *db.Store, stdout io.Writer) error {
	added := 0
	for _, t := range demoReplyTemplates {
		ok, err := store.EnsureReplyTemplate(ctx, t)
		if err != nil {
			return fmt.Errorf("demo reply template %q: %w", t.Name, err)
		}
		if ok {
			added++
		}
	}
	fmt.Fprintf(stdout, "Demo reply templates: %d added, %d already there.\n", added, len(demoReplyTemplates)-added)
	return nil
}
