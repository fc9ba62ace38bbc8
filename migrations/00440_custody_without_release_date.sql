-- A subject in custody with no expected release date recorded raises no
-- pre-release flag and was on no report: nobody was prompted to find the
-- date. The pre-release report now lists them for their force; this index
-- holds just those subjects (few), so the list costs nothing at scale.

-- +goose Up
CREATE INDEX subjects_custody_no_release_date ON subjects (force, last_name, first_names, id)
    WHERE custody_status = 'custody' AND release_date IS NULL;

-- +goose Down
DROP INDEX subjects_custody_no_release_date;
