-- Where the exact text of a story's members appeared: every file, URL and source that carried the same bytes, with when and how often.
-- param since (default 1970-01-01): only sightings last seen on or after this date (YYYY-MM-DD)
-- param story (default %): a story_id or its prefix (default: every story)
-- param limit (default 100): how many sightings
SELECT m.story_id, a.article_id, s.source, s.uri, s.first_seen_at, s.last_seen_at, s.seen_count
FROM sightings s
JOIN articles a USING (document_id)
JOIN story_members m USING (article_id)
WHERE m.story_id LIKE $story || '%' AND s.last_seen_at::DATE >= CAST($since AS DATE)
ORDER BY m.story_id, s.first_seen_at, s.uri
LIMIT CAST($limit AS BIGINT)
