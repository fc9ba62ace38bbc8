package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func cliSheet(madeOn string) string {
	header := strings.Join(domain.ImportHeader(), ",")
	var b strings.Builder
	b.WriteString(header + "\n")
	for i, made := range []string{"2025-01-10", madeOn} {
		serial := 700000 + i
		cells := map[string]string{"pnc_id": fmt.Sprintf("21/%d%c", serial, domain.PNCCheckLetter(21, serial)),
			"first_names": "Cli", "last_name": fmt.Sprintf("Subject%d", i), "date_of_birth": "1980-01-01",
			"reference": fmt.Sprintf("CLI%d", i), "court": "Exeter Crown Court", "court_type": "crown", "made_on": made,
			"starts_on": made, "duration_months": "24", "terms": "travel: Not to leave the UK."}
		row := make([]string, len(domain.ImportColumns))
		for j, c := range domain.ImportColumns {
			row[j] = cells[c.Name]
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	return b.String()
}

// `scpod import FILE --force CODE [--commit]`: a dry run names the bad
// row and records nothing; the corrected file commits, and again changes
// nothing; a terminal gets a progress bar.
func TestImportCommand(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("SCPO_AUDIT_KEY", "k1:a test key of thirty-two characters or more")
	t.Setenv("SCPO_AUDIT_CHECKPOINTS", filepath.Join(t.TempDir(), "checkpoints"))
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	file := filepath.Join(t.TempDir(), "devon.csv")

	os.WriteFile(file, []byte(cliSheet("2025-13-01")), 0o600)
	err := importCommand(ctx, log, []string{file, "--force", "devon-and-cornwall", "--commit"})
	if err == nil || !strings.Contains(err.Error(), "2 problems") {
		t.Errorf("a bad file committed: %v", err)
	}
	if err := importCommand(ctx, log, []string{"--force", "devon-and-cornwall"}); err == nil {
		t.Error("no file was accepted")
	}

	os.WriteFile(file, []byte(cliSheet("2025-03-01")), 0o600)
	if err := importCommand(ctx, log, []string{file, "--force", "devon-and-cornwall"}); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	store, err := postgres.Open(ctx, url, domain.SystemClock{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	count := func() int {
		var n int
		store.DB().Raw(`SELECT count(*) FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE s.force = 'devon-and-cornwall'`).Scan(&n)
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("the dry run wrote %d orders", n)
	}
	for range 2 {
		if err := importCommand(ctx, log, []string{"--force", "devon-and-cornwall", file, "--commit"}); err != nil {
			t.Fatalf("commit: %v", err)
		}
		if n := count(); n != 2 {
			t.Fatalf("%d orders after commit, want 2", n)
		}
	}

	var out bytes.Buffer
	res, err := runImport(ctx, store, &out, true, "devon.csv", []byte(cliSheet("2025-03-01")), "devon-and-cornwall", false)
	if err != nil || res.Summary.OrdersMatched != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.Contains(out.String(), "\rchecking rows  [##############################] 2/2") ||
		!strings.Contains(out.String(), "matched 2 subjects and 2 orders") {
		t.Errorf("terminal output: %q", out.String())
	}
	var entries int
	store.DB().Raw(`SELECT count(*) FROM audit_log WHERE route = 'scpod import' AND action = 'collection'`).Scan(&entries)
	if entries != 1 {
		t.Errorf("%d collection entries for the command, want 1 (the re-commit created nothing)", entries)
	}
}
