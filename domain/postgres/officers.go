package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type officerRow struct {
	ID        string
	Name      string
	Email     string
	Force     *string
	Roles     textArray
	Active    bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (officerRow) TableName() string { return "officers" }

func (r officerRow) domain() domain.Officer {
	return domain.Officer{ID: r.ID, Name: r.Name, Email: r.Email, Force: r.Force, Roles: []string(r.Roles),
		Active: r.Active, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func officerRowOf(o domain.Officer) officerRow {
	return officerRow{ID: o.ID, Name: o.Name, Email: o.Email, Force: o.Force, Roles: textArray(o.Roles),
		Active: o.Active, Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// ListForces returns the 43 forces by name.
func (s *Store) ListForces(ctx context.Context) ([]domain.Force, error) {
	list, _, err := s.forces.get(ctx, s.db)
	return slices.Clone(list), err
}

// GetForce returns one force.
func (s *Store) GetForce(ctx context.Context, code string) (domain.Force, error) {
	// Text PostgreSQL cannot hold (NUL, invalid UTF-8) names no force.
	if code == "" || len(code) > 64 || !utf8.ValidString(code) || strings.ContainsRune(code, 0) {
		return domain.Force{}, domain.ErrNotFound
	}
	_, byCode, err := s.forces.get(ctx, s.db)
	if err != nil {
		return domain.Force{}, err
	}
	f, ok := byCode[code]
	if !ok {
		return domain.Force{}, domain.ErrNotFound
	}
	return f, nil
}

// forceList holds the forces, reference data that only migrations write:
// read once per process instead of once per request (a statement on every
// agenda and board, and on every request of a regional officer, whose
// scope is their region's forces).
type forceList struct {
	mu     sync.Mutex
	list   []domain.Force // by name
	byCode map[string]domain.Force
}

func (l *forceList) get(ctx context.Context, db *gorm.DB) ([]domain.Force, map[string]domain.Force, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byCode == nil {
		var list []domain.Force
		if err := db.WithContext(ctx).Raw(`SELECT f.code, f.name, f.region, r.name AS region_name
			FROM forces f JOIN regions r ON r.code = f.region ORDER BY f.name`).Scan(&list).Error; err != nil {
			return nil, nil, err
		}
		byCode := make(map[string]domain.Force, len(list))
		for _, f := range list {
			byCode[f.Code] = f
		}
		l.list, l.byCode = list, byCode
	}
	return l.list, l.byCode, nil
}

// CreateOfficer validates and records a new officer.
func (s *Store) CreateOfficer(ctx context.Context, o domain.Officer) (domain.Officer, error) {
	v := &domain.ValidationError{}
	o.Validate(v)
	if err := v.Err(); err != nil {
		return domain.Officer{}, err
	}
	if canChange(ctx, forceOf(o)) != nil {
		return domain.Officer{}, domain.Invalid("force", "is outside the forces you manage")
	}
	if err := s.canGrant(ctx, s.db.WithContext(ctx), o); err != nil {
		return domain.Officer{}, err
	}
	now := s.now()
	o.ID, o.Version, o.CreatedAt, o.UpdatedAt = newID(), 1, now, now
	row := officerRowOf(o)
	domain.Note(ctx, "officer", o.ID)
	if err := s.tx(ctx, func(tx *gorm.DB) error { return translate(tx.Create(&row).Error) }); err != nil {
		return domain.Officer{}, err
	}
	return row.domain(), nil
}

// GetOfficer returns one officer the caller may see: the directory is
// scoped like subjects (an officer with no force is seen only by callers
// who see every force).
func (s *Store) GetOfficer(ctx context.Context, id string) (domain.Officer, error) {
	o, err := getOfficer(s.db.WithContext(ctx), id, false)
	if err != nil {
		return o, err
	}
	if err := canSee(ctx, forceOf(o)); err != nil {
		return domain.Officer{}, err
	}
	return o, nil
}

// forceOf is an officer's force, "" for none (visible only to callers who
// see every force).
func forceOf(o domain.Officer) string {
	if o.Force == nil {
		return ""
	}
	return *o.Force
}

// OfficerByEmail returns the officer, active or not, with email. Emails
// are stored lowercase (see Officer.Validate), so the lookup lowercases the
// same way and uses the unique index.
func (s *Store) OfficerByEmail(ctx context.Context, email string) (domain.Officer, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 {
		return domain.Officer{}, domain.ErrNotFound
	}
	var rows []officerRow
	if err := s.db.WithContext(ctx).Where("email = ?", email).Limit(1).Find(&rows).Error; err != nil {
		return domain.Officer{}, err
	}
	if len(rows) == 0 {
		return domain.Officer{}, domain.ErrNotFound
	}
	return rows[0].domain(), nil
}

func getOfficer(db *gorm.DB, id string, forUpdate bool) (domain.Officer, error) {
	if !validID(id) {
		return domain.Officer{}, domain.ErrNotFound
	}
	q := db.Where("id = ?", id)
	if forUpdate {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []officerRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return domain.Officer{}, err
	}
	if len(rows) == 0 {
		return domain.Officer{}, domain.ErrNotFound
	}
	return rows[0].domain(), nil
}

// shareOfficer reads an officer a change relies on (one given an order or
// an action), locking the row against a concurrent deactivation or move of
// force until the change commits: that change's update waits, then ends
// what this one gave; or this one waits, then reads the officer as changed.
func shareOfficer(tx *gorm.DB, id string) (domain.Officer, error) {
	if !validID(id) {
		return domain.Officer{}, domain.ErrNotFound
	}
	var rows []officerRow
	if err := tx.Where("id = ?", id).Clauses(clause.Locking{Strength: "SHARE"}).Limit(1).Find(&rows).Error; err != nil {
		return domain.Officer{}, err
	}
	if len(rows) == 0 {
		return domain.Officer{}, domain.ErrNotFound
	}
	return rows[0].domain(), nil
}

// shareVisibleOfficer is shareOfficer for an officer a request names (an
// owner, an officer to act, a cover): one the caller may not see is no
// such officer, as GET /officers/{id} answers, so that no refusal tells
// that another force's officer exists ("not of the subject's force").
func shareVisibleOfficer(tx *gorm.DB, id string) (domain.Officer, error) {
	o, err := shareOfficer(tx, id)
	if err != nil {
		return o, err
	}
	if canSee(tx.Statement.Context, forceOf(o)) != nil {
		return domain.Officer{}, domain.ErrNotFound
	}
	return o, nil
}

// officersWhere is the officers f names, of those the caller may see.
func (s *Store) officersWhere(ctx context.Context, f domain.OfficerFilter) (*gorm.DB, error) {
	q := readScope(ctx, s.db.WithContext(ctx).Model(&officerRow{}), "force")
	if f.Force != "" {
		q = q.Where("force = ?", f.Force)
	}
	if f.Role != "" {
		q = q.Where("? = ANY (roles)", f.Role)
	}
	if len(f.AnyRole) > 0 {
		q = q.Where("roles && CAST(? AS text[])", textArray(f.AnyRole))
	}
	if f.Active {
		q = q.Where("active")
	}
	if name := strings.TrimSpace(f.Name); name != "" {
		if len(name) > 200 || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return nil, domain.Invalid("name", "must be at most 200 characters of text")
		}
		like := "%" + escapeLike(name) + "%"
		q = q.Where(`(name ILIKE ? ESCAPE '\' OR email ILIKE ? ESCAPE '\')`, like, like)
	}
	return q, nil
}

// ListOfficers returns a page of officers in creation order, or by name.
func (s *Store) ListOfficers(ctx context.Context, f domain.OfficerFilter, p domain.Page) ([]domain.Officer, string, error) {
	q, err := s.officersWhere(ctx, f)
	if err != nil {
		return nil, "", err
	}
	order := "id"
	if f.ByName {
		order = "name, id"
		if p.Cursor != "" {
			parts, ok := domain.DecodeKeyCursor(p.Cursor, 2)
			if !ok {
				return nil, "", domain.Invalid("cursor", "is not a cursor this service gave out")
			}
			q = q.Where("(name, id) > (?, ?::uuid)", parts[0], parts[1])
		}
	} else if p.Cursor != "" {
		q = q.Where("id > ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []officerRow
	if err := q.Order(order).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.Officer, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.domain())
	}
	if f.ByName {
		if len(out) <= limit {
			return out, "", nil
		}
		last := out[limit-1]
		return out[:limit], domain.EncodeKeyCursor(last.Name, last.ID), nil
	}
	return pageOf(out, limit, func(o domain.Officer) string { return o.ID })
}

// CountOfficers counts the officers ListOfficers lists with f.
func (s *Store) CountOfficers(ctx context.Context, f domain.OfficerFilter) (int, error) {
	q, err := s.officersWhere(ctx, f)
	if err != nil {
		return 0, err
	}
	var n int64
	err = q.Count(&n).Error
	return int(n), err
}

// CountOfficerLists counts an officer's tokens and absences.
func (s *Store) CountOfficerLists(ctx context.Context, officerID string) (domain.OfficerListCounts, error) {
	var out domain.OfficerListCounts
	if _, err := s.GetOfficer(ctx, officerID); err != nil {
		return out, err
	}
	err := s.db.WithContext(ctx).Raw(`SELECT (SELECT count(*) FROM officer_tokens WHERE officer_id = @id) AS tokens,
		(SELECT count(*) FROM officer_absences WHERE officer_id = @id) AS absences`, map[string]any{"id": officerID}).
		Scan(&out).Error
	return out, err
}

// pageOf trims a result fetched with one extra row and makes the cursor.
func pageOf[T any](items []T, limit int, id func(T) string) ([]T, string, error) {
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, domain.EncodeCursor(id(items[limit-1])), nil
}

// UpdateOfficer applies change under a row lock.
func (s *Store) UpdateOfficer(ctx context.Context, id string, ifVersion *int, change func(*domain.Officer) error) (domain.Officer, error) {
	defer s.auth.forget()
	var out domain.Officer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := getOfficer(tx, id, true)
		if err != nil {
			return err
		}
		if err := canChange(ctx, forceOf(o)); err != nil {
			return err
		}
		domain.Note(ctx, "officer", o.ID)
		if ifVersion != nil && *ifVersion != o.Version {
			return domain.ErrStale
		}
		before := o
		if err := change(&o); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		o.Validate(v)
		if err := v.Err(); err != nil {
			return err
		}
		if canChange(ctx, forceOf(o)) != nil {
			return domain.Invalid("force", "is outside the forces you manage")
		}
		// What the officer could already read is not the caller's doing: an
		// edit is refused only for sight it adds.
		if !before.HasRole(domain.RoleRegional) && o.HasRole(domain.RoleRegional) || forceOf(before) != forceOf(o) {
			if err := s.canGrant(ctx, tx, o); err != nil {
				return err
			}
		}
		o.Version++
		o.UpdatedAt = s.now()
		row := officerRowOf(o)
		if err := tx.Select("*").Omit("created_at").Save(&row).Error; err != nil {
			return translate(err)
		}
		// An owner who can no longer act stops owning, in the same change.
		if _, err := endOwnersWhoCannotAct(tx, "a.officer_id = @id", o.ID, domain.OwnerEndReason(before, o), o.UpdatedAt); err != nil {
			return err
		}
		// Moved to another force, they can no longer see the old force's
		// orders, nor close the actions its meetings gave them (left open,
		// they stood overdue with nobody able to act): cancelled, saying
		// why, and they are told.
		if forceOf(before) != forceOf(o) {
			if err := endActionsOfMovedOfficer(tx, o.ID, forceOf(o), s.Today(), o.UpdatedAt); err != nil {
				return err
			}
		}
		out = row.domain()
		return s.revokeTokensOnDeactivation(tx, o.ID, before.Active, o.Active)
	})
	return out, err
}

// revokeTokensOnDeactivation ends every live token of an officer who has
// just been deactivated, so reactivating them later revives none: they
// need new tokens.
func (s *Store) revokeTokensOnDeactivation(tx *gorm.DB, officerID string, wasActive, active bool) error {
	if !wasActive || active {
		return nil
	}
	if err := tx.Exec(`UPDATE officer_tokens SET revoked_at = ? WHERE officer_id = ? AND revoked_at IS NULL`,
		s.now(), officerID).Error; err != nil {
		return err
	}
	// A deactivated officer's calendar feed ends with their tokens.
	return tx.Exec(`DELETE FROM calendar_feeds WHERE officer_id = ?`, officerID).Error
}

// tokenPrefix marks the service's tokens so they are easy to spot in a leak.
const tokenPrefix = "scpo_"

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueToken makes a random bearer token for an active officer. Only its
// hash is stored; the token is returned this once.
func (s *Store) IssueToken(ctx context.Context, officerID string, expiresAt *time.Time) (domain.IssuedToken, error) {
	o, err := s.GetOfficer(ctx, officerID)
	if err != nil {
		return domain.IssuedToken{}, err
	}
	if !o.Active {
		return domain.IssuedToken{}, domain.Conflict("officer", "the officer is deactivated")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return domain.IssuedToken{}, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var out domain.IssuedToken
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = s.storeToken(tx, officerID, token, expiresAt)
		domain.Note(ctx, "officer", officerID)
		domain.Note(ctx, "token", out.ID)
		return err
	})
	return out, err
}

func (s *Store) storeToken(db *gorm.DB, officerID, token string, expiresAt *time.Time) (domain.IssuedToken, error) {
	t := domain.IssuedToken{ID: newID(), Token: token, OfficerID: officerID, CreatedAt: s.now(), ExpiresAt: expiresAt}
	var by *string
	if a, ok := domain.ActorFrom(db.Statement.Context); ok {
		by = &a.ID
	}
	err := db.Exec(`INSERT INTO officer_tokens (id, officer_id, token_hash, created_at, created_by, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.ID, officerID, hashToken(token), t.CreatedAt, by, expiresAt).Error
	return t, translate(err)
}

// Authenticate finds the active officer holding a live token, from the
// token cache when it may be trusted (authcache.go).
func (s *Store) Authenticate(ctx context.Context, token string) (domain.Officer, error) {
	s.auth.start.Do(func() {
		if s.runsStop.Err() != nil {
			return // closing: a lookup each time
		}
		s.runs.Add(1)
		go func() {
			defer s.runs.Done()
			s.auth.listen(s.runsStop)
		}()
	})
	key := sha256.Sum256([]byte(token))
	now := s.now()
	if o, ok := s.auth.get(key, now); ok {
		return o, nil
	}
	gen := s.auth.generation()
	var rows []struct {
		Officer   officerRow `gorm:"embedded"`
		ExpiresAt *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT o.*, t.expires_at FROM officer_tokens t JOIN officers o ON o.id = t.officer_id
		WHERE t.token_hash = ? AND o.active AND t.revoked_at IS NULL
		  AND (t.expires_at IS NULL OR t.expires_at > ?)`, key[:], now).Scan(&rows).Error
	if err != nil {
		return domain.Officer{}, err
	}
	if len(rows) == 0 {
		return domain.Officer{}, domain.ErrUnauthenticated
	}
	o := rows[0].Officer.domain()
	s.auth.put(gen, key, authEntry{officer: o, expires: rows[0].ExpiresAt, lookedUp: now})
	return o, nil
}

// ErrBootstrapTokenRevoked: SCPO_BOOTSTRAP_TOKEN names a token that was
// revoked; it is left revoked, and a new value is needed to get back in.
var ErrBootstrapTokenRevoked = errors.New("SCPO_BOOTSTRAP_TOKEN was revoked; set a new value to create a new bootstrap token")

// bootstrapEmail names the administrator that SCPO_BOOTSTRAP_TOKEN creates.
const bootstrapEmail = "bootstrap-admin@scpo.invalid"

// EnsureBootstrapAdmin makes token belong to an active admin, creating the
// officer and token when missing. It is idempotent and safe for replicas
// starting together (they take turns on an advisory lock).
func (s *Store) EnsureBootstrapAdmin(ctx context.Context, token string) (domain.Officer, error) {
	defer s.auth.forget()
	if len(token) < 16 {
		return domain.Officer{}, errors.New("SCPO_BOOTSTRAP_TOKEN must be at least 16 characters")
	}
	var out domain.Officer
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:bootstrap-admin'))`).Error; err != nil {
			return err
		}
		var owner []officerRow
		if err := tx.Raw(`SELECT o.* FROM officer_tokens t JOIN officers o ON o.id = t.officer_id
			WHERE t.token_hash = ?`, hashToken(token)).Scan(&owner).Error; err != nil {
			return err
		}
		if len(owner) > 0 {
			o := owner[0].domain()
			var revoked []bool
			if err := tx.Raw(`SELECT revoked_at IS NOT NULL FROM officer_tokens WHERE token_hash = ?`,
				hashToken(token)).Scan(&revoked).Error; err != nil {
				return err
			}
			if len(revoked) > 0 && revoked[0] {
				// Revoked through the API (or by deactivating its officer):
				// it stays revoked. Setting a new SCPO_BOOTSTRAP_TOKEN is the
				// way back in.
				out = o
				return ErrBootstrapTokenRevoked
			}
			// The token must keep working as an admin's: undo an expiry or a
			// change of roles.
			if err := tx.Exec(`UPDATE officer_tokens SET expires_at = NULL WHERE token_hash = ?`,
				hashToken(token)).Error; err != nil {
				return err
			}
			if !o.Active || !o.HasRole(domain.RoleAdmin) {
				if err := tx.Exec(`UPDATE officers SET active = true, version = version + 1, updated_at = now(),
					roles = CASE WHEN 'admin' = ANY (roles) THEN roles ELSE roles || '{admin}'::text[] END
					WHERE id = ?`, o.ID).Error; err != nil {
					return err
				}
			}
			var err error
			out, err = getOfficer(tx, o.ID, false)
			return err
		}
		var existing []officerRow
		if err := tx.Where("email = ?", bootstrapEmail).Find(&existing).Error; err != nil {
			return err
		}
		var o domain.Officer
		if len(existing) > 0 {
			o = existing[0].domain()
			if err := tx.Exec(`UPDATE officers SET active = true, version = version + 1, updated_at = now(),
				roles = CASE WHEN 'admin' = ANY (roles) THEN roles ELSE roles || '{admin}'::text[] END
				WHERE id = ?`, o.ID).Error; err != nil {
				return err
			}
			// A new bootstrap token replaces the old one; tokens an admin
			// issued through the API (created_by set) are left alone.
			if err := tx.Exec(`UPDATE officer_tokens SET revoked_at = now()
				WHERE officer_id = ? AND created_by IS NULL AND revoked_at IS NULL`, o.ID).Error; err != nil {
				return err
			}
		} else {
			now := s.now()
			o = domain.Officer{ID: newID(), Name: "Bootstrap administrator", Email: bootstrapEmail,
				Roles: []string{domain.RoleAdmin}, Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
			row := officerRowOf(o)
			if err := tx.Create(&row).Error; err != nil {
				return translate(err)
			}
		}
		if _, err := s.storeToken(tx, o.ID, token, nil); err != nil {
			return err
		}
		var err error
		out, err = getOfficer(tx, o.ID, false)
		return err
	})
	return out, err
}

// endActionsOfMovedOfficer cancels an officer's open meeting actions on
// orders of forces other than the one they moved to (to, "" for national).
func endActionsOfMovedOfficer(tx *gorm.DB, officerID, to string, today domain.Date, now time.Time) error {
	where := "somewhere with no force's orders"
	var toForce any // NULL: national
	if to != "" {
		where, toForce = forceName(tx, to), to
	}
	return cancelActions(tx, "d.action_by = @officer AND s.force IS DISTINCT FROM @to",
		"'overtaken: the officer moved to ' || @where || ', and can no longer act on this order'",
		map[string]any{"officer": officerID, "to": toForce, "where": where}, today, now)
}
