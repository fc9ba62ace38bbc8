package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// Files the import page checked, kept for their commit (migration 00460).

func (s *Store) KeepCheckedImport(ctx context.Context, c domain.CheckedImport) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM checked_imports WHERE expires_at <= ?`, s.now()).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO checked_imports (id, officer_id, force, file_name, data, sha256, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.OfficerID, c.Force, c.FileName, c.Data, c.SHA256,
			c.CreatedAt.UTC(), c.ExpiresAt.UTC()).Error; err != nil {
			return err
		}
		// Each file is up to 8 MB: an officer keeps a few, not every file
		// they ever checked that day.
		return tx.Exec(`DELETE FROM checked_imports WHERE officer_id = ? AND id NOT IN (
			SELECT id FROM checked_imports WHERE officer_id = ? ORDER BY created_at DESC, id LIMIT ?)`,
			c.OfficerID, c.OfficerID, domain.CheckedImportsKept).Error
	})
}

func (s *Store) CheckedImport(ctx context.Context, id string) (domain.CheckedImport, error) {
	var rows []struct {
		ID, OfficerID, Force, FileName, Sha256 string
		Data                                   []byte
		CreatedAt, ExpiresAt                   time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT * FROM checked_imports WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return domain.CheckedImport{}, err
	}
	if len(rows) == 0 {
		return domain.CheckedImport{}, domain.ErrNotFound
	}
	r := rows[0]
	return domain.CheckedImport{ID: r.ID, OfficerID: r.OfficerID, Force: r.Force, FileName: r.FileName, Data: r.Data,
		SHA256: r.Sha256, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

func (s *Store) ForgetCheckedImport(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM checked_imports WHERE id = ?`, id).Error
}

var _ domain.Importer = (*Store)(nil)
