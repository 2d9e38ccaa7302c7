-- Officials' scope: zones and categories separated by ';'; empty means no limit.
ALTER TABLE api_keys ADD COLUMN zones TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN categories TEXT NOT NULL DEFAULT '';
