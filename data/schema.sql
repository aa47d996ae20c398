-- huidesk ledger schema: the whole current data model, the one source of truth.
-- A new ledger runs this file; an older ledger reaches the same shape through the named
-- migrations in huidesk/migrations.py. Conventions:
--   * every table is STRICT, every foreign key has an index, vocabularies are CHECK constraints;
--   * every record has a `uid` so that ledgers can later be merged;
--   * nothing is deleted: a record is voided (`void_reason`, `void_at`) and reports leave it out;
--   * dates are 'YYYY-MM-DD', moments are ISO 8601 with their UTC offset ('2024-07-07T14:30:00+08:00');
--   * hours are whole minutes (INTEGER), never floats;
--   * tables whose names start with '_' are the tool's own (settings, journal).

CREATE TABLE places (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    parent_id   INTEGER REFERENCES places(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100 AND instr(name, '/') = 0),
    level       TEXT NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'compound', 'building')),
    path        TEXT NOT NULL UNIQUE,
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX places_parent ON places(parent_id);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    kind        TEXT NOT NULL CHECK (kind IN ('department', 'company', 'organisation')),
    place_id    INTEGER REFERENCES places(id),
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX units_place ON units(place_id);

-- reg_no: the volunteer's registration number (注册编号, e.g. of the national volunteer system). The ledger
-- refuses a number another live member holds when a member is added, edited or imported; no UNIQUE index,
-- since a street ledger that merges communities may hold the same volunteer from two of them.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    phone       TEXT,
    joined      TEXT CHECK (joined IS date(joined)),
    void_reason TEXT,
    void_at     TEXT,
    reg_no      TEXT CHECK (length(reg_no) BETWEEN 1 AND 50)
) STRICT;
CREATE INDEX members_reg_no ON members(reg_no);

CREATE TABLE member_roles (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    role        TEXT NOT NULL CHECK (role IN ('party_member', 'volunteer', 'cadre', 'grid_worker', 'building_head',
                    'judge', 'prosecutor', 'police', 'lawyer', 'mediator', 'property_staff')),
    UNIQUE (member_id, role)
) STRICT;

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    place_id    INTEGER NOT NULL REFERENCES places(id),
    line        TEXT CHECK (line IN ('red_pioneer', 'orange_charity', 'blue_safety', 'silver_elder', 'gold_growth')),
    leader_id   INTEGER REFERENCES members(id),
    founded     TEXT CHECK (founded IS date(founded)),
    void_reason TEXT,
    void_at     TEXT,
    UNIQUE (place_id, name)
) STRICT;
CREATE INDEX teams_place ON teams(place_id);
CREATE INDEX teams_leader ON teams(leader_id);

-- A member's time in a team; leaving sets `left`, joining again starts a new row.
CREATE TABLE memberships (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    joined      TEXT NOT NULL CHECK (joined IS date(joined)),
    left        TEXT CHECK (left IS date(left) AND left >= joined),
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX memberships_team ON memberships(team_id);
CREATE INDEX memberships_member ON memberships(member_id);
CREATE UNIQUE INDEX memberships_current ON memberships(team_id, member_id)
    WHERE left IS NULL AND void_reason IS NULL;

-- consent: who agreed to the record (PIPL): the resident, or the guardian of a child under 14.
-- health_consent: separate consent for health details (tags such as disabled).
CREATE TABLE residents (
    id             INTEGER PRIMARY KEY,
    uid            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    place_id       INTEGER NOT NULL REFERENCES places(id),
    born           INTEGER CHECK (born BETWEEN 1900 AND 2100),
    phone          TEXT,
    visit_every    INTEGER CHECK (visit_every BETWEEN 1 AND 3650),
    consent        TEXT CHECK (consent IN ('self', 'guardian')),
    guardian       TEXT,
    health_consent INTEGER NOT NULL CHECK (health_consent IN (0, 1)),
    void_reason    TEXT,
    void_at        TEXT
) STRICT;
CREATE INDEX residents_place ON residents(place_id);

CREATE TABLE resident_tags (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    tag         TEXT NOT NULL CHECK (tag IN ('living_alone', 'empty_nest', 'advanced_age', 'disabled',
                    'child_in_difficulty', 'low_income')),
    UNIQUE (resident_id, tag)
) STRICT;

-- minutes_each: the volunteer time credited to EACH visiting member (visit_members), in whole minutes;
-- NULL when no time was recorded.
CREATE TABLE visits (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    date        TEXT NOT NULL CHECK (date IS date(date)),
    purpose     TEXT,
    gifts       TEXT,
    note        TEXT,
    follow_up   INTEGER NOT NULL CHECK (follow_up IN (0, 1)),
    void_reason TEXT,
    void_at     TEXT,
    minutes_each INTEGER CHECK (minutes_each BETWEEN 0 AND 1440)
) STRICT;
-- The reports' indexes cover what they read of a visit (team, date, void or not): counted from the index alone.
CREATE INDEX visits_team ON visits(team_id, date, void_reason);
CREATE INDEX visits_date ON visits(date, team_id, void_reason);
CREATE INDEX visits_credited ON visits(date, team_id) WHERE minutes_each IS NOT NULL;

CREATE TABLE visit_residents (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    UNIQUE (visit_id, resident_id)
) STRICT;
CREATE INDEX visit_residents_resident ON visit_residents(resident_id, visit_id);

CREATE TABLE visit_members (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    UNIQUE (visit_id, member_id)
) STRICT;
CREATE INDEX visit_members_member ON visit_members(member_id);

-- minutes: the activity's volunteer time in whole minutes, summed over its volunteers.
CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    theme       TEXT NOT NULL CHECK (theme IN ('haircut', 'policy_outreach', 'anti_fraud', 'legal_aid', 'sanitation',
                    'safety_inspection', 'civility', 'mutual_aid', 'customs_reform', 'elder_care', 'child_care',
                    'deliberation', 'other')),
    date        TEXT NOT NULL CHECK (date IS date(date)),
    place_id    INTEGER REFERENCES places(id),
    title       TEXT,
    volunteers  INTEGER NOT NULL CHECK (volunteers >= 0),
    served      INTEGER CHECK (served >= 0),
    minutes     INTEGER NOT NULL CHECK (minutes >= 0),
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX activities_team ON activities(team_id);
CREATE INDEX activities_place ON activities(place_id);
CREATE INDEX activities_date ON activities(date, team_id, theme, minutes, served, void_reason);

CREATE TABLE activity_members (
    id          INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    minutes     INTEGER NOT NULL CHECK (minutes >= 0),
    UNIQUE (activity_id, member_id)
) STRICT;
CREATE INDEX activity_members_member ON activity_members(member_id);

-- nature (诉求性质) and category (类别: a vocabulary a ledger can extend with `setting set categories`) are
-- the subject of an issue; repeat_of links a repeat complaint (重复件) to the issue it repeats; due_at is the
-- issue's own resolve deadline (a 12345 work order's 办理时限: `issue open --due`), when it has one.
CREATE TABLE issues (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    ref         TEXT UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('suggestion', 'livelihood', 'safety_hazard', 'risk', 'dispute',
                    'non_police', 'infrastructure')),
    source      TEXT NOT NULL CHECK (source IN ('patrol', 'visit', 'hotline', '12345', 'platform', 'walk_in', 'phone')),
    place_id    INTEGER NOT NULL REFERENCES places(id),
    team_id     INTEGER REFERENCES teams(id),
    resident_id INTEGER REFERENCES residents(id),
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    received_at TEXT NOT NULL CHECK (julianday(received_at) IS NOT NULL),
    void_reason TEXT,
    void_at     TEXT,
    nature      TEXT CHECK (nature IN ('help', 'inquiry', 'complaint', 'proposal', 'praise', 'tip_off')),
    category    TEXT CHECK (length(category) BETWEEN 1 AND 20),
    repeat_of   INTEGER REFERENCES issues(id),
    due_at      TEXT CHECK (due_at IS NULL OR julianday(due_at) IS NOT NULL)
) STRICT;
CREATE INDEX issues_place ON issues(place_id);
CREATE INDEX issues_repeat_of ON issues(repeat_of);
CREATE INDEX issues_team ON issues(team_id);
CREATE INDEX issues_resident ON issues(resident_id);
CREATE INDEX issues_received ON issues(received_at);

CREATE TABLE meetings (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    date        TEXT NOT NULL CHECK (date IS date(date)),
    decision    TEXT NOT NULL CHECK (length(decision) >= 1),
    issue_id    INTEGER REFERENCES issues(id),
    place_id    INTEGER REFERENCES places(id),
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX meetings_issue ON meetings(issue_id);
CREATE INDEX meetings_place ON meetings(place_id);

-- A party is a unit, a member, a resident, or someone named only (a lawyer, a 小区党支部).
CREATE TABLE meeting_parties (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    unit_id     INTEGER REFERENCES units(id),
    member_id   INTEGER REFERENCES members(id),
    resident_id INTEGER REFERENCES residents(id),
    name        TEXT,
    CHECK ((unit_id IS NOT NULL) + (member_id IS NOT NULL) + (resident_id IS NOT NULL) + (name IS NOT NULL) = 1)
) STRICT;
CREATE INDEX meeting_parties_meeting ON meeting_parties(meeting_id);
CREATE INDEX meeting_parties_unit ON meeting_parties(unit_id);
CREATE INDEX meeting_parties_member ON meeting_parties(member_id);
CREATE INDEX meeting_parties_resident ON meeting_parties(resident_id);

-- An issue's life as dated events; its state is derived from them, never stored. Reports read it
-- from _issue_facts, which triggers keep from the events (made by huidesk/ledger/facts.py, where its
-- one definition is; `check` derives it again). An extension (延期, event 'extended') holds the amount it
-- was granted (extension: 2工作日) and the resolve deadline it set (due_at); an extension or an exemption
-- (核减) its approver, and its reason as its note.
CREATE TABLE issue_events (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    issue_id     INTEGER NOT NULL REFERENCES issues(id),
    event        TEXT NOT NULL CHECK (event IN ('received', 'dispatched', 'arrived', 'transferred', 'returned',
                     'escalated', 'consulted', 'resolved', 'callback', 'closed', 'reopened', 'extended', 'exempted',
                     'contacted')),
    at           TEXT NOT NULL CHECK (julianday(at) IS NOT NULL),
    unit_id      INTEGER REFERENCES units(id),
    meeting_id   INTEGER REFERENCES meetings(id),
    answer       TEXT CHECK (answer IN ('yes', 'partly', 'no')),
    satisfaction TEXT CHECK (satisfaction IN ('satisfied', 'basically', 'unsatisfied')),
    note         TEXT,
    void_reason  TEXT,
    void_at      TEXT,
    due_at       TEXT CHECK (due_at IS NULL OR julianday(due_at) IS NOT NULL),
    extension    TEXT CHECK (length(extension) BETWEEN 1 AND 20),
    approver     TEXT CHECK (length(approver) BETWEEN 1 AND 100),
    CHECK (event <> 'callback' OR (answer IS NOT NULL AND satisfaction IS NOT NULL))
) STRICT;
-- Covers what an issue's derived state and work-order figures read of its events.
CREATE INDEX issue_events_issue ON issue_events(issue_id, at, id, event, void_reason, answer, satisfaction);
CREATE INDEX issue_events_unit ON issue_events(unit_id);
CREATE INDEX issue_events_meeting ON issue_events(meeting_id);
CREATE INDEX issue_events_event ON issue_events(event, at);
-- The records voided, by when: a report as of an earlier moment finds at once whether any was voided since.
CREATE INDEX issue_events_voided ON issue_events(void_at) WHERE void_reason IS NOT NULL;
CREATE INDEX issues_voided ON issues(void_at) WHERE void_reason IS NOT NULL;
CREATE INDEX visits_voided ON visits(void_at) WHERE void_reason IS NOT NULL;
CREATE INDEX activities_voided ON activities(void_at) WHERE void_reason IS NOT NULL;

CREATE TABLE wishes (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    listed      TEXT NOT NULL CHECK (listed IS date(listed)),
    member_id   INTEGER REFERENCES members(id),
    claimed     TEXT CHECK (claimed IS date(claimed)),
    fulfilled   TEXT CHECK (fulfilled IS date(fulfilled)),
    void_reason TEXT,
    void_at     TEXT,
    CHECK ((member_id IS NULL) = (claimed IS NULL)),
    CHECK (fulfilled IS NULL OR claimed IS NOT NULL)
) STRICT;
CREATE INDEX wishes_resident ON wishes(resident_id);
CREATE INDEX wishes_member ON wishes(member_id);

CREATE TABLE cards (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    kind        TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 50),
    no          TEXT NOT NULL CHECK (length(no) BETWEEN 1 AND 50),
    date        TEXT NOT NULL CHECK (date IS date(date)),
    void_reason TEXT,
    void_at     TEXT,
    UNIQUE (kind, no)
) STRICT;
CREATE INDEX cards_resident ON cards(resident_id);

CREATE TABLE pairings (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    since       TEXT NOT NULL CHECK (since IS date(since)),
    until       TEXT CHECK (until IS date(until) AND until >= since),
    note        TEXT,
    void_reason TEXT,
    void_at     TEXT
) STRICT;
CREATE INDEX pairings_member ON pairings(member_id);
CREATE INDEX pairings_resident ON pairings(resident_id);

-- The ledger's settings (response/resolve limits, 基本满意 weight, issuer name); written through the journal.
CREATE TABLE _settings (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    value       TEXT NOT NULL
) STRICT;

-- Each change `setting set` made: the value before it (NULL: not set, the default) and the moment it was
-- recorded (UTC, as void_at), so that a report as of an earlier moment reads the settings in force then.
CREATE TABLE _setting_changes (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    previous    TEXT,
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX _setting_changes_at ON _setting_changes(at);

-- The journal: one entry per command that wrote, chained by SHA-256.
-- hash: see huidesk/journal.py; prev: the previous entry's hash, so an entry removed from the middle shows.
CREATE TABLE _journal (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    command     TEXT NOT NULL,
    prev        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
) STRICT;

-- What each entry wrote: the record and the SHA-256 of its canonical content after the write.
CREATE TABLE _journal_records (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES _journal(id) DEFERRABLE INITIALLY DEFERRED,
    tbl         TEXT NOT NULL,
    rid         INTEGER NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('insert', 'update', 'void')),
    digest      TEXT NOT NULL
) STRICT;
CREATE INDEX _journal_records_entry ON _journal_records(entry_id);
CREATE INDEX _journal_records_record ON _journal_records(tbl, rid, id);

-- Federation (huidesk/ledger/federation.py). The ledger's own identity (uid, name, place) is kept in
-- _settings as ledger_uid, ledger_name and ledger_place. A community ledger remembers each bundle it
-- made, so the next one starts where the last one ended:
CREATE TABLE _bundles_made (
    id          INTEGER PRIMARY KEY,
    first_entry INTEGER NOT NULL,
    last_entry  INTEGER NOT NULL,
    head        TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    pii         TEXT NOT NULL CHECK (pii IN ('pseudonymous', 'full'))
) STRICT;

-- A street (or district) ledger: the ledgers merged into it (with the public key each signs its bundles
-- with: its uid derives from it, or, for a ledger older than signatures, it was pinned at its first signed bundle),
CREATE TABLE _sources (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    place       TEXT NOT NULL,
    public_key  TEXT CHECK (length(public_key) = 64)
) STRICT;

-- each bundle merged (the source's entries first..last, the chain heads before and after it),
CREATE TABLE _bundles (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES _sources(id),
    first_entry INTEGER NOT NULL,
    last_entry  INTEGER NOT NULL,
    head_before TEXT NOT NULL,
    head_after  TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    merged_at   TEXT NOT NULL,
    pii         TEXT NOT NULL CHECK (pii IN ('pseudonymous', 'full')),
    records     INTEGER NOT NULL,
    UNIQUE (source_id, last_entry)
) STRICT;

-- and which row here each row of a source became (its provenance): places are unified by path,
-- records by uid, link rows by their columns, so one row here may come from several sources.
CREATE TABLE _merged (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES _sources(id),
    tbl         TEXT NOT NULL,
    source_rid  INTEGER NOT NULL,
    rid         INTEGER NOT NULL,
    UNIQUE (source_id, tbl, source_rid)
) STRICT;
CREATE INDEX _merged_record ON _merged(tbl, rid);

-- The web desk's Open311 API keys (huidesk key add): a name, the SHA-256 of the key (the key is shown once,
-- when it is made, and never kept), its first characters to tell keys apart, when it was made and revoked.
CREATE TABLE _api_keys (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    prefix      TEXT NOT NULL CHECK (length(prefix) BETWEEN 1 AND 12),
    made_at     TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
CREATE UNIQUE INDEX _api_keys_live_name ON _api_keys(name) WHERE revoked_at IS NULL;
