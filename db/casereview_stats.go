package db

import (
	"context"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// caseReviewStatisticsSQL counts, for one local authority area and one
// period, the events the Act says must be published: applications by the
// date received, "threshold not met" decisions by the date decided (in
// England and Wales), and reviews (with or without recommendations) by the
// date of the review meeting.
const caseReviewStatisticsSQL = `
	SELECT a.code, a.name,
	       count(c.id) FILTER (WHERE c.received_on BETWEEN :from AND :to) AS received,
	       count(c.id) FILTER (WHERE c.decision = 'not_met'
	                             AND CAST(c.decided_at AT TIME ZONE 'Europe/London' AS date) BETWEEN :from AND :to) AS not_met,
	       count(c.id) FILTER (WHERE c.meeting_on BETWEEN :from AND :to) AS reviews,
	       count(c.id) FILTER (WHERE c.meeting_on BETWEEN :from AND :to
	                             AND EXISTS (SELECT 1 FROM case_review_recommendations r
	                                          WHERE r.application_id = c.id)) AS with_recommendations
	  FROM local_authorities a
	  LEFT JOIN case_review_applications c ON c.local_authority_id = a.id
	 WHERE a.code = :area
	 GROUP BY a.id`

// CaseReviewStatistics computes an area's published figures for the period
// from..to (calendar dates, inclusive). An unknown area answers
// portal.ErrNotFound.
func (s *Store) CaseReviewStatistics(ctx context.Context, area string, from, to time.Time) (portal.CaseReviewStatistics, error) {
	var row struct {
		Code                string `db:"code"`
		Name                string `db:"name"`
		Received            int    `db:"received"`
		NotMet              int    `db:"not_met"`
		Reviews             int    `db:"reviews"`
		WithRecommendations int    `db:"with_recommendations"`
	}
	q, args, err := s.db.BindNamed(caseReviewStatisticsSQL, map[string]any{
		"area": area, "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)})
	if err == nil {
		err = s.db.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.CaseReviewStatistics{}, wrap("case review statistics", err)
	}
	return portal.CaseReviewStatistics{Area: row.Code, AreaName: row.Name, From: from, To: to, Received: row.Received,
		NotMet: row.NotMet, Reviews: row.Reviews, WithRecommendations: row.WithRecommendations}, nil
}
