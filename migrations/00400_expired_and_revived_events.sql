-- An order expired at its charge's outcome and revived by the end the
-- court settled later lost its expiry from the legal history: the
-- timeline's "expired" entry is read from the order's status, which the
-- revival changes. The revival now records the expiry it undoes and itself
-- as events ('expired', 'revived'), so nothing of the order's life is lost.

-- +goose Up
ALTER TABLE order_events DROP CONSTRAINT order_events_kind_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind IN ('made', 'served', 'varied',
    'variation_refused', 'terms_amended', 'discharged', 'quashed', 'appeal_lodged', 'appeal_decided', 'charged',
    'charge_decided', 'breach_recorded', 'breach_outcome', 'no_breach', 'replaced', 'expired', 'revived'));

-- +goose Down
DELETE FROM order_events WHERE kind IN ('expired', 'revived');
ALTER TABLE order_events DROP CONSTRAINT order_events_kind_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind IN ('made', 'served', 'varied',
    'variation_refused', 'terms_amended', 'discharged', 'quashed', 'appeal_lodged', 'appeal_decided', 'charged',
    'charge_decided', 'breach_recorded', 'breach_outcome', 'no_breach', 'replaced'));
