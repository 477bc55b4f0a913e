package handlers

import (
	"net/http"
	"slices"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The reporting journey follows the GOV.UK question-page pattern: one thing
// per page, answers kept in the session while the resident moves back and
// forth, "check your answers", then a confirmation with a reference.

const sessReportDraft = "report_draft"
const sessLastReport = "last_report"

// reportPage is the data of every page of the journey.
type reportPage struct {
	Page
	Draft          *portal.ReportDraft
	Step           string
	Change         bool // came from "check your answers": return there
	Back           string
	Categories     []portal.Category
	Groups         []categoryGroup
	Types          []portal.ASBType
	LPAs           []portal.LPA
	Describe       bool // "describe the place instead" of a postcode
	Similar        []db.SimilarReport
	Photos         []int64
	Impacts        []portal.Option
	HateReasons    []portal.Option
	Category       portal.Category
	MaxDescription int
	MaxPhotos      int
	Reference      string
	Email          bool
	Neighbourhood  string
	Map            MapConfig // the optional map pin on "Where", when on
	MapLat, MapLon float64   // where the map opens without a pin
}

// draft returns the resident's draft report from their session, starting
// a new one (with a fresh idempotency key) when there is none.
func (h *Handler) draft(r *http.Request) (*portal.ReportDraft, error) {
	sess, err := h.session(r)
	if err != nil {
		return nil, err
	}
	if d, ok := sess.Values[sessReportDraft].(*portal.ReportDraft); ok && d != nil {
		return d, nil
	}
	d := &portal.ReportDraft{Key: newIdempotencyKey()}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		d.Email, d.Name = u.Email, u.DisplayName
	}
	return d, nil
}

func (h *Handler) saveDraft(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.Values[sessReportDraft] = d
	return sess.Save(r, w)
}

// newReportPage fills what every step page needs.
func (h *Handler) newReportPage(r *http.Request, d *portal.ReportDraft, step, title string) (*reportPage, error) {
	p := &reportPage{Page: Page{Title: title}, Draft: d, Step: step, Change: r.URL.Query().Get("change") == "1",
		Impacts: portal.Impacts, HateReasons: portal.HateReasons, Types: portal.ASBTypes,
		MaxDescription: portal.MaxDescription, MaxPhotos: portal.MaxPhotos}
	if r.Method == http.MethodPost {
		p.Change = r.PostForm.Get("change") == "1"
	}
	p.Back = h.stepBack(step)
	if p.Change {
		p.Back = h.routeURL("reports.check")
	}
	cats, err := h.store.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	p.Categories = cats
	for _, t := range portal.ASBTypes {
		g := categoryGroup{Type: t}
		for _, c := range cats {
			if c.Type == t {
				g.Categories = append(g.Categories, c)
			}
		}
		if len(g.Categories) > 0 {
			p.Groups = append(p.Groups, g)
		}
	}
	for _, c := range cats {
		if c.Code == d.CategoryCode {
			p.Category = c
		}
	}
	return p, nil
}

// categoryGroup is one heading of the category question.
type categoryGroup struct {
	Type       portal.ASBType
	Categories []portal.Category
}

// stepOrder is the journey's order, for back links and "continue".
var stepOrder = []string{"safety", "category", "where", "similar", "when", "details", "people", "impact", "photos", "about-you", "check"}

func (h *Handler) stepBack(step string) string {
	i := slices.Index(stepOrder, step)
	if i <= 0 {
		return h.routeURL("reports.start")
	}
	prev := stepOrder[i-1]
	if prev == "similar" {
		prev = "where"
	}
	return h.routeURL("reports." + prev)
}

// routeURL builds a URL from a route name; route names are constants in
// this package, so a failure is a programming error caught by tests.
func (h *Handler) routeURL(name string, pairs ...string) string {
	route := h.router.Get(name)
	if route == nil {
		panic("handlers: no route named " + name)
	}
	u, err := route.URL(pairs...)
	if err != nil {
		panic("handlers: route " + name + ": " + err.Error())
	}
	return u.String()
}

// next saves the draft and moves on: to the next step, or back to "check
// your answers" when the resident came from there.
func (h *Handler) next(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft, step, nextRoute string) error {
	d.Complete(step)
	if err := h.saveDraft(w, r, d); err != nil {
		return err
	}
	target := h.routeURL(nextRoute)
	if r.PostForm.Get("change") == "1" && d.Missing() == "" {
		target = h.routeURL("reports.check")
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// needs sends the resident to the first unanswered step if they skipped
// ahead (a bookmark, an old tab), so no page works on a partial draft.
func (h *Handler) needs(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft, steps ...string) bool {
	for _, s := range steps {
		if !d.Has(s) {
			http.Redirect(w, r, h.routeURL("reports."+s), http.StatusSeeOther)
			return false
		}
	}
	return true
}

func (h *Handler) showReportStart(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "reports_start", &reportPage{Page: Page{Title: "Report anti-social behaviour"}})
}

func (h *Handler) showSafety(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	p, err := h.newReportPage(r, d, "safety", "Is anyone in immediate danger, or is a crime happening now?")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_safety", p)
}

func (h *Handler) saveSafety(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	d.Safety = formValue(r, "safety")
	if fe := d.ValidateSafety(); fe.Any() {
		return h.stepInvalid(w, r, d, "safety", "Is anyone in immediate danger, or is a crime happening now?", "reports_safety", fe)
	}
	if d.Safety == "yes" {
		d.Complete("safety")
		if err := h.saveDraft(w, r, d); err != nil {
			return err
		}
		http.Redirect(w, r, h.routeURL("reports.danger"), http.StatusSeeOther)
		return nil
	}
	if d.Has("where") { // "it happened again": the place and category carry over
		return h.next(w, r, d, "safety", "reports.when")
	}
	return h.next(w, r, d, "safety", "reports.category")
}

// showDanger is the stop page: the form cannot continue while someone is in
// danger; the resident must call 999.
func (h *Handler) showDanger(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "reports_danger", &reportPage{Page: Page{Title: "Call 999 now"}})
}

// stepInvalid re-renders a step with its errors (422), keeping every answer.
func (h *Handler) stepInvalid(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft, step, title, tpl string, fe portal.FieldErrors, order ...string) error {
	p, err := h.newReportPage(r, d, step, title)
	if err != nil {
		return err
	}
	p.setErrors(fe, order...)
	if step == "where" {
		if err := h.fillWhere(r, p); err != nil {
			return err
		}
	}
	if step == "photos" {
		if p.Photos, err = h.store.DraftPhotoIDs(r.Context(), d.Key); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusUnprocessableEntity, tpl, p)
}

func (h *Handler) showCategory(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety") {
		return nil
	}
	if d.Safety == "yes" {
		http.Redirect(w, r, h.routeURL("reports.danger"), http.StatusSeeOther)
		return nil
	}
	p, err := h.newReportPage(r, d, "category", "What happened?")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_category", p)
}

func (h *Handler) saveCategory(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety") {
		return nil
	}
	d.CategoryCode = formValue(r, "category")
	cats, err := h.store.Categories(r.Context())
	if err != nil {
		return err
	}
	if fe := d.ValidateCategory(cats); fe.Any() {
		return h.stepInvalid(w, r, d, "category", "What happened?", "reports_category", fe)
	}
	return h.next(w, r, d, "category", "reports.where")
}
