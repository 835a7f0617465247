"""The database schema as numbered migrations, applied in order, each once.

``atlas_migrations`` records each one applied (number, name, when). A database whose
highest number is above :data:`LATEST` was made by a newer version of the app and is
refused (:mod:`loaders.pg.connection`). A schema change is a new entry at the end of
:data:`MIGRATIONS`; an applied one is never edited.
"""

from __future__ import annotations

#: Columns of the layer rows table: every model column of every layer when migration 1
#: was written (text, except the floats), so that one table holds all layers. Other
#: columns a file brings (or the model gains) are ``x<slot>`` columns added as they come
#: (:mod:`loaders.pg.layers`). Frozen: a migration never changes once applied.
FLOAT_COLUMNS = ("lon", "lat", "coord_precision_m")
ROW_COLUMNS: tuple[str, ...] = (
    "id", "name_zh", "name_en", "category", "adcode", "lon", "lat", "address", "source",
    "coord_precision_m", "synthetic", "start_date", "end_date", "venue_id", "major_event",
    "sector", "capabilities", "in_service_date", "card_schemes", "wallets", "host_id",
)  # fmt: skip


def _row_columns_sql() -> str:
    return ",\n    ".join(
        f'"{c}" {"double precision" if c in FLOAT_COLUMNS else "text"}' for c in ROW_COLUMNS
    )


BASE = f"""
CREATE TABLE atlas_documents (
    name text NOT NULL,
    number integer NOT NULL CHECK (number > 0),
    created text NOT NULL,
    action text NOT NULL CHECK (action IN ('save', 'reset')),
    source text NOT NULL DEFAULT '',
    previous text,
    content jsonb,
    PRIMARY KEY (name, number)
);
CREATE TABLE atlas_document_current (
    name text PRIMARY KEY,
    number integer NOT NULL,
    changed timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (name, number) REFERENCES atlas_documents (name, number)
);

CREATE TABLE atlas_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    time text NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    via text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    detail text NOT NULL DEFAULT '',
    version text NOT NULL DEFAULT ''
);
CREATE INDEX atlas_audit_target ON atlas_audit (target, action);

CREATE TABLE atlas_users (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    content jsonb NOT NULL
);
CREATE TABLE atlas_users_versions (
    number integer PRIMARY KEY CHECK (number > 0),
    content jsonb NOT NULL,
    kept timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE atlas_inspection_batches (
    number integer PRIMARY KEY CHECK (number > 0),
    created text NOT NULL,
    rows integer NOT NULL,
    source text NOT NULL DEFAULT '',
    actor text NOT NULL DEFAULT '',
    previous integer REFERENCES atlas_inspection_batches (number),
    chain integer[] NOT NULL,
    ids text[] NOT NULL
);
CREATE TABLE atlas_inspection_current (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    number integer NOT NULL REFERENCES atlas_inspection_batches (number),
    changed timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE atlas_inspections (
    batch integer NOT NULL REFERENCES atlas_inspection_batches (number),
    ord integer NOT NULL,
    id text NOT NULL UNIQUE,
    place_kind text NOT NULL,
    place_id text NOT NULL,
    inspected_at timestamp,
    inspector text NOT NULL,
    adcode text NOT NULL,
    lon double precision,
    lat double precision,
    name text NOT NULL,
    check_foreign_card text NOT NULL,
    check_foreign_wallet text NOT NULL,
    check_cash text NOT NULL,
    check_currency_exchange text NOT NULL,
    check_atm_withdrawal text NOT NULL,
    check_help_desk text NOT NULL,
    notes text NOT NULL,
    photo text NOT NULL,
    source text NOT NULL,
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    PRIMARY KEY (batch, ord)
);
CREATE INDEX atlas_inspections_geom ON atlas_inspections USING gist (geom);

CREATE TABLE atlas_layer_versions (
    layer text NOT NULL,
    number integer NOT NULL CHECK (number > 0),
    created text NOT NULL,
    action text NOT NULL,
    rows bigint NOT NULL,
    source text NOT NULL DEFAULT '',
    previous text,
    added bigint NOT NULL,
    columns text[] NOT NULL,
    chain integer[] NOT NULL,
    base_rows bigint NOT NULL DEFAULT 0,
    token text NOT NULL UNIQUE,
    PRIMARY KEY (layer, number)
);
CREATE TABLE atlas_layer_current (
    layer text PRIMARY KEY,
    number integer NOT NULL,
    changed timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (layer, number) REFERENCES atlas_layer_versions (layer, number)
);
CREATE TABLE atlas_layer_columns (
    name text PRIMARY KEY,
    slot integer NOT NULL UNIQUE
);
CREATE TABLE atlas_layer_rows (
    layer text NOT NULL,
    version integer NOT NULL,
    ord bigint NOT NULL,
    {_row_columns_sql()},
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    PRIMARY KEY (layer, version, ord),
    FOREIGN KEY (layer, version) REFERENCES atlas_layer_versions (layer, number)
);
CREATE INDEX atlas_layer_rows_geom ON atlas_layer_rows USING gist (geom);

CREATE TABLE atlas_photos (
    digest text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{{64}}$'),
    jpeg bytea NOT NULL,
    stored timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""

#: Photos are write-once and named by their content: a row's digest is the sha256 of its
#: JPEG (checked for rows stored from now on: NOT VALID leaves rows of before unchecked),
#: and an update is refused.
PHOTOS_WRITE_ONCE = """
CREATE FUNCTION atlas_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the rows of % are write-once', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
ALTER TABLE atlas_photos ADD CONSTRAINT atlas_photos_digest_is_sha256
    CHECK (digest = encode(sha256(jpeg), 'hex')) NOT VALID;
CREATE TRIGGER atlas_photos_write_once BEFORE UPDATE ON atlas_photos
    FOR EACH ROW EXECUTE FUNCTION atlas_refuse_update();
"""

#: The zones of boundary sets (:mod:`loaders.pg.boundaries`): one row per zones file of a
#: set, its zones as PostGIS polygons; write-once.
BOUNDARY_ZONES = """
CREATE TABLE atlas_boundary_zone_sets (
    name text NOT NULL,
    file text NOT NULL CHECK (file ~ '^zones-[0-9a-f]{32}[.]parquet$'),
    zones integer NOT NULL CHECK (zones > 0),
    stored timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (name, file)
);
CREATE TABLE atlas_boundary_zones (
    name text NOT NULL,
    file text NOT NULL,
    ord integer NOT NULL CHECK (ord >= 0),
    zone_id text,
    name_zh text,
    name_en text,
    adcode text,
    district_share double precision,
    area_km2 double precision,
    source text,
    synthetic boolean NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL
        CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')),
    PRIMARY KEY (name, file, ord),
    FOREIGN KEY (name, file) REFERENCES atlas_boundary_zone_sets (name, file)
);
CREATE INDEX atlas_boundary_zones_geom ON atlas_boundary_zones USING gist (geom);
CREATE TRIGGER atlas_boundary_zone_sets_write_once BEFORE UPDATE ON atlas_boundary_zone_sets
    FOR EACH ROW EXECUTE FUNCTION atlas_refuse_update();
CREATE TRIGGER atlas_boundary_zones_write_once BEFORE UPDATE ON atlas_boundary_zones
    FOR EACH ROW EXECUTE FUNCTION atlas_refuse_update();
"""

#: Migration 4: a layer version's record names who made it (the workspace's record does;
#: the write gateway's actor), so history and the creator check read it on both stores.
LAYER_VERSION_ACTOR = """
ALTER TABLE atlas_layer_versions ADD COLUMN actor text NOT NULL DEFAULT '';
"""

#: (number, name, SQL) in order; applied ones are never edited.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "base", BASE),
    (2, "photos write-once", PHOTOS_WRITE_ONCE),
    (3, "boundary zones", BOUNDARY_ZONES),
    (4, "layer version actor", LAYER_VERSION_ACTOR),
)
LATEST = MIGRATIONS[-1][0]
