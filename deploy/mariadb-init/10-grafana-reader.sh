# Sourced (not executed) by the mariadb image's entrypoint the first time the data volume is
# initialised, after it has created MARIADB_DATABASE and MARIADB_USER; docker_process_sql and
# docker_sql_escape_string_literal come from that entrypoint.
#
# Grafana's MySQL data source gets its own SELECT-only user: Grafana does not sanitise dashboard
# queries, so the account it holds must not be able to change anything.

grafana_password_escaped=$(docker_sql_escape_string_literal "${VIGIL_GRAFANA_DB_PASSWORD:?}")

docker_process_sql --database=mysql <<-EOSQL
	CREATE USER IF NOT EXISTS '${VIGIL_GRAFANA_DB_USER:?}'@'%' IDENTIFIED BY '${grafana_password_escaped}';
	GRANT SELECT ON \`${MARIADB_DATABASE:?}\`.* TO '${VIGIL_GRAFANA_DB_USER}'@'%';
EOSQL

unset grafana_password_escaped
