-- One statement a line, as `dialect | sql`: each is Ignored (not part of the schema history).
postgres | BEGIN
postgres | COMMIT
postgres | ROLLBACK
postgres | START TRANSACTION
postgres | SET statement_timeout = 0
postgres | SET client_encoding = 'UTF8'
postgres | SELECT count(*) FROM users
postgres | SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'age'
postgres | EXPLAIN SELECT 1
postgres | SHOW search_path
postgres | ANALYZE users
sqlite | PRAGMA foreign_keys=ON
sqlite | PRAGMA table_info(users)
sqlite | SELECT name FROM sqlite_master WHERE type='table' AND name='users'
sqlite | BEGIN TRANSACTION
sqlite | END
mysql | USE app
mysql | SHOW TABLES
mysql | SET FOREIGN_KEY_CHECKS = 0
mysql | DESCRIBE users
