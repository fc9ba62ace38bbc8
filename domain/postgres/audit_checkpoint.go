package postgres

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The checkpoint file keeps the trail's head outside the database: one
// line `N HASH TIME` (entry number, hex hash, RFC 3339) each time the head
// has moved. Whoever empties or shortens the trail in the database cannot
// shorten this file too, and VerifyAuditTrail finds every head it names.

// The file also holds one line `legacy-until N TIME`, written the first
// time the service starts with it: the last entry the trail then held
// from before the audit key (0: none). A trail rewritten later as unkeyed
// entries moves what the database says, not this line.

// legacyUntilWord begins the checkpoint file's legacy-until line.
const legacyUntilWord = "legacy-until"

// ReadAuditCheckpoints reads a checkpoint file's heads. A missing file is
// no marks and no error.
func ReadAuditCheckpoints(path string) ([]AuditMark, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var marks []AuditMark
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, legacyUntilWord+" ") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s line %d: want `N HASH TIME`", path, n)
		}
		m, err := ParseAuditMark(fields[0] + ":" + fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if len(fields) > 2 {
			m.At, _ = time.Parse(time.RFC3339, fields[2])
		}
		m.Source = "the checkpoint file"
		marks = append(marks, m)
	}
	return marks, sc.Err()
}

// ReadAuditLegacyUntil reads the checkpoint file's legacy-until line;
// found is false when the file or the line is missing.
func ReadAuditLegacyUntil(path string) (until int64, found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	for n, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != legacyUntilWord {
			continue
		}
		id, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil || id < 0 {
			return 0, false, fmt.Errorf("%s line %d: want `%s N TIME`", path, n+1, legacyUntilWord)
		}
		return id, true, nil
	}
	return 0, false, nil
}

// RecordAuditLegacyUntil keeps in the checkpoint file, the first time it
// is asked, the last entry the trail holds from before the audit key
// (until, from AuditLegacyUntil; 0 when it holds none), and answers what
// the file holds. A later start on a trail whose unkeyed entries reach
// further than that has been rewritten; verify reads the file's number.
func RecordAuditLegacyUntil(path string, until int64, at time.Time) (int64, error) {
	recorded, found, err := ReadAuditLegacyUntil(path)
	if err != nil || found {
		return recorded, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	_, err = fmt.Fprintf(f, "%s %d %s\n", legacyUntilWord, until, at.UTC().Format(time.RFC3339))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return until, err
}

// ParseAuditMark reads a head written as N:HASH.
func ParseAuditMark(s string) (AuditMark, error) {
	n, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	id, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || id < 1 || len(hash) != 64 || strings.Trim(strings.ToLower(hash), "0123456789abcdef") != "" {
		return AuditMark{}, fmt.Errorf("%q is not an audit head N:HASH (an entry number and 64 hex digits)", s)
	}
	return AuditMark{ID: id, Hash: strings.ToLower(hash), Source: "the expected head"}, nil
}

// appendAuditCheckpoint appends one line and syncs it to disk.
func appendAuditCheckpoint(path string, m AuditMark) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%d %s %s\n", m.ID, m.Hash, m.At.UTC().Format(time.RFC3339))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// AuditCheckpointer writes the trail's head to a file whenever it has
// moved since the last line.
type AuditCheckpointer struct {
	store *Store
	path  string
	log   *slog.Logger
	last  AuditMark
}

// NewAuditCheckpointer appends to the checkpoint file at path.
func (s *Store) NewAuditCheckpointer(path string, log *slog.Logger) (*AuditCheckpointer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	marks, err := ReadAuditCheckpoints(path)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint file: %w", err)
	}
	c := &AuditCheckpointer{store: s, path: path, log: log}
	if len(marks) > 0 {
		c.last = marks[len(marks)-1]
	}
	return c, nil
}

// Checkpoint records the current head if it has moved. It reports the
// head, and complains (in the log and the error) when the head is behind
// the last one recorded: entries have been removed.
func (c *AuditCheckpointer) Checkpoint(ctx context.Context) (AuditMark, error) {
	head, err := c.store.AuditHead(ctx)
	if err != nil {
		return AuditMark{}, err
	}
	if head == nil {
		if c.last.ID > 0 {
			err := fmt.Errorf("the audit trail is empty but entry %d was recorded as its head on %s: it has been emptied", c.last.ID, markTime(c.last))
			c.log.Error("audit trail shortened", "error", err)
			return AuditMark{}, err
		}
		return AuditMark{}, nil
	}
	m := AuditMark{ID: head.ID, Hash: head.Hash, At: c.store.clock.Now().UTC()}
	if m.ID < c.last.ID {
		err := fmt.Errorf("the audit trail's head is entry %d but entry %d was recorded as its head on %s: entries have been removed", m.ID, c.last.ID, markTime(c.last))
		c.log.Error("audit trail shortened", "error", err)
		return m, err
	}
	if m.ID == c.last.ID && m.Hash != c.last.Hash {
		err := fmt.Errorf("the audit trail's head, entry %d, has another hash than the one recorded on %s: it has been rewritten", m.ID, markTime(c.last))
		c.log.Error("audit trail rewritten", "error", err)
		return m, err
	}
	if m.ID == c.last.ID {
		return m, nil
	}
	if err := appendAuditCheckpoint(c.path, m); err != nil {
		return m, fmt.Errorf("write audit checkpoint %s: %w", c.path, err)
	}
	c.last = m
	c.log.Info("audit checkpoint", "entry", m.ID, "hash", m.Hash, "file", c.path)
	return m, nil
}

// Run checkpoints at once, then every interval until ctx ends, then once
// more on the way out.
func (c *AuditCheckpointer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := c.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("audit checkpoint", "error", err)
		}
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if _, err := c.Checkpoint(final); err != nil {
				c.log.Error("audit checkpoint at shutdown", "error", err)
			}
			cancel()
			return
		case <-t.C:
		}
	}
}
