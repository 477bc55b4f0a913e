-- Demand insight (heatmap, category trend, hotspots, repeat locations) and
-- the moderation queue's scoped listing.
--
-- Insight reads many reports at once (an LPA's last 90 days, or 12 months),
-- so the values it groups by are worked out once, when a report is stored,
-- and kept in covering indexes: the queries then read only the index.
--   insight_slot   the hour of the week it happened, 0 (Monday 00:00) to 167,
--                  in Europe/London: the time it happened when the reporter
--                  gave one, else when the report arrived;
--   insight_month  the first day of the month it arrived, in Europe/London;
--   bng_e, bng_n   its point on the British National Grid (EPSG:27700), in
--                  metres, so places are grouped in metres, not degrees.
ALTER TABLE reports
    ADD COLUMN insight_slot smallint GENERATED ALWAYS AS ((
        (date_part('isodow', CASE WHEN occurred_time IS NOT NULL THEN occurred_on + occurred_time
                                  ELSE timezone('Europe/London', created_at) END) - 1) * 24
        + date_part('hour', CASE WHEN occurred_time IS NOT NULL THEN occurred_on + occurred_time
                                 ELSE timezone('Europe/London', created_at) END))::smallint) STORED,
    ADD COLUMN insight_month date GENERATED ALWAYS AS
        (date_trunc('month', timezone('Europe/London', created_at))::date) STORED,
    ADD COLUMN bng_e integer GENERATED ALWAYS AS (round(ST_X(ST_Transform(location, 27700)))::integer) STORED,
    ADD COLUMN bng_n integer GENERATED ALWAYS AS (round(ST_Y(ST_Transform(location, 27700)))::integer) STORED;

-- The last 90 (or 30) days of an area: heatmap, hotspots, repeat locations.
CREATE INDEX reports_insight_recent ON reports (neighbourhood_id, created_at)
    INCLUDE (insight_slot, category_id, bng_e, bng_n, postcode);
-- Twelve months of an area by category: the trend.
CREATE INDEX reports_insight_month ON reports (neighbourhood_id, insight_month, category_id);

-- The moderation queue of an area: pending items, oldest first.
CREATE INDEX moderation_items_area ON moderation_items (neighbourhood_id, status, created_at);
