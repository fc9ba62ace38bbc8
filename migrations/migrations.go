// Package migrations holds the database schema as numbered SQL files,
// applied in order by goose and embedded in the binary.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
