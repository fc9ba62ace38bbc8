package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"scpo/domain"
	"scpo/domain/postgres"
)

// importCommand runs `scpod import FILE --force CODE [--commit]`: a dry run
// by default, printing every problem by row and column; with --commit the
// whole file in one transaction, or nothing. It is on the audit trail as
// the command's own entry (no officer), naming every record.
func importCommand(ctx context.Context, log *slog.Logger, args []string) error {
	usage := errors.New("usage: scpod import FILE --force CODE [--commit]")
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	force := fs.String("force", "", "the force whose records these are")
	commit := fs.Bool("commit", false, "record the file (otherwise a dry run)")
	// Flags may come before or after the file.
	var files []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%v: %w", usage, err)
		}
		args = fs.Args()
		if len(args) > 0 {
			files, args = append(files, args[0]), args[1:]
		}
	}
	if len(files) != 1 || *force == "" {
		return usage
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("read %s: %w", files[0], err)
	}
	return withStore(ctx, log, func(_ config, store *postgres.Store) error {
		res, err := runImport(ctx, store, os.Stdout, term.IsTerminal(int(os.Stdout.Fd())), filepath.Base(files[0]), data, *force, *commit)
		if err != nil {
			return err
		}
		if !res.Ready {
			return fmt.Errorf("%d problems: nothing was recorded; correct the file and run again", len(res.Errors))
		}
		return nil
	})
}

// runImport imports data and prints what happened to out: a progress bar
// when out is a terminal, plain lines otherwise.
func runImport(ctx context.Context, store domain.Importer, out io.Writer, tty bool, name string, data []byte,
	force string, commit bool) (domain.ImportResult, error) {
	sheet := domain.ReadImportFile(data)
	trail := domain.NewAuditTrail(domain.AuditEntry{Action: domain.ActionCollection, Method: "CLI",
		Route: "scpod import", Purpose: "bringing a force's records into the register", RequestID: "import " + name})
	if !commit {
		trail.SetAction(domain.ActionConsultation)
	}
	ctx = domain.WithAudit(ctx, trail)
	last := ""
	progress := func(stage string, done, total int) {
		if tty {
			const width = 30
			filled := 0
			if total > 0 {
				filled = done * width / total
			}
			fmt.Fprintf(out, "\r%-14s [%s%s] %d/%d", stage, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
			if done == total {
				fmt.Fprintln(out)
			}
			return
		}
		if done == total && stage != last {
			fmt.Fprintf(out, "%s: %d/%d rows\n", stage, done, total)
			last = stage
		}
	}
	res, err := store.Import(ctx, domain.ImportRequest{Force: force, Source: name, Sheet: sheet, Commit: commit, Progress: progress})
	var v *domain.ValidationError
	if err != nil && !(commit && errors.As(err, &v) && len(res.Errors) > 0) {
		return res, err
	}
	for _, p := range res.Errors {
		fmt.Fprintf(out, "row %d, %s: %s\n", p.Row, p.Column, p.Message)
	}
	for _, p := range res.Warnings {
		fmt.Fprintf(out, "row %d, %s (note): %s\n", p.Row, p.Column, p.Message)
	}
	sum := res.Summary
	verb := "would create"
	if res.Committed {
		verb = "created"
	}
	fmt.Fprintf(out, "%s: %d rows; %s %d subjects and %d orders (%d expired), %d owners, %d reviews, %d checks; matched %d subjects and %d orders already recorded\n",
		force, res.Rows, verb, sum.SubjectsCreated, sum.OrdersCreated, sum.OrdersExpired, sum.OwnersAssigned,
		sum.ReviewsRecorded, sum.ChecksScheduled, sum.SubjectsMatched, sum.OrdersMatched)
	switch {
	case len(res.Errors) > 0:
		fmt.Fprintf(out, "%d problems: nothing recorded\n", len(res.Errors))
		res.Ready = false
	case res.Committed:
		fmt.Fprintln(out, "committed")
	default:
		fmt.Fprintln(out, "dry run: nothing recorded; add --commit to record it")
	}
	return res, nil
}
