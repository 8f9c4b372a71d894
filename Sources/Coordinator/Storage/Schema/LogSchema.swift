/// The log store's schema, as migrations. Times are Unix seconds (REAL) so they outlive the
/// process that wrote them; `LogStore` converts to and from the scheduler's clock.
public enum LogSchema {
    /// Every migration, oldest first. Append new ones; never edit a released one.
    public static let migrator = Migrator([version1, version2, version3])

    /// The first schema: runs, requests, batches, models, the predictor's training set and
    /// the log's counters.
    static let version1 = Migration(
        version: 1, name: "create log tables",
        sql: """
            -- One row per coordinator start; batch ids restart at 1 in every run.
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                started_at REAL NOT NULL
            );

            -- Counters that must never go backwards, even when pruning empties a table.
            CREATE TABLE log_counters (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO log_counters (name, value) VALUES ('finish_position', 0);

            -- The request journal: a row exists before the client hears "accepted".
            CREATE TABLE requests (
                id TEXT PRIMARY KEY,
                client_id TEXT,
                fingerprint INTEGER,
                application TEXT NOT NULL,
                instruction TEXT NOT NULL,
                input TEXT NOT NULL,
                input_tokens INTEGER NOT NULL,
                max_new_tokens INTEGER NOT NULL,
                reference_tokens INTEGER,
                arrival REAL NOT NULL,
                deadline REAL,
                accepted_at REAL NOT NULL,
                accepted_run INTEGER NOT NULL,
                predicted_tokens INTEGER NOT NULL,
                predicted_upper INTEGER NOT NULL,
                status TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
                run INTEGER,
                batch_id INTEGER,
                worker TEXT,
                dispatched_at REAL,
                finished_at REAL,
                finish_position INTEGER,
                actual_tokens INTEGER,
                input_tokens_seen INTEGER,
                output_text TEXT,
                error_code TEXT,
                error_message TEXT
            );
            -- Restart recovery reads only unfinished rows, oldest first.
            CREATE INDEX requests_unfinished ON requests (arrival) WHERE status IN ('queued', 'running');
            -- Retention orders finished rows by finish time.
            CREATE INDEX requests_finished ON requests (finished_at) WHERE status IN ('done', 'failed', 'cancelled');
            -- Retraining reads done rows in finish order.
            CREATE INDEX requests_learning ON requests (finish_position) WHERE status = 'done';
            -- Batch events find their running members.
            CREATE INDEX requests_running ON requests (run, batch_id) WHERE status = 'running';

            -- Every batch the scheduler dispatched or created by a split or requeue.
            CREATE TABLE batches (
                run INTEGER NOT NULL,
                id INTEGER NOT NULL,
                parent_id INTEGER,
                size INTEGER,
                max_input INTEGER,
                predicted_max_generation INTEGER,
                actual_max_generation INTEGER,
                estimated_time REAL,
                actual_time REAL,
                wasted_memory_access REAL,
                worker TEXT,
                attempts INTEGER,
                outcome TEXT CHECK (outcome IN ('done', 'oom', 'lost', 'fault')),
                oom_step INTEGER,
                fault_message TEXT,
                created_at REAL,
                dispatched_at REAL,
                finished_at REAL,
                finish_position INTEGER,
                PRIMARY KEY (run, id)
            ) WITHOUT ROWID;
            CREATE INDEX batches_open ON batches (run) WHERE outcome IS NULL;
            CREATE INDEX batches_finished ON batches (finished_at) WHERE outcome IS NOT NULL;
            CREATE INDEX batches_learning ON batches (finish_position) WHERE outcome = 'done';

            -- Every trained model version, accepted or rejected; at most one active per kind.
            CREATE TABLE models (
                kind TEXT NOT NULL CHECK (kind IN ('predictor', 'estimator')),
                version INTEGER NOT NULL,
                trained_at REAL NOT NULL,
                source TEXT NOT NULL,
                training_rows INTEGER NOT NULL,
                added_rows INTEGER NOT NULL,
                holdout_rows INTEGER NOT NULL,
                validation_error REAL,
                baseline_error REAL,
                status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
                active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
                data_through INTEGER,
                format INTEGER NOT NULL,
                model BLOB NOT NULL,
                PRIMARY KEY (kind, version),
                CHECK (active = 0 OR status = 'accepted')
            );
            CREATE UNIQUE INDEX models_active ON models (kind) WHERE active = 1;

            -- The predictor's training set; a version's set is every row added up to it.
            CREATE TABLE predictor_examples (
                position INTEGER PRIMARY KEY AUTOINCREMENT,
                added_in_version INTEGER NOT NULL,
                application TEXT NOT NULL,
                instruction TEXT NOT NULL,
                input TEXT NOT NULL,
                input_tokens INTEGER NOT NULL,
                generated_tokens INTEGER NOT NULL
            );
            """)

    /// Runs record a clean stop, so that the next open can tell a crash from a shutdown (and
    /// notice a write-ahead log removed after a crash).
    static let version2 = Migration(
        version: 2, name: "clean stops", sql: "ALTER TABLE runs ADD COLUMN stopped_at REAL;")

    /// Requests keep the submitting client's routing identity as bytes (and the empty
    /// delimiter frames its socket used), so that after a restart a recovered request's
    /// answer is pushed to that identity when it reconnects. `client_id` stays the readable
    /// form; rows from older versions have neither and wait for their client to resubmit.
    static let version3 = Migration(
        version: 3, name: "client routing identities",
        sql: """
            ALTER TABLE requests ADD COLUMN client_routing BLOB;
            ALTER TABLE requests ADD COLUMN client_delimiters INTEGER;
            """)
}
