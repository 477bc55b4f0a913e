package portal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Risk is how much harm a report suggests, which orders the triage queue
// and sets its target time.
type Risk string

// The risk levels.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Risks lists the levels from the most to the least urgent.
var Risks = []Risk{RiskHigh, RiskMedium, RiskLow}

// Label is the level as staff read it.
func (r Risk) Label() string {
	switch r {
	case RiskHigh:
		return "High"
	case RiskMedium:
		return "Medium"
	case RiskLow:
		return "Low"
	}
	return string(r)
}

// Valid reports whether r is one of the levels.
func (r Risk) Valid() bool { return slices.Contains(Risks, r) }

// Raise is the next level up; high stays high.
func (r Risk) Raise() Risk {
	switch r {
	case RiskLow:
		return RiskMedium
	case RiskMedium, RiskHigh:
		return RiskHigh
	}
	return r
}

// RiskAnswers are the facts the initial risk is worked out from: the
// resident's answers to the harm questions, and whether the data shows them
// to be a repeat victim.
type RiskAnswers struct {
	Hate           string // "yes", "no" or "not-sure"
	UnsafeAtHome   bool
	Health         bool
	Children       bool
	StoppedThings  bool
	Vulnerable     bool // the resident told us about their circumstances
	HappenedBefore bool
	RepeatVictim   bool
}

// RiskAnswersFromDraft reads the harm answers of a report being submitted.
func RiskAnswersFromDraft(d *ReportDraft, repeatVictim bool) RiskAnswers {
	return RiskAnswers{
		Hate:           d.Hate,
		UnsafeAtHome:   slices.Contains(d.Impacts, "unsafe-at-home"),
		Health:         slices.Contains(d.Impacts, "health"),
		Children:       slices.Contains(d.Impacts, "children"),
		StoppedThings:  slices.Contains(d.Impacts, "stopped"),
		Vulnerable:     strings.TrimSpace(d.Vulnerability) != "",
		HappenedBefore: d.HappenedBefore == "yes",
		RepeatVictim:   repeatVictim,
	}
}

// anyImpact reports whether any of the impact questions was answered yes.
func (a RiskAnswers) anyImpact() bool {
	return a.UnsafeAtHome || a.Health || a.Children || a.StoppedThings
}

// RiskAssessment is a level with the reasons for it, in plain English.
type RiskAssessment struct {
	Risk    Risk
	Reasons []string
}

// AssessInitialRisk sets the risk of a report as it arrives, before anyone
// has read it: hate motivation, feeling unsafe at home, or vulnerability
// together with an impact are high; any impact, vulnerability, uncertainty
// about hate or a repeat of earlier behaviour are medium; anything else is
// low. Being a repeat victim raises the level by one.
func AssessInitialRisk(a RiskAnswers) RiskAssessment {
	var high, medium []string
	if a.Hate == "yes" {
		high = append(high, "The reporter thinks it was because of who they are (hate)")
	}
	if a.UnsafeAtHome {
		high = append(high, "The reporter feels unsafe in their home")
	}
	if a.Health || a.Children || a.StoppedThings {
		medium = append(medium, "It is affecting the reporter's health, children or daily life")
	}
	switch {
	case a.Vulnerable && a.anyImpact():
		high = append(high, "The reporter told us about their circumstances, and it is affecting them")
	case a.Vulnerable:
		medium = append(medium, "The reporter told us about their circumstances")
	}
	if a.Hate == "not-sure" {
		medium = append(medium, "The reporter is not sure whether it was because of who they are (hate)")
	}
	if a.HappenedBefore {
		medium = append(medium, "It has happened before")
	}
	out := RiskAssessment{Risk: RiskLow}
	switch {
	case len(high) > 0:
		out.Risk = RiskHigh
	case len(medium) > 0:
		out.Risk = RiskMedium
	}
	out.Reasons = append(high, medium...)
	if a.RepeatVictim {
		out.Risk = out.Risk.Raise()
		out.Reasons = append(out.Reasons, fmt.Sprintf("Repeat victim: %d or more reports from the same person in %d months",
			RepeatVictimReports, RepeatVictimMonths))
	}
	if len(out.Reasons) == 0 {
		out.Reasons = []string{"No harm answers raise the risk"}
	}
	return out
}

// Targets are the working days within which a report of each risk should
// be triaged, counted from its arrival.
type Targets struct {
	High, Medium, Low int
}

// DefaultTargets are 1 working day for high risk, 2 for medium, 5 for low.
func DefaultTargets() Targets { return Targets{High: 1, Medium: 2, Low: 5} }

// Days is the target for a risk level, in working days.
func (t Targets) Days(r Risk) int {
	switch r {
	case RiskHigh:
		return t.High
	case RiskMedium:
		return t.Medium
	}
	return t.Low
}

// DueAt is when a report of risk r that arrived at arrived is due.
func (t Targets) DueAt(arrived time.Time, r Risk) time.Time {
	return AddWorkingDays(arrived, t.Days(r))
}

// IsZero reports whether no target is set (the configuration was left out).
func (t Targets) IsZero() bool { return t == Targets{} }

// ParseTargets reads targets written as "high=1,medium=2,low=5"; levels
// left out keep their value in base. Each must be 1 to 30 working days.
func ParseTargets(s string, base Targets) (Targets, error) {
	out := base
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if !ok || err != nil || n < 1 || n > 30 {
			return base, fmt.Errorf("%q must look like high=1 (1 to 30 working days)", item)
		}
		switch Risk(strings.ToLower(strings.TrimSpace(name))) {
		case RiskHigh:
			out.High = n
		case RiskMedium:
			out.Medium = n
		case RiskLow:
			out.Low = n
		default:
			return base, fmt.Errorf("%q names no risk level (use high, medium or low)", item)
		}
	}
	return out, nil
}
