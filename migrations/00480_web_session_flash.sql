-- A success banner for the page a form redirects to, kept with the
-- session and taken by that page: built from the redirect's query string,
-- it was anyone's to write (/imports?done=import&orders=9999 announced
-- 9999 new orders). Set after a successful post, cleared when shown.

-- +goose Up
ALTER TABLE web_sessions ADD COLUMN flash jsonb;

-- +goose Down
ALTER TABLE web_sessions DROP COLUMN flash;
