package main

import (
	"crypto/rand"
	"database/sql"
	"log"
	"net/http"
	"strconv"
)

// responseSQL stores one consultation response and its answers (a JSON
// array, as bench/consult sends it) in a single statement, if the
// consultation is open: what Beacon's "Send your answers" must store.
const responseSQL = `
	WITH c AS (SELECT id FROM consultations
	            WHERE id = $1 AND state = 'published' AND opens_at <= now() AND closes_at > now()),
	     r AS (INSERT INTO consultation_responses (consultation_id, session_hash, idempotency_key, age_band)
	           SELECT c.id, $2, $3, $4 FROM c RETURNING id)
	INSERT INTO consultation_answers (response_id, question_id, choices, text_value, rating)
	SELECT r.id, a.question_id, a.choices, coalesce(a.text_value, ''), a.rating
	  FROM r, jsonb_to_recordset($5::jsonb) AS a(question_id bigint, choices text[], text_value text, rating integer)`

func createResponse(db *sql.DB, w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	hash := make([]byte, 32)
	rand.Read(hash)
	res, err := db.ExecContext(r.Context(), responseSQL, id, hash, rand.Text(), r.PostForm.Get("age_band"), r.PostForm.Get("answers"))
	if err != nil {
		log.Print(err)
		http.Error(w, "database error", http.StatusInternalServerError)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		http.Error(w, "not open", http.StatusConflict)
		return
	}
	http.Redirect(w, r, "/consultations/"+r.PathValue("id")+"/thank-you", http.StatusSeeOther)
}
