-- Most mentioned entities, by canonical name across articles (entity_names: "Trump" counts for
-- "Donald Trump", a PERSON label that names a club or a place is corrected): in how many stories,
-- articles and mentions. Copies of one story count once in `stories`, the column to rank by.
-- param since (default 1970-01-01): only articles dated on or after this date (YYYY-MM-DD)
-- param labels (default PERSON,ORG): comma-separated labels: PERSON, ORG, LOC, NORP, ...
-- param limit (default 20): how many entities
WITH dated AS (
    SELECT a.article_id, m.story_id,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT coalesce(n.entity_label, e.label) AS label, coalesce(n.canonical_name, e.normalized, e.text) AS name,
       count(DISTINCT t.story_id) AS stories, count(DISTINCT e.article_id) AS articles, count(*) AS mentions
FROM entities e JOIN dated t ON t.article_id = e.article_id
LEFT JOIN entity_names n ON n.label = e.label AND n.name = coalesce(e.normalized, e.text)
WHERE t.day >= CAST($since AS DATE)
  AND list_contains(string_split(upper(replace($labels, ' ', '')), ','), coalesce(n.entity_label, e.label))
GROUP BY 1, 2
ORDER BY stories DESC, articles DESC, mentions DESC, name
LIMIT $limit
