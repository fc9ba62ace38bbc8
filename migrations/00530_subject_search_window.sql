-- A name search reads a window of subjects in creation order before it
-- turns to the trigram index (searchSubjects in domain/postgres/subjects.go):
-- a common name fills a page from the first few thousand subjects, which
-- these indexes give with the folded text beside each id, so the window is
-- read from the index alone, every force at once or one force.
--
-- At a million subjects a search for a name a twenty-fifth of them share
-- took 58 ms alone (the trigram index found 39,836 matches and every one
-- was read from the table to sort them), 484 ms at sixteen at once; the
-- window answers it in 2 ms.

-- +goose Up
CREATE INDEX subjects_id_search ON subjects (id) INCLUDE (search_text);
CREATE INDEX subjects_force_search ON subjects (force, id) INCLUDE (search_text);
DROP INDEX subjects_force;
ALTER INDEX subjects_force_search RENAME TO subjects_force;

-- +goose Down
CREATE INDEX subjects_force_plain ON subjects (force, id);
DROP INDEX subjects_force;
ALTER INDEX subjects_force_plain RENAME TO subjects_force;
DROP INDEX subjects_id_search;
