//! Patient monitoring: facilities, admissions (one open per person, a facility never over its capacity), sets of
//! observations stored once per sender's key, notes, alerts raised once per key, and the check-in follower's
//! progress moved only from where it was read.

use sqlx::{ColumnIndex, Encode, QueryBuilder, Row, Type};
use surge_app::monitoring::{
    AdmissionFilter, AdmissionMove, AdmissionRecord, FacilityRecord, Follow, Monitoring, MonitoringAlertRecord,
    NewAdmission, NewFacility, NewMonitoringAlert, NewNote, NewObservation, NoteRecord, ObservationRecord, Recorded,
};
use surge_app::store::columns;
use surge_app::{OutboxMessage, StoreError};
use surge_domain::audit::AuditEntry;
use surge_monitoring::{AdmissionState, Consciousness, Risk, Temperature, Vitals};
use time::OffsetDateTime;

use crate::rows::{date_column, is_unique_violation};
use crate::{Args, Conn, Db, DbRow, Dialect, SqlStore, Value, db};

const ADMISSION_COLUMNS: &str = "id, facility_id, name, birth_date, phone, onset, confirmed_on, comorbidities, room, \
    spo2_scale, lab_result_id, imaging_ref, language, state, state_reason, admitted_at, updated_at, closed_at, \
    reminded_to, followed_to, missed_in_row, last_report_at";

const OBSERVATION_COLUMNS: &str = "id, admission_id, source, source_key, observed_at, received_at, respiration_rate, \
    spo2, on_oxygen, systolic_bp, pulse, consciousness, temperature_tenths, spo2_scale, news2, risk, complete, \
    hard_triggers, symptoms, note";

/// Open states, as SQL reads them.
const OPEN: &str = "('admitted', 'monitoring')";

/// How many ids one `IN (…)` list carries, well inside either database's limit on bound values.
const IN_CHUNK: usize = 500;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn small<T: TryFrom<i64>>(value: Option<i64>, what: &str) -> Result<Option<T>, StoreError> {
    value.map(|v| T::try_from(v).map_err(|_| corrupt(what))).transpose()
}

fn admission<R: Row>(r: &R) -> Result<AdmissionRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
{
    let text = |name: &str| r.try_get::<String, _>(name).map_err(db);
    let int = |name: &str| r.try_get::<i64, _>(name).map_err(db);
    let time = |name: &str| int(name).and_then(columns::to_time);
    let maybe_time = |name: &str| r.try_get::<Option<i64>, _>(name).map_err(db)?.map(columns::to_time).transpose();
    Ok(AdmissionRecord {
        id: int("id")?,
        admission: NewAdmission {
            facility_id: int("facility_id")?,
            name: text("name")?,
            birth_date: date_column(&text("birth_date")?)?,
            phone: text("phone")?,
            onset: date_column(&text("onset")?)?,
            confirmed_on: date_column(&text("confirmed_on")?)?,
            comorbidities: text("comorbidities")?,
            room: text("room")?,
            spo2_scale: u8::try_from(int("spo2_scale")?).map_err(|_| corrupt("spo2 scale"))?,
            lab_result_id: r.try_get("lab_result_id").map_err(db)?,
            language: text("language")?,
            admitted_at: time("admitted_at")?,
        },
        state: AdmissionState::from_code(&text("state")?).ok_or_else(|| corrupt("admission state"))?,
        state_reason: r.try_get("state_reason").map_err(db)?,
        updated_at: time("updated_at")?,
        closed_at: maybe_time("closed_at")?,
        imaging_ref: r.try_get("imaging_ref").map_err(db)?,
        follow: Follow {
            reminded_to: time("reminded_to")?,
            followed_to: time("followed_to")?,
            missed_in_row: u32::try_from(int("missed_in_row")?).map_err(|_| corrupt("missed in a row"))?,
        },
        last_report_at: maybe_time("last_report_at")?,
    })
}

fn observation<R: Row>(r: &R) -> Result<ObservationRecord, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + Type<R::Database>,
{
    let int = |name: &str| r.try_get::<i64, _>(name).map_err(db);
    let maybe = |name: &str| r.try_get::<Option<i64>, _>(name).map_err(db);
    let text = |name: &str| r.try_get::<String, _>(name).map_err(db);
    let consciousness = r
        .try_get::<Option<String>, _>("consciousness")
        .map_err(db)?
        .map(|c| Consciousness::parse(&c).map_err(|_| corrupt("consciousness")))
        .transpose()?;
    let vitals = Vitals {
        respiration_rate: small(maybe("respiration_rate")?, "respiration rate")?,
        spo2: small(maybe("spo2")?, "spo2")?,
        on_oxygen: maybe("on_oxygen")?.map(|v| v != 0),
        systolic_bp: small(maybe("systolic_bp")?, "systolic pressure")?,
        pulse: small(maybe("pulse")?, "pulse")?,
        consciousness,
        temperature: small::<i16>(maybe("temperature_tenths")?, "temperature")?.map(Temperature::from_tenths),
    };
    Ok(ObservationRecord {
        id: int("id")?,
        observation: NewObservation {
            admission_id: int("admission_id")?,
            source: text("source")?,
            source_key: r.try_get("source_key").map_err(db)?,
            observed_at: columns::to_time(int("observed_at")?)?,
            received_at: columns::to_time(int("received_at")?)?,
            vitals,
            spo2_scale: u8::try_from(int("spo2_scale")?).map_err(|_| corrupt("spo2 scale"))?,
            news2: u8::try_from(int("news2")?).map_err(|_| corrupt("news2"))?,
            risk: Risk::from_code(&text("risk")?).ok_or_else(|| corrupt("risk"))?,
            complete: r.try_get("complete").map_err(db)?,
            hard_triggers: text("hard_triggers")?,
            symptoms: text("symptoms")?,
            note: text("note")?,
        },
    })
}

impl<D: Dialect> Monitoring for SqlStore<D>
where
    for<'c> &'c mut Conn<D>: sqlx::Executor<'c, Database = Db<D>>,
    for<'q> Args<'q, D>: sqlx::IntoArguments<'q, Db<D>> + Default,
    for<'a> &'a str: ColumnIndex<DbRow<D>> + Encode<'a, Db<D>> + Type<Db<D>>,
    for<'a> &'a [u8]: Encode<'a, Db<D>> + Type<Db<D>>,
    usize: ColumnIndex<DbRow<D>>,
    i64: Value<Db<D>>,
    f64: Value<Db<D>>,
    bool: Value<Db<D>>,
    String: Value<Db<D>>,
    Vec<u8>: Value<Db<D>>,
    Option<i64>: Value<Db<D>>,
    Option<String>: Value<Db<D>>,
    Option<Vec<u8>>: Value<Db<D>>,
    for<'a> Option<&'a str>: Encode<'a, Db<D>> + Type<Db<D>>,
    for<'a> Option<&'a [u8]>: Encode<'a, Db<D>> + Type<Db<D>>,
{
    async fn insert_facility(&self, f: &NewFacility) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO monitoring_facilities (name, kind, capacity, check_in_times, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&f.name)
        .bind(&f.kind)
        .bind(i64::from(f.capacity))
        .bind(&f.check_in_times)
        .bind(f.created_at.unix_timestamp())
        .fetch_one(&self.writer)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict } else { db(e) })
    }

    async fn facilities(&self) -> Result<Vec<FacilityRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT f.id, f.name, f.kind, f.capacity, f.check_in_times, \
             (SELECT COUNT(*) FROM admissions a WHERE a.facility_id = f.id AND a.state IN {OPEN}) AS open_admissions \
             FROM monitoring_facilities f ORDER BY f.name, f.id"
        ))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(FacilityRecord {
                    id: r.try_get("id").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    kind: r.try_get("kind").map_err(db)?,
                    capacity: u32::try_from(r.try_get::<i64, _>("capacity").map_err(db)?)
                        .map_err(|_| corrupt("capacity"))?,
                    check_in_times: r.try_get("check_in_times").map_err(db)?,
                    open_admissions: u32::try_from(r.try_get::<i64, _>("open_admissions").map_err(db)?)
                        .map_err(|_| corrupt("open admissions"))?,
                })
            })
            .collect()
    }

    async fn admit(
        &self,
        a: &NewAdmission,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        // The facility's row is locked so that two admissions at once cannot both take its last place.
        let capacity: Option<i64> =
            sqlx::query_scalar(&format!("SELECT capacity FROM monitoring_facilities WHERE id = $1{}", D::FOR_UPDATE))
                .bind(a.facility_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let capacity = capacity.ok_or(StoreError::NotFound)?;
        let used: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM admissions WHERE facility_id = $1 AND state IN {OPEN}"))
                .bind(a.facility_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        if used >= capacity {
            return Err(StoreError::QuotaExceeded {
                quota: u32::try_from(capacity).unwrap_or(u32::MAX),
                used: used.max(0) as u64,
                requested: 1,
            });
        }
        let at = a.admitted_at.unix_timestamp();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO admissions (facility_id, name, birth_date, phone, onset, confirmed_on, comorbidities, room, \
             spo2_scale, lab_result_id, language, state, admitted_at, updated_at, reminded_to, followed_to, \
             missed_in_row) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'admitted', $12, $12, $12, $12, 0) RETURNING id",
        )
        .bind(a.facility_id)
        .bind(&a.name)
        .bind(a.birth_date.to_string())
        .bind(&a.phone)
        .bind(a.onset.to_string())
        .bind(a.confirmed_on.to_string())
        .bind(&a.comorbidities)
        .bind(&a.room)
        .bind(i64::from(a.spo2_scale))
        .bind(a.lab_result_id)
        .bind(&a.language)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict } else { db(e) })?;
        if let Some(sms) = sms {
            let sms = OutboxMessage { idempotency_key: format!("monitoring-admitted:{id}"), ..sms.clone() };
            crate::outbox::insert::<D>(&mut tx, &sms, a.admitted_at).await?;
        }
        let audit = AuditEntry { subject: format!("admission:{id}"), ..audit.clone() };
        crate::audit::append::<D>(&mut tx, &audit, a.admitted_at).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn admission(&self, id: i64) -> Result<AdmissionRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {ADMISSION_COLUMNS} FROM admissions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound)?;
        admission(&row)
    }

    async fn admissions(&self, filter: &AdmissionFilter) -> Result<Vec<AdmissionRecord>, StoreError> {
        let mut q = QueryBuilder::<Db<D>>::new(format!("SELECT {ADMISSION_COLUMNS} FROM admissions WHERE 1 = 1"));
        if let Some(facility) = filter.facility_id {
            q.push(" AND facility_id = ").push_bind(facility);
        }
        if filter.open_only {
            q.push(format!(" AND state IN {OPEN}"));
        }
        q.push(" ORDER BY admitted_at DESC, id DESC");
        let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
        rows.iter().map(admission).collect()
    }

    async fn record_observation(
        &self,
        o: &NewObservation,
        alerts: &[NewMonitoringAlert],
        first_audit: &AuditEntry,
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let state: Option<String> =
            sqlx::query_scalar(&format!("SELECT state FROM admissions WHERE id = $1{}", D::FOR_UPDATE))
                .bind(o.admission_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let state = state.ok_or(StoreError::NotFound)?;
        let state = AdmissionState::from_code(&state).ok_or_else(|| corrupt("admission state"))?;
        if !state.is_open() {
            return Err(StoreError::Conflict);
        }
        let v = &o.vitals;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO observations (admission_id, source, source_key, observed_at, received_at, respiration_rate, \
             spo2, on_oxygen, systolic_bp, pulse, consciousness, temperature_tenths, spo2_scale, news2, risk, \
             complete, hard_triggers, symptoms, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (admission_id, source_key) WHERE source_key IS NOT NULL DO NOTHING RETURNING id",
        )
        .bind(o.admission_id)
        .bind(&o.source)
        .bind(o.source_key.as_deref())
        .bind(o.observed_at.unix_timestamp())
        .bind(o.received_at.unix_timestamp())
        .bind(v.respiration_rate.map(i64::from))
        .bind(v.spo2.map(i64::from))
        .bind(v.on_oxygen.map(i64::from))
        .bind(v.systolic_bp.map(i64::from))
        .bind(v.pulse.map(i64::from))
        .bind(v.consciousness.map(|c| c.letter().to_string()))
        .bind(v.temperature.map(|t| i64::from(t.tenths())))
        .bind(i64::from(o.spo2_scale))
        .bind(i64::from(o.news2))
        .bind(o.risk.code())
        .bind(o.complete)
        .bind(&o.hard_triggers)
        .bind(&o.symptoms)
        .bind(&o.note)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(id) = id else { return Ok(Recorded::Repeated) };
        sqlx::query(
            "UPDATE admissions SET updated_at = $1, state = 'monitoring', \
             last_report_at = CASE WHEN last_report_at IS NULL OR last_report_at < $2 THEN $2 ELSE last_report_at END \
             WHERE id = $3",
        )
        .bind(o.received_at.unix_timestamp())
        .bind(o.observed_at.unix_timestamp())
        .bind(o.admission_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if state == AdmissionState::Admitted {
            crate::audit::append::<D>(&mut tx, first_audit, o.received_at).await?;
        }
        insert_alerts::<D>(&mut tx, alerts).await?;
        tx.commit().await.map_err(db)?;
        Ok(Recorded::Stored(id))
    }

    async fn observations(&self, admission_id: i64) -> Result<Vec<ObservationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE admission_id = $1 ORDER BY observed_at, id"
        ))
        .bind(admission_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter().map(observation).collect()
    }

    async fn latest_observations(&self, admission_ids: &[i64], per: u32) -> Result<Vec<ObservationRecord>, StoreError> {
        let mut out = Vec::new();
        for chunk in admission_ids.chunks(IN_CHUNK) {
            let mut q = QueryBuilder::<Db<D>>::new(format!(
                "SELECT {OBSERVATION_COLUMNS} FROM (SELECT {OBSERVATION_COLUMNS}, ROW_NUMBER() OVER \
                 (PARTITION BY admission_id ORDER BY observed_at DESC, id DESC) AS place FROM observations \
                 WHERE admission_id IN ("
            ));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")) latest WHERE place <= ")
                .push_bind(i64::from(per))
                .push(" ORDER BY admission_id, observed_at DESC, id DESC");
            let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
            for row in &rows {
                out.push(observation(row)?);
            }
        }
        Ok(out)
    }

    async fn report_times(&self, admission_id: i64, since: OffsetDateTime) -> Result<Vec<OffsetDateTime>, StoreError> {
        let times: Vec<i64> = sqlx::query_scalar(
            "SELECT observed_at FROM observations WHERE admission_id = $1 AND observed_at >= $2 ORDER BY observed_at",
        )
        .bind(admission_id)
        .bind(since.unix_timestamp())
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        times.into_iter().map(columns::to_time).collect()
    }

    async fn move_admission(
        &self,
        change: &AdmissionMove,
        audit: &AuditEntry,
        sms: Option<&OutboxMessage>,
    ) -> Result<(), StoreError> {
        let AdmissionMove { id, from, to, ref reason, at: now } = *change;
        let mut tx = self.writer.begin().await.map_err(db)?;
        let closed_at = (!to.is_open()).then(|| now.unix_timestamp());
        let done = sqlx::query(
            "UPDATE admissions SET state = $1, state_reason = $2, updated_at = $3, closed_at = $4 \
             WHERE id = $5 AND state = $6",
        )
        .bind(to.code())
        .bind(reason)
        .bind(now.unix_timestamp())
        .bind(closed_at)
        .bind(id)
        .bind(from.code())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if D::rows_affected(&done) != 1 {
            return Err(crate::changed_or_missing::<D>(&mut tx, "admissions", id).await);
        }
        if let Some(sms) = sms {
            crate::outbox::insert::<D>(&mut tx, sms, now).await?;
        }
        crate::audit::append::<D>(&mut tx, audit, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn advance_follow(
        &self,
        id: i64,
        from: &Follow,
        to: &Follow,
        texts: &[OutboxMessage],
        alerts: &[NewMonitoringAlert],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let done = sqlx::query(&format!(
            "UPDATE admissions SET reminded_to = $1, followed_to = $2, missed_in_row = $3 \
             WHERE id = $4 AND reminded_to = $5 AND followed_to = $6 AND missed_in_row = $7 AND state IN {OPEN}"
        ))
        .bind(to.reminded_to.unix_timestamp())
        .bind(to.followed_to.unix_timestamp())
        .bind(i64::from(to.missed_in_row))
        .bind(id)
        .bind(from.reminded_to.unix_timestamp())
        .bind(from.followed_to.unix_timestamp())
        .bind(i64::from(from.missed_in_row))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if D::rows_affected(&done) != 1 {
            return Err(StoreError::Conflict);
        }
        let now = to.followed_to.max(to.reminded_to);
        for text in texts {
            crate::outbox::insert::<D>(&mut tx, text, now).await?;
        }
        insert_alerts::<D>(&mut tx, alerts).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn add_note(&self, n: &NewNote) -> Result<i64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM admissions WHERE id = $1")
            .bind(n.admission_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        exists.ok_or(StoreError::NotFound)?;
        let id = sqlx::query_scalar(
            "INSERT INTO admission_notes (admission_id, kind, body, link, author, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(n.admission_id)
        .bind(&n.kind)
        .bind(&n.body)
        .bind(n.link.as_deref())
        .bind(&n.author)
        .bind(n.at.unix_timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn notes(&self, admission_id: i64) -> Result<Vec<NoteRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, admission_id, kind, body, link, author, at FROM admission_notes \
             WHERE admission_id = $1 ORDER BY at, id",
        )
        .bind(admission_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(NoteRecord {
                    id: r.try_get("id").map_err(db)?,
                    note: NewNote {
                        admission_id: r.try_get("admission_id").map_err(db)?,
                        kind: r.try_get("kind").map_err(db)?,
                        body: r.try_get("body").map_err(db)?,
                        link: r.try_get("link").map_err(db)?,
                        author: r.try_get("author").map_err(db)?,
                        at: columns::to_time(r.try_get("at").map_err(db)?)?,
                    },
                })
            })
            .collect()
    }

    async fn monitoring_alerts(
        &self,
        admission_ids: &[i64],
        since: OffsetDateTime,
    ) -> Result<Vec<MonitoringAlertRecord>, StoreError> {
        let mut out = Vec::new();
        for chunk in admission_ids.chunks(IN_CHUNK) {
            let mut q = QueryBuilder::<Db<D>>::new(
                "SELECT id, admission_id, kind, detail, at, alert_key FROM monitoring_alerts WHERE at >= ",
            );
            q.push_bind(since.unix_timestamp()).push(" AND admission_id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            let rows = D::build(&mut q).fetch_all(&self.reader).await.map_err(db)?;
            for r in &rows {
                out.push(MonitoringAlertRecord {
                    id: r.try_get("id").map_err(db)?,
                    alert: NewMonitoringAlert {
                        admission_id: r.try_get("admission_id").map_err(db)?,
                        kind: r.try_get("kind").map_err(db)?,
                        detail: r.try_get("detail").map_err(db)?,
                        at: columns::to_time(r.try_get("at").map_err(db)?)?,
                        key: r.try_get("alert_key").map_err(db)?,
                    },
                });
            }
        }
        out.sort_by_key(|a| std::cmp::Reverse((a.alert.at, a.id)));
        Ok(out)
    }

    async fn purge_closed_admissions(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await.map_err(db)?;
        let closed = "SELECT id FROM admissions WHERE closed_at IS NOT NULL AND closed_at < $1";
        let mut deleted = 0;
        for table in ["observations", "admission_notes", "monitoring_alerts"] {
            let done = sqlx::query(&format!("DELETE FROM {table} WHERE admission_id IN ({closed})"))
                .bind(before.unix_timestamp())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if table == "observations" {
                deleted = D::rows_affected(&done);
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(deleted)
    }
}

/// Raises each alert once: one already raised under its key is left as it was.
async fn insert_alerts<D: Dialect>(conn: &mut Conn<D>, alerts: &[NewMonitoringAlert]) -> Result<(), StoreError>
where
    for<'c> &'c mut Conn<D>: sqlx::Executor<'c, Database = Db<D>>,
    for<'q> Args<'q, D>: sqlx::IntoArguments<'q, Db<D>> + Default,
    for<'a> &'a str: Encode<'a, Db<D>> + Type<Db<D>>,
    i64: Value<Db<D>>,
    String: Value<Db<D>>,
{
    for a in alerts {
        sqlx::query(
            "INSERT INTO monitoring_alerts (admission_id, kind, detail, at, alert_key) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (alert_key) DO NOTHING",
        )
        .bind(a.admission_id)
        .bind(&a.kind)
        .bind(&a.detail)
        .bind(a.at.unix_timestamp())
        .bind(&a.key)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}
