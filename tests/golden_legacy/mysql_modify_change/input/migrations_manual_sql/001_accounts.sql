CREATE TABLE accounts (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    handle VARCHAR(50) NOT NULL,
    bio VARCHAR(200)
) ENGINE=InnoDB;
ALTER TABLE accounts MODIFY bio TEXT NOT NULL;
ALTER TABLE accounts CHANGE handle username VARCHAR(80) NOT NULL;
ALTER TABLE accounts ADD INDEX ix_accounts_username (username);
RENAME TABLE accounts TO members;
