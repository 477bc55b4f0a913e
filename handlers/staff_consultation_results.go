package handlers

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// resultsPage shows staff live counts per question (bar charts with a data
// table), free-text answers, and the forms to publish results and "we
// asked, you said, we did" once closed.
type resultsPage struct {
	Page
	C          portal.Consultation
	Results    []resultView
	CanPublish bool
	WeDid      string
	WeDidMax   int
	// Adopt offers to make the top-ranked options the neighbourhood's
	// priorities (a closed priorities consultation with a rank question).
	Adopt []int
}

// resultView is one question's result with its chart geometry.
type resultView struct {
	portal.QuestionResult
	Bars   []barView
	Height int
}

// barView is one bar of a server-rendered SVG chart (percentages of the
// chart's width, so it scales without JavaScript).
type barView struct {
	Label string
	Value int
	Y     int
	Width int
}

const barHeight = 36

func newResultView(r portal.QuestionResult) resultView {
	v := resultView{QuestionResult: r}
	top := max(r.MaxCount(), 1)
	for i, c := range r.Counts {
		n := c.Count
		if r.Question.Kind == portal.QuestionRank {
			n = c.Points
		}
		v.Bars = append(v.Bars, barView{Label: c.Value, Value: n, Y: i * barHeight, Width: n * 100 / top})
	}
	v.Height = len(v.Bars) * barHeight
	return v
}

func (h *Handler) newResultsPage(r *http.Request, c portal.Consultation, weDid string) (*resultsPage, error) {
	res, err := h.store.Results(r.Context(), c.ID, db.ResultsView{Staff: true})
	if err != nil {
		return nil, err
	}
	p := &resultsPage{Page: Page{Title: "Results: " + c.Title, Staff: true}, C: c,
		CanPublish: c.CanPublishResults(h.now()), WeDid: weDid, WeDidMax: portal.MaxWeDid}
	for _, q := range res {
		p.Results = append(p.Results, newResultView(q))
		if q.Question.Kind == portal.QuestionRank && c.Kind == portal.ConsultationPriorities && p.CanPublish && p.Adopt == nil {
			for i := 1; i <= min(maxAdopted, len(q.Question.Options)); i++ {
				p.Adopt = append(p.Adopt, i)
			}
		}
	}
	return p, nil
}

func (h *Handler) showConsultationResults(w http.ResponseWriter, r *http.Request) error {
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	p, err := h.newResultsPage(r, c, c.WeDid)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_consultation_results", p)
}

// exportConsultation sends every response as CSV (no account or session
// identifiers), and audits the export.
func (h *Handler) exportConsultation(w http.ResponseWriter, r *http.Request) error {
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	qs, err := h.store.Questions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	rows, err := h.store.ResponseRows(r.Context(), c.ID)
	if err != nil {
		return err
	}
	if err := h.audit(r, "consultation.export", "consultation", strconv.FormatInt(c.ID, 10),
		map[string]string{"rows": strconv.Itoa(len(rows))}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="consultation-`+strconv.FormatInt(c.ID, 10)+`.csv"`)
	cw := csv.NewWriter(w)
	head := []string{"response", "updated", "age band", "reported ASB before"}
	for _, q := range qs {
		head = append(head, csvSafe(q.Prompt))
	}
	_ = cw.Write(head)
	for _, row := range rows {
		rec := []string{strconv.FormatInt(row.ID, 10), row.At.In(london).Format("2006-01-02 15:04"), row.AgeBand, row.ReportedASB}
		for _, q := range qs {
			rec = append(rec, csvSafe(row.Answers[q.ID]))
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe stops a spreadsheet from running resident text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// publishResults shows the chosen questions' results publicly.
func (h *Handler) publishResults(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	var ids []int64
	for _, s := range r.PostForm["questions"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.PublishResults(r.Context(), c.ID, currentUser(r).Scope, ids, h.now()); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "consultation.results.publish", "consultation",
			strconv.FormatInt(c.ID, 10), map[string]string{"questions": strconv.Itoa(len(ids))}))
	})
	if err != nil {
		return err
	}
	return h.toResults(w, r, c.ID, "Results published")
}

func (h *Handler) toResults(w http.ResponseWriter, r *http.Request, id int64, flash string) error {
	if err := h.flash(w, r, flash); err != nil {
		return err
	}
	http.Redirect(w, r, consultationPath(h, "staff.consultation.results", id), http.StatusSeeOther)
	return nil
}

// saveWeDid records "we asked, you said, we did".
func (h *Handler) saveWeDid(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	text := formValue(r, "we-did")
	fe := portal.FieldErrors{}
	switch {
	case text == "":
		fe.Add("we-did", "Enter what was done as a result of the consultation")
	case utf8.RuneCountInString(text) > portal.MaxWeDid:
		fe.Add("we-did", "What was done must be 3000 characters or fewer")
	case !c.CanPublishResults(h.now()):
		fe.Add("we-did", "You can say what was done once the consultation has closed")
	}
	if fe.Any() {
		p, err := h.newResultsPage(r, c, text)
		if err != nil {
			return err
		}
		p.setErrors(fe, "we-did")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_consultation_results", p)
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.SetWeDid(r.Context(), c.ID, currentUser(r).Scope, text, h.now()); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "consultation.we_did", "consultation", strconv.FormatInt(c.ID, 10), nil))
	})
	if err != nil {
		return err
	}
	return h.toResults(w, r, c.ID, "“We asked, you said, we did” published")
}

// adoptPriorities makes a closed priorities consultation's top-ranked
// options (from its first rank question) the neighbourhood's priorities.
func (h *Handler) adoptPriorities(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(formValue(r, "count"))
	if err != nil || n < 1 || n > maxAdopted {
		return errBadRequest
	}
	res, err := h.store.Results(r.Context(), c.ID, db.ResultsView{Staff: true})
	if err != nil {
		return err
	}
	var top []string
	for _, q := range res {
		if q.Question.Kind == portal.QuestionRank {
			top = q.Top(n)
			break
		}
	}
	u := currentUser(r)
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.SetPrioritiesFromConsultation(r.Context(), c.ID, u.Scope, top, u.ID, h.now()); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "consultation.priorities", "consultation", strconv.FormatInt(c.ID, 10),
			map[string]string{"priorities": strconv.Itoa(len(top))}))
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.toResults(w, r, c.ID, "Only a closed priorities consultation with ranked answers can set priorities")
	}
	if err != nil {
		return err
	}
	return h.toResults(w, r, c.ID, "The neighbourhood's priorities are now the residents' top "+strconv.Itoa(len(top)))
}

// maxAdopted is the most priorities a consultation may set.
const maxAdopted = 5
