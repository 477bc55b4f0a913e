package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoCourse is the demo's defusing course, modelled on the Dfuse pilot.
var demoCourse = portal.CourseInput{
	Title: "Defusing conflict and anti-social behaviour",
	Description: "A free 2-hour course on staying safe when tempers rise: how to judge a situation as it " +
		"changes (dynamic risk assessment), what to say and do to calm it, and when to walk away and call for help.",
	Provider: "Demoshire Community Safety Partnership",
	Audience: "Residents, shop and bar staff, Street Pastors and volunteers",
}

// loadDemoCourses adds the demo course and three sessions over the coming
// weeks (one nearly full) the first time it runs; later runs change
// nothing.
func loadDemoCourses(ctx context.Context, store *db.Store, stdout io.Writer) error {
	now := time.Now()
	courses, err := store.Courses(ctx, now)
	if err != nil {
		return err
	}
	for _, c := range courses {
		if c.Title == demoCourse.Title {
			fmt.Fprintln(stdout, "Demo courses: already loaded")
			return nil
		}
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	day := func(days, hour int) time.Time {
		d := now.In(london).AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 30, 0, 0, london)
	}
	sessions := []portal.SessionFields{
		{LPACode: "north", VenueName: "Riverside Community Centre", VenueAddress: "1 Mill Lane, Riverside",
			VenuePostcode: "DM1 1AB", Accessibility: "Step-free access, accessible toilet and a hearing loop.",
			MapURL: "https://www.openstreetmap.org/", StartsAt: day(9, 18), Capacity: 12},
		{LPACode: "north", VenueName: "Castle Library", VenueAddress: "2 Castle Street", StartsAt: day(23, 10), Capacity: 2},
		{LPACode: "south", VenueName: "Harbour Hall", VenueAddress: "3 Quay Road, Harbour",
			Accessibility: "Ground floor; parking at the front.", StartsAt: day(16, 18), Capacity: 15},
	}
	return store.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.CreateCourse(ctx, demoCourse)
		if err != nil {
			return err
		}
		for _, s := range sessions {
			s.CourseID, s.EndsAt, s.BookingClosesAt = id, s.StartsAt.Add(2*time.Hour), s.StartsAt.Add(-24*time.Hour)
			if _, err := tx.CreateSession(ctx, s, portal.Scope{All: true}); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "Demo courses: 1 course, %d sessions\n", len(sessions))
		return nil
	})
}
