#!/bin/sh
# Runs once, when the data volume is created: the three roles and the database (README "Database roles").
set -eu
psql -v ON_ERROR_STOP=1 --username postgres \
  -v owner_pw="$SIGNING_OWNER_PASSWORD" -v app_pw="$SIGNING_APP_PASSWORD" -v audit_pw="$SIGNING_AUDIT_PASSWORD" <<'SQL'
create role signing_owner login password :'owner_pw';
create role signing_app   login password :'app_pw';
create role signing_audit login password :'audit_pw';
create database signing owner signing_owner;
revoke all on database signing from public;
grant connect on database signing to signing_app, signing_audit;
SQL
