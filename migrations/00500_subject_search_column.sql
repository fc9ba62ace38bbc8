-- The name search's text, folded (search_fold, migration 00430), is kept
-- on the subject row as it is written, not worked out per row searched.
-- subject_search_text calls search_fold with an expression whose argument
-- it uses four times, which PostgreSQL does not inline: every name the
-- search rechecked ran a SQL function, 4 us each. A common surname walks
-- about 1,200 names for a page at a million subjects (12 ms; the column is
-- read in a fraction of that), and a search with no match rechecks the
-- trigram index's candidates the same way.

-- +goose Up
DROP INDEX subjects_search_trgm;
ALTER TABLE subjects ADD COLUMN search_text text
    GENERATED ALWAYS AS (subject_search_text(first_names, last_name, aliases)) STORED;
CREATE INDEX subjects_search_trgm ON subjects USING gin (search_text gin_trgm_ops);

-- +goose Down
DROP INDEX subjects_search_trgm;
ALTER TABLE subjects DROP COLUMN search_text;
CREATE INDEX subjects_search_trgm ON subjects
    USING gin (subject_search_text(first_names, last_name, aliases) gin_trgm_ops);
