package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The CSV export of a filtered queue: the triage queue's filters plus the
// dates received. Personal columns (reporters' contact details and what
// they wrote) only for the roles portal.CanExportPersonal allows. Each
// export is audited with its filter and row count, written before any
// report is read; never with the data.

// exportPage is the export form.
type exportPage struct {
	Page
	Form           portal.ExportInput
	Neighbourhoods []portal.Neighbourhood
	Categories     []portal.CategoryRecord
	Statuses       []portal.ReportStatus
	Risks          []portal.Risk
	Personal       bool
	Max            string // the most reports one export holds, written with commas
}

// exportFields orders the form's fields for the error summary.
var exportFields = []string{"neighbourhood", "category", "status", "risk", "from-day", "to-day"}

// errTooManyRows stops an export larger than portal.MaxExportRows before
// anything is read or audited.
type errTooManyRows struct{ count int }

func (e errTooManyRows) Error() string { return "handlers: export too large" }

func (h *Handler) newExportPage(r *http.Request, in portal.ExportInput) (*exportPage, error) {
	u := currentUser(r)
	lpas, err := h.store.LPAsInScope(r.Context(), u.Scope)
	if err != nil {
		return nil, err
	}
	cats, err := h.store.AllCategories(r.Context())
	if err != nil {
		return nil, err
	}
	page := &exportPage{Page: Page{Title: "Export reports", Staff: true}, Form: in, Categories: cats,
		Statuses: portal.ExportStatuses, Risks: portal.Risks, Personal: portal.CanExportPersonal(u.Role),
		Max: thousands(portal.MaxExportRows)}
	for _, l := range lpas {
		page.Neighbourhoods = append(page.Neighbourhoods, l.Neighbourhoods...)
	}
	return page, nil
}

// exportInput reads the export filters from the query string, so the
// triage queue can link to an export of what it shows.
func exportInput(r *http.Request) (portal.ExportInput, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return portal.ExportInput{}, errBadRequest
	}
	for _, vs := range q {
		for _, v := range vs {
			if !portal.CleanText(v) {
				return portal.ExportInput{}, errBadRequest
			}
		}
	}
	return portal.ExportInput{Neighbourhood: q.Get("neighbourhood"), Category: q.Get("category"),
		Status: q.Get("status"), Risk: q.Get("risk"),
		FromDay: q.Get("from-day"), FromMonth: q.Get("from-month"), FromYear: q.Get("from-year"),
		ToDay: q.Get("to-day"), ToMonth: q.Get("to-month"), ToYear: q.Get("to-year")}, nil
}

// showExportForm shows the filters, filled in from the query string.
func (h *Handler) showExportForm(w http.ResponseWriter, r *http.Request) error {
	in, err := exportInput(r)
	if err != nil {
		return err
	}
	page, err := h.newExportPage(r, in)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_insight_export", page)
}

// exportReports checks the filters (422 and the form again if they are
// wrong, or match more than portal.MaxExportRows reports), audits the
// export and writes the CSV as it reads the reports.
func (h *Handler) exportReports(w http.ResponseWriter, r *http.Request) error {
	in, err := exportInput(r)
	if err != nil {
		return err
	}
	page, err := h.newExportPage(r, in)
	if err != nil {
		return err
	}
	var codes, cats []string
	for _, n := range page.Neighbourhoods {
		codes = append(codes, n.Code)
	}
	for _, c := range page.Categories {
		cats = append(cats, c.Code)
	}
	filter, fe := in.Validate(codes, cats, h.now())
	if fe.Any() {
		page.setErrors(fe, exportFields...)
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_insight_export", page)
	}
	err = h.writeExport(w, r, filter, page.Personal)
	var tooMany errTooManyRows
	if errors.As(err, &tooMany) {
		page.setErrors(portal.FieldErrors{"from-day": fmt.Sprintf(
			"%s reports match. Choose a shorter range of dates, or one neighbourhood, to export %s or fewer",
			thousands(tooMany.count), thousands(portal.MaxExportRows))}, exportFields...)
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_insight_export", page)
	}
	return err
}

func (h *Handler) writeExport(w http.ResponseWriter, r *http.Request, f portal.ExportFilter, personal bool) error {
	cw := csv.NewWriter(w)
	started := false
	before := func(count int) error {
		if count > portal.MaxExportRows {
			return errTooManyRows{count}
		}
		details := f.Summary()
		details["rows"] = strconv.Itoa(count)
		details["personal"] = strconv.FormatBool(personal)
		if err := h.audit(r, "report.export", "reports", "", details); err != nil {
			return err
		}
		name := "beacon-reports-" + h.now().Format("2006-01-02-1504") + ".csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.WriteHeader(http.StatusOK)
		started = true
		// A byte order mark, so spreadsheet programs read the file as UTF-8.
		if _, err := w.Write([]byte("\ufeff")); err != nil {
			return err
		}
		return cw.Write(portal.ExportHeader(personal))
	}
	each := func(row portal.ExportRow) error { return cw.Write(row.Record(personal)) }
	_, err := h.store.ExportReports(r.Context(), db.ExportQuery{Scope: currentUser(r).Scope, Filter: f, Personal: personal}, before, each)
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil && started {
		// Half a file has gone: end the response abruptly, so the download
		// fails visibly rather than looking complete.
		h.log.Error("export failed part way", "request_id", requestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// thousands writes n with commas: 50,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
