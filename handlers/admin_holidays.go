package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Bank holidays for working-day timescales (the ASB Case Review's
// milestones): England and Wales's 2024–2030 holidays are built in; force
// administrators add any announced later, and can remove what they added.

// adminHolidaysPage lists the added and built-in bank holidays under the
// form that adds one.
type adminHolidaysPage struct {
	Page
	Form    portal.BankHolidayInput
	Date    dateField
	Added   []portal.BankHoliday
	BuiltIn []portal.BankHoliday
	Max     int
}

func (h *Handler) listBankHolidays(w http.ResponseWriter, r *http.Request) error {
	return h.renderBankHolidays(w, r, http.StatusOK, portal.BankHolidayInput{}, nil)
}

func (h *Handler) renderBankHolidays(w http.ResponseWriter, r *http.Request, status int, in portal.BankHolidayInput, fe portal.FieldErrors) error {
	added, err := h.store.AddedBankHolidays(r.Context())
	if err != nil {
		return err
	}
	p := &adminHolidaysPage{Page: Page{Title: "Bank holidays", Staff: true}, Form: in, Added: added,
		BuiltIn: portal.BuiltInBankHolidays(), Max: portal.MaxBankHolidayName,
		Date: dateField{Name: "holiday", Legend: "Date", Hint: "For example, 8 5 2028", Error: fe["holiday-day"], Parts: in.Date}}
	p.setErrors(fe, "holiday-day", "name")
	return h.render(w, r, status, "admin_holidays", p)
}

func (h *Handler) addBankHoliday(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	in := portal.BankHolidayInput{Name: formValue(r, "name"), Date: portal.DateParts{Day: formValue(r, "holiday-day"),
		Month: formValue(r, "holiday-month"), Year: formValue(r, "holiday-year")}}
	hol, err := h.store.ExtraHolidays(ctx)
	if err != nil {
		return err
	}
	if fe := in.Validate(hol); fe.Any() {
		return h.renderBankHolidays(w, r, http.StatusUnprocessableEntity, in, fe)
	}
	day, _ := in.Date.Date("date")
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.AddBankHoliday(ctx, day, in.Name); err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "bank_holiday.add", "bank_holiday", day.Format(time.DateOnly), nil))
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.renderBankHolidays(w, r, http.StatusUnprocessableEntity, in, portal.FieldErrors{"holiday-day": "That bank holiday has already been added"})
	}
	if err != nil {
		return err
	}
	return h.backToHolidays(w, r, "Bank holiday added: "+day.Format("Monday 2 January 2006")+" is no longer a working day")
}

func (h *Handler) removeBankHoliday(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	day, err := time.Parse(time.DateOnly, routeVar(r, "day"))
	if err != nil {
		return errNotFound
	}
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.RemoveBankHoliday(ctx, day); err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "bank_holiday.remove", "bank_holiday", day.Format(time.DateOnly), nil))
	})
	if errors.Is(err, portal.ErrNotFound) {
		return h.backToHolidays(w, r, "") // already removed: a second click
	}
	if err != nil {
		return err
	}
	return h.backToHolidays(w, r, "Bank holiday removed: "+day.Format("Monday 2 January 2006")+" is a working day again")
}

func (h *Handler) backToHolidays(w http.ResponseWriter, r *http.Request, flash string) error {
	if flash != "" {
		if err := h.flash(w, r, flash); err != nil {
			return err
		}
	}
	http.Redirect(w, r, h.routeURL("admin.holidays"), http.StatusSeeOther)
	return nil
}
