# Sourced (not executed) by the mariadb image's entrypoint the first time the data volume is
# initialised, after it has created MARIADB_DATABASE and MARIADB_USER; docker_process_sql and
# docker_sql_escape_string_literal come from that entrypoint.
#
# Grafana's MySQL data source gets its own user that can only SELECT the data tables: Grafana does
# not sanitise dashboard queries, so the account it holds must not change anything or read secrets
# (password hashes, sealed keys and tokens, connect links). MariaDB cannot grant on tables that do
# not exist yet and the ingest creates them later, so the user gets the role vigil_reader, and the
# ingest's user may grant SELECT to that role: migration 20261121140000_grant_grafana_reader grants
# exactly the data tables and columns once they exist.

grafana_password_escaped=$(docker_sql_escape_string_literal "${VIGIL_GRAFANA_DB_PASSWORD:?}")

docker_process_sql --database=mysql <<-EOSQL
	CREATE ROLE IF NOT EXISTS vigil_reader;
	CREATE USER IF NOT EXISTS '${VIGIL_GRAFANA_DB_USER:?}'@'%' IDENTIFIED BY '${grafana_password_escaped}';
	GRANT vigil_reader TO '${VIGIL_GRAFANA_DB_USER}'@'%';
	SET DEFAULT ROLE vigil_reader FOR '${VIGIL_GRAFANA_DB_USER}'@'%';
	GRANT vigil_reader TO '${MARIADB_USER:?}'@'%' WITH ADMIN OPTION;
	GRANT SELECT ON \`${MARIADB_DATABASE:?}\`.* TO '${MARIADB_USER}'@'%' WITH GRANT OPTION;
EOSQL

unset grafana_password_escaped
