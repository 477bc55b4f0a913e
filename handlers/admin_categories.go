package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// adminCategoriesPage lists every category, retired ones included, under
// its type.
type adminCategoriesPage struct {
	Page
	Groups []adminCategoryGroup
}

// adminCategoryGroup is one type's table.
type adminCategoryGroup struct {
	Type       portal.ASBType
	Categories []portal.CategoryRecord
}

func (h *Handler) listCategories(w http.ResponseWriter, r *http.Request) error {
	cats, err := h.store.AllCategories(r.Context())
	if err != nil {
		return err
	}
	page := &adminCategoriesPage{Page: Page{Title: "Report categories", Staff: true}}
	for _, t := range portal.ASBTypes {
		g := adminCategoryGroup{Type: t}
		for _, c := range cats {
			if c.Type == t {
				g.Categories = append(g.Categories, c)
			}
		}
		page.Groups = append(page.Groups, g)
	}
	return h.render(w, r, http.StatusOK, "admin_categories", page)
}

// adminCategoryPage is the form that adds a category, or changes one and
// retires or restores it.
type adminCategoryPage struct {
	Page
	Form                        portal.CategoryInput
	Types                       []portal.ASBType
	Category                    *portal.CategoryRecord // nil when adding
	MaxName, MaxHint, MaxNotice int
}

func newAdminCategoryPage(title string, in portal.CategoryInput, c *portal.CategoryRecord) *adminCategoryPage {
	return &adminCategoryPage{Page: Page{Title: title, Staff: true}, Form: in, Types: portal.ASBTypes, Category: c,
		MaxName: portal.MaxCategoryName, MaxHint: portal.MaxCategoryHint, MaxNotice: portal.MaxCategoryNotice}
}

var adminCategoryFields = []string{"code", "type", "name", "hint", "notice", "order"}

// adminCategoryForm reads the form; the code of an existing category comes
// from its URL, never from the form.
func adminCategoryForm(r *http.Request) portal.CategoryInput {
	return portal.CategoryInput{
		Code: formValue(r, "code"), Type: formValue(r, "type"), Name: formValue(r, "name"),
		Hint: formValue(r, "hint"), Notice: formValue(r, "notice"), Order: formValue(r, "order"),
	}.Tidy()
}

func (h *Handler) showAddCategory(w http.ResponseWriter, r *http.Request) error {
	cats, err := h.store.AllCategories(r.Context())
	if err != nil {
		return err
	}
	in := portal.CategoryInput{Order: strconv.Itoa(portal.NextCategoryOrder(cats))}
	return h.render(w, r, http.StatusOK, "admin_categories_form", newAdminCategoryPage("Add a category", in, nil))
}

func (h *Handler) createCategory(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := adminCategoryForm(r)
	fe := in.Validate(true)
	if !fe.Any() {
		rec := in.Record()
		err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
			if _, err := tx.CreateCategory(r.Context(), rec); err != nil {
				return err
			}
			return tx.Audit(r.Context(), h.auditEntry(r, "category.create", "category", rec.Code,
				map[string]string{"type": string(rec.Type), "order": strconv.Itoa(rec.SortOrder)}))
		})
		switch {
		case errors.Is(err, portal.ErrConflict):
			// The same form sent twice (a double click) finds its own category.
			if got, err := h.store.CategoryByCode(r.Context(), rec.Code); err == nil && got.SameAs(rec) {
				return h.acctRedirect(w, r, "admin.categories")
			}
			fe.Add("code", "There is already a category with this code. Choose a different code")
		case err != nil:
			return err
		default:
			if err := h.flash(w, r, "Category added: "+rec.Name); err != nil {
				return err
			}
			return h.acctRedirect(w, r, "admin.categories")
		}
	}
	page := newAdminCategoryPage("Add a category", in, nil)
	page.setErrors(fe, adminCategoryFields...)
	return h.render(w, r, http.StatusUnprocessableEntity, "admin_categories_form", page)
}

// adminCategory loads the category named in the URL, retired or not.
func (h *Handler) adminCategory(r *http.Request) (portal.CategoryRecord, error) {
	return h.store.CategoryByCode(r.Context(), routeVar(r, "code"))
}

func (h *Handler) showEditCategory(w http.ResponseWriter, r *http.Request) error {
	c, err := h.adminCategory(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "admin_categories_form", newAdminCategoryPage(c.Name, portal.CategoryInputFrom(c), &c))
}

func (h *Handler) updateCategory(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.adminCategory(r)
	if err != nil {
		return err
	}
	in := adminCategoryForm(r)
	in.Code = c.Code
	if fe := in.Validate(false); fe.Any() {
		page := newAdminCategoryPage(c.Name, in, &c)
		page.setErrors(fe, adminCategoryFields...)
		return h.render(w, r, http.StatusUnprocessableEntity, "admin_categories_form", page)
	}
	after := in.Record()
	msg := "No changes to save"
	if len(c.Changes(after)) > 0 {
		msg = "Category updated: " + after.Name
		err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
			prev, err := tx.UpdateCategory(r.Context(), after)
			if err != nil {
				return err
			}
			return tx.Audit(r.Context(), h.auditEntry(r, "category.update", "category", c.Code,
				map[string]string{"changed": strings.Join(prev.Changes(after), ",")}))
		})
		if err != nil {
			return err
		}
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.categories")
}

func (h *Handler) retireCategory(w http.ResponseWriter, r *http.Request) error {
	return h.setCategoryActive(w, r, false)
}

func (h *Handler) restoreCategory(w http.ResponseWriter, r *http.Request) error {
	return h.setCategoryActive(w, r, true)
}

// setCategoryActive retires or restores a category. Doing it twice (a
// double click) changes nothing the second time and is not audited again.
func (h *Handler) setCategoryActive(w http.ResponseWriter, r *http.Request, active bool) error {
	c, err := h.adminCategory(r)
	if err != nil {
		return err
	}
	action, msg := "category.retire", "Category retired: "+c.Name+". Residents and partner systems can no longer choose it"
	if active {
		action, msg = "category.restore", "Category restored: "+c.Name+". Residents and partner systems can choose it again"
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		changed, err := tx.SetCategoryActive(r.Context(), c.Code, active)
		if err != nil || !changed {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, action, "category", c.Code, nil))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.categories")
}
