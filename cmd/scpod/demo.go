package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"scpo/domain/postgres"
)

// maxGenerateOrders bounds one scpod generate run.
const maxGenerateOrders = 2_000_000

// generateCommand implements scpod generate --orders N: it loads N
// synthetic live orders (one subject each, spread over all 43 forces) into
// the configured database, for load testing the sweeps. It uses the same
// configuration as serve, migrating first.
func generateCommand(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	orders := fs.Int("orders", 100_000, fmt.Sprintf("number of synthetic orders to generate (1 to %d)", maxGenerateOrders))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Printf("usage: scpod generate [--orders N]\n\nLoads N synthetic live orders (default 100000, at most %d)\n"+
				"into the database that scpod serve would use (DATABASE_URL or SCPO_DATA_DIR).\n", maxGenerateOrders)
			return nil
		}
		return fmt.Errorf("generate: %w (usage: scpod generate [--orders N])", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("generate: unexpected argument %q (usage: scpod generate [--orders N])", fs.Arg(0))
	}
	if *orders < 1 || *orders > maxGenerateOrders {
		return fmt.Errorf("generate: --orders must be between 1 and %d, not %d", maxGenerateOrders, *orders)
	}
	return withStore(ctx, log, func(_ config, store *postgres.Store) error { return generate(ctx, log, store, *orders) })
}

func generate(ctx context.Context, log *slog.Logger, store *postgres.Store, orders int) error {
	start := time.Now()
	n, err := store.GenerateOrders(ctx, orders, store.Today())
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		if n > 0 {
			fmt.Printf("generated %d of %d orders in %v before the error\n", n, orders, took)
		}
		return err
	}
	fmt.Printf("generated %d orders in %v\n", n, took)
	log.Info("synthetic orders generated", "orders", n, "took", took)
	return nil
}
