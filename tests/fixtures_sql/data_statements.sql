-- One data statement a line, as `dialect | tables (comma-separated, - for none) | sql`: each must
-- lower to exactly one ExecuteSQL(kind="data") whose text is the line's SQL, byte for byte.
postgres | t | UPDATE t SET data = '{"a": 1}'::jsonb WHERE x = ':not_a_param'
postgres | users | INSERT INTO users (a) VALUES (1) ON CONFLICT (a) DO NOTHING
postgres | users | INSERT INTO public.users (name) VALUES ('%s'), (E'it''s\n')
postgres | a | DELETE FROM a USING b WHERE a.id = b.id
postgres | t | MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a
postgres | users | COPY users (a, b) FROM stdin
postgres | audit.log | TRUNCATE TABLE audit.log
postgres | Order | UPDATE "Order" SET total = total * 1.1   WHERE  id = $1
postgres | - | SELECT setval('users_id_seq', (SELECT max(id) FROM users))
postgres | events | WITH moved AS (DELETE FROM old_events RETURNING *) INSERT INTO events SELECT * FROM moved
sqlite | t | INSERT OR REPLACE INTO t (a) VALUES (1)
sqlite | order | DELETE FROM "order" WHERE id IN (SELECT id FROM x)
sqlite | t | REPLACE INTO t (a) VALUES (:named)
sqlite | users | UPDATE users SET created = datetime('now') WHERE created IS NULL
mysql | t | REPLACE INTO t (a) VALUES (1)
mysql | order | INSERT INTO `order` (`key`) VALUES ('a\'b')
mysql | t1 | UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.a
