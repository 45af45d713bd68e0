CREATE OR REPLACE FUNCTION gridloop_case_facts(first_case_id bigint, last_case_id bigint)
RETURNS SETOF case_fact LANGUAGE sql STABLE AS $$
-- What each case counts for (DOMAIN.md §5): one row per case with an id in the range, with the
-- groups it is in now, the local day it was reported on (in the zone of
-- gridloop_report_zone()), and its counters, in the column order of case_fact
-- (gridloop.reports.facts.COUNTERS). Flags are 0 or 1, returns … verified_on_time count
-- events, handling_seconds sums a duration. A plain SQL function, so that PostgreSQL inlines it
-- and the range reaches the grouped events: one case reads its own events, a rebuild a batch.
SELECT
    c.case_id,
    (c.reported_at AT TIME ZONE gridloop_report_zone())::date AS day,
    c.street_code::text,
    c.community_code::text,
    c.unit_grid_code::text,
    c.responsibility_grid_code::text,
    lead.office_id,
    c.item_code::text,
    c.source,
    CASE WHEN c.source = 'inspector' THEN c.reported_by_user_id END AS inspector_user_id,
    1 AS reported,
    coalesce(c.source = 'inspector', false)::int AS by_inspector,
    coalesce(ev.registers > 0, false)::int AS registered,
    coalesce(ev.registers > 0 AND c.registered_at <= c.register_due_at, false)::int
        AS registered_on_time,
    coalesce(ev.voids > 0, false)::int AS voided,
    coalesce(c.status = 'suspended', false)::int AS suspended,
    -- A suspended case leaves 应派遣数 (registered − voided − suspended), so it leaves the
    -- dispatch counts too: a rate over 应派遣数 never counts a case its denominator does not.
    coalesce(ev.dispatches > 0 AND c.status <> 'suspended', false)::int AS dispatched,
    coalesce(
        ev.dispatches > 0 AND c.status <> 'suspended' AND c.dispatched_at <= c.dispatch_due_at,
        false
    )::int AS dispatched_on_time,
    -- Returned or reworked: not dispatched accurately.
    coalesce(
        ev.dispatches > 0 AND c.status <> 'suspended' AND (ev.returns > 0 OR ev.reworks > 0),
        false
    )::int AS misdispatched,
    coalesce(c.status IN ('dispatched', 'handling', 'handled', 'closed', 'evaluated'), false)::int
        AS should_handle,
    coalesce(c.status IN ('handled', 'closed', 'evaluated'), false)::int AS handled,
    coalesce(c.status IN ('handled', 'closed', 'evaluated') AND c.handled_at <= c.handle_due_at,
        false)::int AS handled_on_time,
    -- The sweeper recorded the handling deadline as missed and it is still not handled.
    coalesce(c.status IN ('dispatched', 'handling')
        AND ev.handle_overdue_due_at >= c.handle_due_at, false)::int AS overdue_unhandled,
    coalesce(c.status IN ('closed', 'evaluated'), false)::int AS closed,
    coalesce(c.status IN ('closed', 'evaluated') AND c.closed_at <= c.close_due_at, false)::int
        AS closed_on_time,
    coalesce(ev.overdues > 0, false)::int AS overdue,
    coalesce(c.status = 'evaluated', false)::int AS evaluated,
    coalesce(c.status = 'evaluated' AND c.satisfaction = 'satisfied', false)::int AS satisfied,
    coalesce(c.status = 'evaluated' AND c.satisfaction = 'basically_satisfied', false)::int
        AS basically_satisfied,
    coalesce(c.status = 'evaluated' AND c.satisfaction = 'dissatisfied', false)::int
        AS dissatisfied,
    coalesce(c.status = 'evaluated' AND ev.contacted, false)::int AS contacted,
    coalesce(c.status = 'evaluated' AND ev.solved, false)::int AS solved,
    coalesce(ev.returns, 0)::int AS returns,
    coalesce(ev.reworks, 0)::int AS reworks,
    coalesce(ev.extensions, 0)::int AS extensions,
    coalesce(ev.handled_rounds, 0)::int AS verify_due,
    coalesce(ev.verified_on_time, 0)::int AS verified_on_time,
    -- Seconds from dispatch to the handling report, for the average handling time.
    CASE WHEN c.status IN ('handled', 'closed', 'evaluated')
        THEN greatest(0, extract(epoch FROM c.handled_at - c.dispatched_at))::bigint
        ELSE 0 END AS handling_seconds
FROM grid_case c
JOIN (
    SELECT
        e.case_id,
        count(*) FILTER (WHERE e.action = 'register') AS registers,
        count(*) FILTER (WHERE e.action = 'reject' AND e.from_status <> 'reported') AS voids,
        count(*) FILTER (WHERE e.action IN ('dispatch', 'whistle')) AS dispatches,
        count(*) FILTER (WHERE e.action = 'return') AS returns,
        count(*) FILTER (WHERE e.action = 'rework') AS reworks,
        count(*) FILTER (WHERE e.action = 'approve_extension') AS extensions,
        count(*) FILTER (WHERE e.action = 'report_handled') AS handled_rounds,
        -- Each check is due by the deadline its handling report set (the event records it).
        count(*) FILTER (WHERE e.action = 'verify'
            AND e.occurred_at <= (e.payload ->> 'verify_due_at')::timestamptz)
            AS verified_on_time,
        count(*) FILTER (WHERE e.action = 'overdue') AS overdues,
        max((e.payload ->> 'due_at')::timestamptz)
            FILTER (WHERE e.action = 'overdue' AND e.payload ->> 'deadline' = 'handle')
            AS handle_overdue_due_at,
        coalesce(bool_or((e.payload ->> 'contacted')::boolean)
            FILTER (WHERE e.action = 'evaluate'), false) AS contacted,
        coalesce(bool_or((e.payload ->> 'solved')::boolean)
            FILTER (WHERE e.action = 'evaluate'), false) AS solved
    FROM case_event e
    WHERE e.case_id BETWEEN first_case_id AND last_case_id
    GROUP BY e.case_id
) ev ON ev.case_id = c.case_id
LEFT JOIN (
    -- The current lead office, or after a return the one that returned the case.
    SELECT DISTINCT ON (co.case_id) co.case_id, co.office_id
    FROM case_office co
    WHERE co.role = 'lead' AND co.case_id BETWEEN first_case_id AND last_case_id
    ORDER BY co.case_id, co.released_at IS NULL DESC, co.assigned_at DESC, co.case_office_id DESC
) lead ON lead.case_id = c.case_id
WHERE c.case_id BETWEEN first_case_id AND last_case_id
$$;
