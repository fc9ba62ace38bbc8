-- The name search's trigram index (migration 00500) takes new entries into
-- its pending list, an unsorted list every search reads in full, until the
-- list reaches gin_pending_list_limit (4 MB by default) or the table is
-- vacuumed. At a million orders the benchmark found 160 pages (5,120
-- entries) there: a search that matched nobody read them all and took
-- 3.6-4.2 ms in the index instead of 0.1 ms, and up to 4 MB it would read
-- about 500 pages. Subjects are searched far more often than they are
-- written, so the list is flushed into the index every 64 kB (a few pages;
-- the smallest limit PostgreSQL allows), and emptied now. The audit
-- trail's GIN index (00006) keeps the default: every read writes to it
-- and auditors search it rarely.

-- +goose Up
ALTER INDEX subjects_search_trgm SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('subjects_search_trgm'::regclass);

-- +goose Down
ALTER INDEX subjects_search_trgm RESET (gin_pending_list_limit);
