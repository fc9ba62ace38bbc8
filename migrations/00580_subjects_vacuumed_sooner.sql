-- A name search first reads a window of 10,000 subjects in id order from
-- subjects_id_search, an index holding the folded names (migration 00530),
-- without reading the table: but only on pages the visibility map marks
-- all-visible. Autovacuum marks them after a fifth of the table has been
-- inserted or changed since it last ran; on a register of a million
-- subjects generated in batches, 150,000 were still unmarked, the window
-- read the table 1,453 times and a search that matched nobody took 17-19
-- ms in it (71 ms cold), against 4.9-5.1 ms once vacuumed. Vacuumed after
-- 1% of the subjects are inserted and 2% changed (as owner_assignments,
-- 00220), the window stays in the index. Subjects change a few a day, so
-- the vacuums are rare.

-- +goose Up
ALTER TABLE subjects SET (autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_scale_factor = 0.02);

-- +goose Down
ALTER TABLE subjects RESET (autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_scale_factor);
