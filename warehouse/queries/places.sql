-- Places resolved to coordinates: how many stories mention each (by canonical name: "U.S." and
-- "America" are "United States"), with country and lat/lon.
-- param since (default 1970-01-01): only articles dated on or after this date (YYYY-MM-DD)
-- param limit (default 200): how many places
WITH dated AS (
    SELECT a.article_id, m.story_id,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT coalesce(n.canonical_name, e.normalized, e.text) AS name, e.country_code,
       round(e.lat, 4) AS lat, round(e.lon, 4) AS lon,
       count(DISTINCT t.story_id) AS stories, count(*) AS mentions
FROM entities e JOIN dated t ON t.article_id = e.article_id
LEFT JOIN entity_names n ON n.label = e.label AND n.name = coalesce(e.normalized, e.text)
WHERE e.lat IS NOT NULL AND e.lon IS NOT NULL AND t.day >= CAST($since AS DATE)
GROUP BY ALL
ORDER BY stories DESC, mentions DESC, name
LIMIT $limit
