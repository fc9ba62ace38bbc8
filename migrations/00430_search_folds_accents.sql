-- A name search matched only the name as typed, lowercased: "Siobhan"
-- did not find Siobhán, nor "OConnor" O'Connor. Names are now
-- searched folded: lowercased, common accents taken off (Irish, Welsh,
-- Scottish Gaelic and the Latin letters of most European names),
-- apostrophes dropped and hyphens read as spaces. The search's own text is
-- folded the same way (search_fold), so the trigram index still serves it.

-- +goose Up
-- +goose StatementBegin
-- Accented letters, small and capital (lower() leaves a capital Á as it is
-- under the C locale), to their plain small letter and a hyphen to a
-- space, then apostrophes (straight, curly, backtick) dropped.
CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(t) = length(t)
                -- Plain ASCII, most names: a hyphen a space, apostrophes
                -- and backticks gone; the long map below cost 4 us a name,
                -- and a search walks thousands.
                THEN translate(lower(t), '-''`', ' ')
                ELSE translate(translate(lower(t),
            'áàâäãåāăąÁÀÂÄÃÅĀĂĄçćčÇĆČďđĎĐéèêëēėęěÉÈÊËĒĖĘĚğĞíìîïīįıÍÌÎÏĪĮķĶĺļľłĹĻĽŁńņňñŃŅŇÑóòôöõøōőÓÒÔÖÕØŌŐŕřŔŘśşšșŚŞŠȘţťțŢŤȚúùûüūůűųÚÙÛÜŪŮŰŲŵŴýÿŷÝŸŶźżžŹŻŽ-',
            'aaaaaaaaaaaaaaaaaaccccccddddeeeeeeeeeeeeeeeeggiiiiiiiiiiiiikkllllllllnnnnnnnnoooooooooooooooorrrrssssssssttttttuuuuuuuuuuuuuuuuwwyyyyyyzzzzzz '),
            '’''`‘', '') END
$$;
-- +goose StatementEnd

DROP INDEX subjects_search_trgm;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION subject_search_text(first_names text, last_name text, aliases text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT search_fold(first_names || ' ' || last_name || ' ' || array_to_string(aliases, ' '))
$$;
-- +goose StatementEnd
CREATE INDEX subjects_search_trgm ON subjects
    USING gin (subject_search_text(first_names, last_name, aliases) gin_trgm_ops);

-- +goose Down
DROP INDEX subjects_search_trgm;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION subject_search_text(first_names text, last_name text, aliases text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(first_names || ' ' || last_name || ' ' || array_to_string(aliases, ' '))
$$;
-- +goose StatementEnd
CREATE INDEX subjects_search_trgm ON subjects
    USING gin (subject_search_text(first_names, last_name, aliases) gin_trgm_ops);
DROP FUNCTION search_fold(text);
