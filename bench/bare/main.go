// Command bare is the reference server of `make bench`: a minimal net/http
// + lib/pq program that stores an ASB report with one INSERT into the same
// reports table, with the same columns, as Beacon, and a consultation
// response with its answers in one statement (consult.go). It has none of
// Beacon's middleware, validation, idempotency or audit, so it marks the
// floor that Beacon's throughput is compared with. Not for production use.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

// insertSQL stores one report: a new problem, the category, the postcode's
// point and the neighbourhood containing it, in a single statement.
const insertSQL = `
	WITH p AS (INSERT INTO problems DEFAULT VALUES RETURNING id)
	INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id,
	       location, postcode, place, occurred_on, occurred_time, happened_before, how_often, since_when,
	       description, people, vehicles, unsafe_at_home, health_affected, children_affected,
	       stopped_doing_things, hate, hate_reasons, vulnerability, anonymous, reporter_name,
	       reporter_email, reporter_phone, contact_preference, safe_to_leave_message, user_id, flagged)
	SELECT $1, $2, p.id, c.id, n.id,
	       pc.location, pc.postcode, '', CURRENT_DATE, NULL, false, '', '',
	       $3, '', '', false, $4, $5,
	       false, $6, '{}', '', $7, $8,
	       lower($9), $10, $11, false, NULL, false
	  FROM p, categories c, postcodes pc
	  JOIN neighbourhoods n ON ST_Intersects(n.boundary, pc.location)
	 WHERE c.code = $12 AND c.active AND pc.postcode = $13
	 ORDER BY n.code
	 LIMIT 1
	RETURNING reference`

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	dsn := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL")
	conns := flag.Int("conns", 20, "database connections (Beacon's default DB_MAX_CONNS)")
	flag.Parse()
	db, err := sql.Open("postgres", *dsn)
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(*conns)
	db.SetMaxIdleConns(*conns)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /requests.json", func(w http.ResponseWriter, r *http.Request) { create(db, w, r) })
	mux.HandleFunc("POST /consultations/{id}/responses", func(w http.ResponseWriter, r *http.Request) { createResponse(db, w, r) })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func create(db *sql.DB, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm.Get
	name := strings.TrimSpace(f("first_name") + " " + f("last_name"))
	anonymous := name == "" && f("email") == "" && f("phone") == ""
	contact := ""
	if f("email") != "" {
		contact = "email"
	} else if f("phone") != "" {
		contact = "phone"
	}
	impacts := r.PostForm["attribute[impacts][]"]
	has := func(v string) bool {
		for _, i := range impacts {
			if i == v {
				return true
			}
		}
		return false
	}
	postcode := strings.ToUpper(strings.ReplaceAll(f("address_string"), " ", ""))
	var ref string
	err := db.QueryRowContext(r.Context(), insertSQL, reference(), rand.Text(), f("description"),
		has("health"), has("children"), f("attribute[hate]"), anonymous, name, f("email"), f("phone"), contact,
		f("service_code"), postcode).Scan(&ref)
	if err != nil {
		log.Print(err)
		http.Error(w, "database error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode([]map[string]any{{"service_request_id": ref, "account_id": nil}})
}

// reference draws a random reference like ASB-7K3Q-9XPD.
func reference() string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ASB-" + string(b[:4]) + "-" + string(b[4:])
}
