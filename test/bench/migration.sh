# The bulk migration of the DDL benchmarks (bulk_migration.sh,
# bulk_migration_instructions.sh), sourced by both:
#   write_migration N SHAPE   prints users, then N tables each referencing
#   users and the table before it, each foreign key with its index, in the
#   seed's style; SHAPE txn (one transaction) or per_table (one each)
write_migration() {
  local n=$1 shape=$2 prev t i
  [ "$shape" = txn ] && echo "BEGIN;"
  echo "CREATE SCHEMA app;"
  echo "CREATE TABLE app.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE,"
  echo "  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());"
  prev=users
  for i in $(seq 1 "$n"); do
    t=t$i
    [ "$shape" = per_table ] && echo "BEGIN;"
    echo "CREATE TABLE app.$t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
    echo "  user_id uuid NOT NULL REFERENCES app.users ON DELETE CASCADE,"
    echo "  parent_id uuid REFERENCES app.$prev, title text NOT NULL, status text DEFAULT 'active',"
    echo "  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), deleted_at timestamptz);"
    echo "CREATE INDEX idx_${t}_user_id ON app.$t (user_id);"
    echo "CREATE INDEX idx_${t}_parent_id ON app.$t (parent_id);"
    [ "$shape" = per_table ] && echo "COMMIT;"
    prev=$t
  done
  [ "$shape" = txn ] && echo "COMMIT;"
  return 0
}
