-- A subject in custody with no expected release date recorded raises no
-- pre-release flag and was on no report: nobody was prompted to find the
-- date. The pre-release report now lists them for their force; this index
-- holds just those subjects (few), so the list costs nothing at scale.

--
-- PostgreSQL takes "in custody" and "no release date" as unrelated, and
-- every subject in the community has no release date: it expected
-- thousands where there are almost none, and read the whole of subjects
-- (or of orders) instead of this index. Statistics on the pair tell it.

-- +goose Up
CREATE INDEX subjects_custody_no_release_date ON subjects (last_name, first_names, id) INCLUDE (force)
    WHERE custody_status = 'custody' AND release_date IS NULL;
CREATE STATISTICS subjects_custody_no_release_date (mcv) ON custody_status, (release_date IS NULL) FROM subjects;
ANALYZE subjects;

-- +goose Down
DROP STATISTICS subjects_custody_no_release_date;
DROP INDEX subjects_custody_no_release_date;
