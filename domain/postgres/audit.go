package postgres

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// writeAudit appends the context's pending audit entry inside tx, chained
// to the last entry: a change's entry is written in the change's own
// transaction.
func (s *Store) writeAudit(ctx context.Context, tx *gorm.DB) error {
	e, pending := domain.AuditFrom(ctx).Pending()
	if !pending {
		return nil
	}
	return s.appendAudit(tx, []domain.AuditEntry{e})
}

// appendAudit appends entries in order inside tx. Entries take turns on an
// advisory lock so the chain has one order, and each is numbered as the
// one before it plus one (not from a sequence, which jumps after a crash),
// so a gap in the numbers can only be a removal. Each entry's hash is an
// HMAC with the store's signing key, which the database does not hold,
// over its number, the previous entry's hash and its contents.
func (s *Store) appendAudit(tx *gorm.DB, entries []domain.AuditEntry) error {
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:audit'))`).Error; err != nil {
		return err
	}
	var last []struct {
		ID   int64
		Hash []byte
	}
	if err := tx.Raw(`SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return err
	}
	prev := make([]byte, sha256.Size)
	id := int64(1)
	if len(last) > 0 {
		prev, id = last[0].Hash, last[0].ID+1
	}
	key := s.auditKeys.Signing()
	at := s.now()
	values := make([]string, 0, len(entries))
	args := make([]any, 0, 15*len(entries))
	for _, e := range entries {
		e.At = at
		hash := entryMAC(key, id, prev, e.Canonical())
		records, _ := json.Marshal(nonNil(e.Records))
		values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, id, e.At, e.OfficerID, e.Action, e.Method, e.Route, string(records),
			e.ClientIP, e.Purpose, e.RequestID, e.Query, e.Status, prev, hash, key.ID)
		prev, id = hash, id+1
	}
	return tx.Exec(`INSERT INTO audit_log (id, at, officer_id, action, method, route, records, client_ip, purpose, request_id, query, status, prev_hash, hash, key_id)
		VALUES `+strings.Join(values, ", "), args...).Error
}

func nonNil(r []domain.RecordRef) []domain.RecordRef {
	if r == nil {
		return []domain.RecordRef{}
	}
	return r
}

// legacyHash is the unkeyed SHA-256 link of the entries written before
// keys were introduced (migration 00030); they may only open the trail.
func legacyHash(prev []byte, e domain.AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(e.Canonical())
	return h.Sum(nil)
}

// WriteAudit writes the request's entry on its own, for reads: the answer
// is sent only once this succeeds. Reads' entries are written in groups:
// whoever finds no group being written writes every entry queued so far in
// one transaction (one lock, one commit) while later ones queue for the
// next, so the trail's lock is taken once per group instead of once per
// read, and every entry is still numbered and chained under it.
func (s *Store) WriteAudit(ctx context.Context) error {
	trail := domain.AuditFrom(ctx)
	e, pending := trail.Pending()
	if !pending {
		return nil
	}
	if domain.IdempotencyFrom(ctx) != nil {
		// A keyed request claims its key with its entry.
		return s.tx(ctx, func(tx *gorm.DB) error { return nil })
	}
	if err := s.readAudit.write(s, e); err != nil {
		return err
	}
	trail.Written()
	return nil
}

// auditGroupMax bounds one group's entries (and its INSERT's parameters).
const auditGroupMax = 256

// auditGroup queues read entries for group commit.
type auditGroup struct {
	mu      sync.Mutex
	queue   []*auditWait
	writing bool
}

type auditWait struct {
	entry domain.AuditEntry
	done  chan error    // the entry's outcome
	lead  chan struct{} // this waiter is to write the next group
}

func (g *auditGroup) write(s *Store, e domain.AuditEntry) error {
	w := &auditWait{entry: e, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.writing {
		g.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
		}
		g.mu.Lock()
	}
	g.writing = true
	batch := g.queue[:min(len(g.queue), auditGroupMax)]
	g.queue = append([]*auditWait(nil), g.queue[len(batch):]...)
	g.mu.Unlock()

	entries := make([]domain.AuditEntry, len(batch))
	for i, b := range batch {
		entries[i] = b.entry
	}
	// The group is written whatever becomes of the request that writes it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.appendAudit(tx, entries) })
	cancel()
	for _, b := range batch {
		b.done <- err
	}

	// Hand the next group to the first waiter still queued.
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].lead <- struct{}{}
	} else {
		g.writing = false
	}
	g.mu.Unlock()
	return <-w.done
}

type auditRow struct {
	ID        int64
	At        time.Time
	OfficerID *string
	Action    string
	Method    string
	Route     string
	Records   []byte
	ClientIP  string
	Purpose   string
	RequestID string
	Query     string
	Status    int
	PrevHash  []byte
	Hash      []byte
	KeyID     *string
}

func (r auditRow) domain() domain.AuditEntry {
	e := domain.AuditEntry{ID: r.ID, At: r.At.UTC(), OfficerID: r.OfficerID, Action: r.Action, Method: r.Method,
		Route: r.Route, ClientIP: r.ClientIP, Purpose: r.Purpose, RequestID: r.RequestID,
		Query: r.Query, Status: r.Status, PrevHash: hex.EncodeToString(r.PrevHash), Hash: hex.EncodeToString(r.Hash)}
	_ = json.Unmarshal(r.Records, &e.Records)
	e.Records = nonNil(e.Records)
	return e
}

// ListAudit lists audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f domain.AuditFilter, p domain.Page) ([]domain.AuditEntry, string, error) {
	q := auditScope(ctx, s.db.WithContext(ctx).Table("audit_log"))
	if f.Entry != 0 {
		q = q.Where("id = ?", f.Entry)
	}
	if f.OfficerID != "" {
		q = q.Where("officer_id = ?", f.OfficerID)
	}
	if f.SubjectID != "" {
		q = q.Where("records @> ?::jsonb", fmt.Sprintf(`[{"type":"subject","id":%q}]`, f.SubjectID))
	}
	if f.OrderID != "" {
		q = q.Where("records @> ?::jsonb", fmt.Sprintf(`[{"type":"order","id":%q}]`, f.OrderID))
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.From != nil {
		q = q.Where("at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("at < ?", *f.To)
	}
	if p.Cursor != "" {
		q = q.Where("id < ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	out, err := redactAudit(ctx, s.db, out)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, fmt.Sprint(out[limit-1].ID), nil
}

// AuditRecordNames names the subjects, orders and officers among refs the
// caller may see, in one statement, and notes the subjects it names (in
// refs' order) on the request's entry: the caller sees their names and
// PNC IDs.
func (s *Store) AuditRecordNames(ctx context.Context, refs []domain.RecordRef) (map[domain.RecordRef]domain.RecordName, error) {
	var subjects, orders, officers []string
	for _, r := range refs {
		if !validID(r.ID) {
			continue
		}
		switch r.Type {
		case "subject":
			subjects = append(subjects, r.ID)
		case "order":
			orders = append(orders, r.ID)
		case "officer":
			officers = append(officers, r.ID)
		}
	}
	out := map[domain.RecordRef]domain.RecordName{}
	if len(subjects)+len(orders)+len(officers) == 0 {
		return out, nil
	}
	var rows []struct {
		Type, ID, Name, Identifier, Force string
	}
	if err := s.db.WithContext(ctx).Raw(`
		SELECT 'subject' AS type, s.id::text AS id, trim(s.first_names || ' ' || s.last_name) AS name,
		       coalesce(nullif(s.pnc_id, ''), s.registration_number, '') AS identifier, s.force
		FROM subjects s WHERE s.id = ANY (CAST(@subjects AS uuid[]))
		UNION ALL
		SELECT 'order', o.id::text, o.reference, '', s.force
		FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.id = ANY (CAST(@orders AS uuid[]))
		UNION ALL
		SELECT 'officer', f.id::text, f.name, '', coalesce(f.force, '')
		FROM officers f WHERE f.id = ANY (CAST(@officers AS uuid[]))`,
		map[string]any{"subjects": textArray(subjects), "orders": textArray(orders), "officers": textArray(officers)}).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		// As GetSubject, GetOrder and GetOfficer see them.
		if canSee(ctx, r.Force) == nil {
			out[domain.RecordRef{Type: r.Type, ID: r.ID}] = domain.RecordName{Name: r.Name, Identifier: r.Identifier}
		}
	}
	for _, r := range refs {
		if _, named := out[r]; named && r.Type == "subject" {
			domain.Note(ctx, "subject", r.ID)
		}
	}
	return out, nil
}

// versionedTables are the tables of the records LastChange tells of, by
// audit record type, with each one's key column.
var versionedTables = map[string]struct{ table, key string }{
	"force_policy": {"force_policies", "force"},
	"officer":      {"officers", "id"},
	"absence":      {"officer_absences", "id"},
	"subject":      {"subjects", "id"},
	"order":        {"orders", "id"},
	"check":        {"checks", "id"},
	"extension":    {"order_extensions", "id"},
	"breach_case":  {"breach_cases", "id"},
}

// LastChange finds the audit entry of the transaction that last wrote the
// record's row. A change's entry is written in the change's own
// transaction (txOnce), so the entry's row and the record's share their
// xmin: that, and not the latest entry naming the record, which may be a
// read or a neighbouring change (an absence names its officer, a workload
// every officer of the force). The entry must also be close in time to the
// row's updated_at, so an entry of a transaction numbered the same before
// the counter wrapped round is never taken. The officer is named only to a
// caller who may see them, as GetOfficer would.
func (s *Store) LastChange(ctx context.Context, ref domain.RecordRef) (*domain.RecordChange, error) {
	t, ok := versionedTables[ref.Type]
	if !ok {
		return nil, fmt.Errorf("last change: no table for %q records", ref.Type)
	}
	if t.key == "id" && !validID(ref.ID) {
		return nil, nil
	}
	var rows []struct {
		At        time.Time
		OfficerID string
		Name      string
		Email     string
		Force     *string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT r.updated_at AS at, o.id AS officer_id, o.name, o.email, o.force
		FROM `+t.table+` r
		JOIN audit_log a ON a.xmin = r.xmin AND a.status = 0
			AND a.at BETWEEN r.updated_at - interval '1 minute' AND r.updated_at + interval '10 minutes'
		JOIN officers o ON o.id = a.officer_id
		WHERE r.`+t.key+` = ?
		ORDER BY a.id DESC LIMIT 1`, ref.ID).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	r := rows[0]
	c := &domain.RecordChange{At: r.At.UTC()}
	force := ""
	if r.Force != nil {
		force = *r.Force
	}
	if canSee(ctx, force) == nil {
		c.By = &domain.OfficerRef{ID: r.OfficerID, Name: r.Name, Email: r.Email}
	}
	return c, nil
}

// AuditBreak is the first entry at which the trail does not hold.
type AuditBreak struct {
	ID     int64
	Reason string
}

func (b *AuditBreak) Error() string { return fmt.Sprintf("audit entry %d: %s", b.ID, b.Reason) }

// AuditMark is a head of the trail recorded outside the database: a line
// of the checkpoint file, or a head given to `scpod audit verify`.
type AuditMark struct {
	ID     int64
	Hash   string // hex
	At     time.Time
	Source string // where it was recorded, for messages
}

// AuditReport is what a verification found.
type AuditReport struct {
	Entries int   // entries that hold
	Legacy  int   // of which unkeyed entries from before keys were introduced
	HeadID  int64 // the newest entry checked (0: none)
	Head    string
	Marks   int // recorded heads matched
}

// VerifyAudit walks the whole trail in order. It returns the number of
// entries that hold, and an *AuditBreak naming the first entry that was
// altered, that follows a removed or altered entry, or that is missing.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	r, err := s.VerifyAuditTrail(ctx, nil, 0)
	return r.Entries, err
}

// VerifyAuditTrail checks every entry's HMAC with the store's key set, each
// link to the entry before, that keyed entries are numbered without gaps,
// and that every recorded head in marks is still in the trail with the
// same hash, which catches removal of the newest entries (even with the
// whole table truncated) and any rewrite before a recorded head.
//
// Entries without a key (written before keys, migration 00030) are
// accepted only up to legacyUntil, the last entry the operator knows was
// written before the key: the database cannot say so itself, and a trail
// rewritten whole as a plain SHA-256 chain looked like an old one.
func (s *Store) VerifyAuditTrail(ctx context.Context, marks []AuditMark, legacyUntil int64) (AuditReport, error) {
	var rep AuditReport
	want := map[int64][]AuditMark{}
	for _, m := range marks {
		want[m.ID] = append(want[m.ID], m)
	}
	matched := map[int64]bool{}
	prev := make([]byte, sha256.Size)
	var after int64
	keyed := false
	for {
		var rows []auditRow
		if err := s.db.WithContext(ctx).Table("audit_log").Where("id > ?", after).Order("id").Limit(5000).
			Find(&rows).Error; err != nil {
			return rep, err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if b := s.checkEntry(r, prev, after, keyed); b != nil {
				return rep, b
			}
			if r.KeyID == nil && r.ID > legacyUntil {
				return rep, &AuditBreak{ID: r.ID, Reason: fmt.Sprintf("it is not authenticated with the audit key: a trail "+
					"written before the key may open with such entries only up to the one given as --legacy-until "+
					"(%d); otherwise the trail has been rewritten", legacyUntil)}
			}
			for _, m := range want[r.ID] {
				if m.Hash != hex.EncodeToString(r.Hash) {
					return rep, &AuditBreak{ID: r.ID, Reason: fmt.Sprintf(
						"its hash differs from the one %s recorded on %s: the trail has been rewritten", m.Source, markTime(m))}
				}
				matched[r.ID] = true
				rep.Marks++
			}
			if r.KeyID == nil {
				rep.Legacy++
			} else {
				keyed = true
			}
			prev, after = r.Hash, r.ID
			rep.Entries++
			rep.HeadID, rep.Head = r.ID, hex.EncodeToString(r.Hash)
		}
	}
	// A recorded head that is no longer there: the newest entries (or all
	// of them) have been removed.
	var missing *AuditMark
	for _, m := range marks {
		if !matched[m.ID] && (missing == nil || m.ID < missing.ID) {
			missing = &m
		}
	}
	if missing != nil {
		gone := fmt.Sprintf("entries %d to %d have been removed", rep.HeadID+1, missing.ID)
		if missing.ID < rep.HeadID {
			gone = "it has been removed"
		}
		return rep, &AuditBreak{ID: missing.ID, Reason: fmt.Sprintf(
			"it is missing, but %s recorded it as the head on %s: %s", missing.Source, markTime(*missing), gone)}
	}
	return rep, nil
}

func markTime(m AuditMark) string {
	if m.At.IsZero() {
		return "an unknown date"
	}
	return m.At.UTC().Format(time.RFC3339)
}

// checkEntry checks one entry against the one before it (prevID 0: none).
func (s *Store) checkEntry(r auditRow, prev []byte, prevID int64, keyed bool) *AuditBreak {
	if r.KeyID != nil && prevID != 0 && r.ID != prevID+1 {
		return &AuditBreak{ID: r.ID, Reason: fmt.Sprintf("entries %d to %d are missing: they have been removed", prevID+1, r.ID-1)}
	}
	if !bytes.Equal(r.PrevHash, prev) {
		return &AuditBreak{ID: r.ID, Reason: "does not follow the entry before it: an entry has been removed or altered"}
	}
	e := r.domain()
	// What the HMAC covers is the entry as read (its records' type and
	// ID); anything more stored beside them was added afterwards.
	if !sameJSON(r.Records, e.Records) {
		return &AuditBreak{ID: r.ID, Reason: "its records carry more than was recorded: it has been altered"}
	}
	if r.KeyID == nil {
		if keyed {
			return &AuditBreak{ID: r.ID, Reason: "it has no key although entries before it have: it was written without the audit key"}
		}
		if !bytes.Equal(legacyHash(prev, e), r.Hash) {
			return &AuditBreak{ID: r.ID, Reason: "its contents do not match its hash: it has been altered"}
		}
		return nil
	}
	key, ok := s.auditKeys.Lookup(*r.KeyID)
	if !ok {
		return &AuditBreak{ID: r.ID, Reason: fmt.Sprintf(
			"it is authenticated with key %q, which is not in the key set (%s): add that key, or the entry is forged",
			*r.KeyID, strings.Join(s.auditKeys.IDs(), ", "))}
	}
	if !hmac.Equal(entryMAC(key, r.ID, prev, e.Canonical()), r.Hash) {
		return &AuditBreak{ID: r.ID, Reason: "its contents do not match its HMAC: it has been altered"}
	}
	return nil
}

// AuditLegacyUntil answers the last entry written before the audit key
// when the trail opens with such entries (0: it does not). It walks from
// the first entry to the first keyed one.
func (s *Store) AuditLegacyUntil(ctx context.Context) (int64, error) {
	var first []struct {
		ID    int64
		KeyID *string
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT id, key_id FROM audit_log ORDER BY id LIMIT 1`).Scan(&first).Error; err != nil || len(first) == 0 || first[0].KeyID != nil {
		return 0, err
	}
	var until int64
	err := db.Raw(`SELECT coalesce((SELECT id FROM audit_log WHERE key_id IS NOT NULL ORDER BY id LIMIT 1) - 1,
		(SELECT max(id) FROM audit_log))`).Scan(&until).Error
	return until, err
}

// sameJSON reports whether stored JSON holds exactly v (an empty list and
// null alike).
func sameJSON(stored []byte, v any) bool {
	var a, b any
	if err := json.Unmarshal(stored, &a); err != nil {
		return false
	}
	again, err := json.Marshal(v)
	if err != nil || json.Unmarshal(again, &b) != nil {
		return false
	}
	if l, ok := a.([]any); a == nil || ok && len(l) == 0 {
		l2, _ := b.([]any)
		return b == nil || len(l2) == 0
	}
	return reflect.DeepEqual(a, b)
}

// AuditHead returns the newest entry, or nil when the trail is empty.
func (s *Store) AuditHead(ctx context.Context) (*domain.AuditEntry, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Table("audit_log").Order("id DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	e := rows[0].domain()
	return &e, nil
}

// tokenKeys is the order an officer's tokens are listed in: as issued.
var tokenKeys = keyset{cols: []string{"created_at", "id"}, types: []string{"timestamptz", "uuid"}}

// ListTokens lists a page of an officer's tokens, as issued, without the
// tokens themselves.
func (s *Store) ListTokens(ctx context.Context, officerID string, p domain.Page) ([]domain.TokenInfo, string, error) {
	after, args, err := tokenKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetOfficer(ctx, officerID); err != nil {
		return nil, "", err
	}
	domain.Note(ctx, "officer", officerID)
	limit := pageLimit(p)
	var out []domain.TokenInfo
	if err := s.db.WithContext(ctx).Raw(`SELECT id, officer_id, created_at, expires_at, revoked_at FROM officer_tokens
		WHERE officer_id = ? AND `+after+tokenKeys.orderBy()+limitClause(limit), append([]any{officerID}, args...)...).
		Scan(&out).Error; err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []domain.TokenInfo{}
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	out, next := keysetPage(out, limit, func(t domain.TokenInfo) []string { return []string{keyTime(t.CreatedAt), t.ID} })
	return out, next, nil
}

// RevokeToken stops a token working at once.
func (s *Store) RevokeToken(ctx context.Context, officerID, tokenID string) error {
	if !validID(officerID) || !validID(tokenID) {
		return domain.ErrNotFound
	}
	defer s.auth.forget()
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE officer_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND officer_id = ?`,
			s.now(), tokenID, officerID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.ErrNotFound
		}
		domain.Note(ctx, "officer", officerID)
		domain.Note(ctx, "token", tokenID)
		return nil
	})
}

var _ domain.Audit = (*Store)(nil)
