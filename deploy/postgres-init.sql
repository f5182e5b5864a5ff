-- The databases beside mediaflow's own (the ops store and the warehouse): Dagster's storage, n8n's
-- and Superset's metadata. Run once, by PostgreSQL's entrypoint, on an empty data volume.
CREATE DATABASE dagster OWNER mediaflow;
CREATE DATABASE n8n OWNER mediaflow;
CREATE DATABASE superset OWNER mediaflow;
