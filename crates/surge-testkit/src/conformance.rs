//! The store conformance suite: every behaviour the use cases rely on, written once and run against each backend
//! on a fresh database per test. A backend's `tests/conformance.rs` calls `conformance_tests!(fresh_store)`.

use std::sync::atomic::{AtomicU64, Ordering};
use surge_app::{
    BatchStatus, CodeCheck, IssueOutcome, KeyScope, MessageFilter, NewAccount, NewLoginCode, NewOrganisation,
    OrgFilter, OutboxMessage, Role, SendResult, Store, StoreError,
};
use surge_domain::OrgStatus;
use surge_domain::audit::AuditEntry;
use surge_domain::notify::{MessageState, Receipt};

use surge_app::{IssuedPass, PendingRow};
use time::{Duration, OffsetDateTime};

use crate::fixtures::{NOW, employees, fake_sign, lab_message, lab_result, registration, result_sms, screening_passed};

/// Generates one `#[tokio::test]` per conformance check. `$fresh` is an async fn returning `(store, guard)`; the
/// guard keeps the database alive for the test and removes it afterwards.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh;
            organisations_read_back_as_stored,
            organisations_registered_at_once_each_get_their_own_id_and_a_clash_fails_alone,
            screening_candidates_match_number_or_zone_and_skip_rejected,
            a_registration_waits_for_its_contact_phone_and_only_that_phone_sends_it_to_officials,
            status_changes_only_from_the_expected_status,
            the_queue_filters_and_pages_in_id_order,
            a_batch_is_refused_whole_beyond_the_quota,
            the_same_file_twice_is_one_batch,
            issuing_writes_each_pass_with_its_outbox_message,
            a_person_gets_at_most_one_active_pass,
            a_renewal_replaces_only_its_own_organisations_valid_pass_and_takes_no_new_quota,
            api_keys_are_found_by_hash_only,
            the_admin_lists_staff_and_keys_without_their_secrets,
            a_row_that_cannot_be_signed_fails_alone_and_gives_its_quota_back,
            a_control_code_already_taken_sends_its_row_back_to_be_signed_again,
            a_lapsed_claim_is_taken_again_and_the_first_workers_late_write_is_refused,
            concurrent_workers_never_issue_a_row_twice,
            the_zone_filter_takes_in_sub_zones_and_contact_phones_find_their_organisations,
            accounts_are_unique_and_found_by_username_or_phone,
            sessions_expire_and_end_on_sign_out,
            a_login_code_works_once_and_stops_after_too_many_misses,
            rate_limits_count_events_within_the_window,
            messages_are_enqueued_once_per_idempotency_key,
            claims_skip_held_and_not_yet_due_messages,
            receipts_move_messages_once_and_late_ones_change_nothing,
            a_sign_in_code_is_dropped_once_sent_and_a_pass_link_once_delivered,
            stuck_messages_are_requeued_and_opt_outs_are_listed,
            history_lists_newest_first_and_purging_keeps_the_counts,
            pass_status_changes_are_kept_fed_and_final_once_revoked,
            passes_revoked_together_are_all_fed_once_with_one_audit_entry,
            a_phones_texts_follow_the_language_it_last_used,
            a_suspended_organisations_rows_wait_and_are_issued_once_it_is_reinstated,
            a_holder_finds_their_own_passes_and_a_new_link_replaces_the_old,
            officials_find_passes_by_any_part_and_see_what_happened_to_each,
            the_audit_log_chains_every_decision_and_verifies,
            scans_at_far_checkpoints_in_too_little_time_raise_an_alert,
            policy_versions_grow_and_the_newest_is_in_force,
            applications_are_decided_once_and_approval_issues_one_pass,
            lab_messages_and_results_are_kept_once_and_the_queue_puts_the_urgent_first,
            a_texted_negative_gets_a_status_slot_and_a_correction_revokes_it,
            two_labs_using_one_order_number_each_keep_their_result_and_correct_only_their_own,
            lab_messages_recorded_at_once_each_get_their_own_answer,
            the_platform_facts_are_counted_by_day_hour_place_and_outcome,
            every_change_leaves_its_event_in_the_log,
            stream_results_are_stored_once_and_the_place_only_moves_forward,
            a_consumer_restarted_mid_stream_stores_the_counts_of_one_that_never_stopped,
            a_replay_from_a_time_recounts_the_minutes_from_then_on_and_no_earlier,
            an_alert_texts_the_duty_official_once_however_often_it_is_raised,
            a_facility_keeps_one_open_admission_per_person_and_never_more_than_its_capacity,
            observations_are_kept_once_per_senders_key_and_the_first_starts_monitoring,
            the_check_in_follower_moves_only_from_where_it_read_and_a_lost_race_stores_nothing,
            notes_alerts_and_retention_keep_to_their_admission
        );
    };
    (@each $fresh:path; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $fresh().await;
                $crate::conformance::$name(&store).await;
            }
        )*
    };
}

fn audit() -> surge_domain::audit::AuditEntry {
    surge_domain::audit::AuditEntry {
        actor: "account:7".into(),
        action: "test".into(),
        subject: "test:1".into(),
        detail: String::new(),
    }
}

async fn approved_org<S: Store>(store: &S, name: &str, number: &str, quota: u32) -> i64 {
    let id = store
        .insert_organisation(&NewOrganisation {
            contact_confirmed: true,
            registration: registration(name, number, "KR-26"),
            screening: screening_passed(),
            created_at: NOW,
            admin_key_hash: None,
        })
        .await
        .unwrap();
    store
        .set_organisation_status(id, &OrgStatus::InReview, &OrgStatus::Approved { quota }, NOW, &audit())
        .await
        .unwrap();
    id
}

/// Distinct claim ids for the workers of one test run.
static CLAIMS: AtomicU64 = AtomicU64::new(1);

type Sign<'a> = dyn FnMut(&PendingRow, u64) -> Result<IssuedPass, String> + Send + 'a;

/// What an issuance worker does, with a given signer: claim rows, sign them outside the database, write them.
async fn issue_with<S: Store>(store: &S, limit: u32, now: OffsetDateTime, sign: &mut Sign<'_>) -> IssueOutcome {
    let mut claim = [0u8; 16];
    claim[..8].copy_from_slice(&CLAIMS.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    let rows = store.claim_rows(claim, limit, now, now + Duration::minutes(2)).await.unwrap();
    if rows.is_empty() {
        return IssueOutcome::default();
    }
    store.expire_passes(now).await.unwrap();
    let (mut issued, mut refused) = (Vec::new(), Vec::new());
    for row in rows {
        match sign(&row, row.status_index) {
            Ok(pass) => issued.push((row, pass)),
            Err(reason) => refused.push((row, reason)),
        }
    }
    store.complete_claim(claim, &issued, &refused, now).await.unwrap()
}

async fn issue<S: Store>(store: &S, limit: u32, now: OffsetDateTime) -> IssueOutcome {
    issue_with(store, limit, now, &mut fake_sign).await
}

/// Issue 20 #12: control codes were random with "newest match wins", so a typed code could show another holder's
/// pass. A code already handed out is refused: its row goes back to be signed again with a new code.
pub async fn a_control_code_already_taken_sends_its_row_back_to_be_signed_again<S: Store>(store: &S) {
    let org = approved_org(store, "C", "1111111119", 10).await;
    store.create_batch(org, [5; 32], &employees(0, 3), &[], NOW).await.unwrap();
    // A signer that gives every row the same code: the first keeps it, the other two go back.
    let mut same = |row: &PendingRow, index: u64| {
        fake_sign(row, index).map(|pass| IssuedPass { control_code: "SAMECODE00".into(), ..pass })
    };
    let outcome = issue_with(store, 10, NOW, &mut same).await;
    assert_eq!(outcome, IssueOutcome { issued: 1, failed: 0, requeued: 2 });
    // They are signed again (here with unique codes) and issued; nothing failed, nothing doubled.
    assert_eq!(drain(store).await, IssueOutcome { issued: 2, failed: 0, requeued: 0 });
    let batch = store.batches_of(org).await.unwrap();
    assert_eq!((batch[0].issued, batch[0].failed), (3, 0));
    assert_eq!(store.pass_by_control_code("SAMECODE00").await.unwrap().control_code, "SAMECODE00");
    // An application whose pass would take a code already handed out is refused, to be approved again.
    let id = store
        .insert_application(&crate::fixtures::application("+821055501234", "777A"), &audit(), &|_| None)
        .await
        .unwrap();
    let record = store.application(id).await.unwrap();
    let index = store.reserve_status_index().await.unwrap();
    let pass = IssuedPass {
        control_code: "SAMECODE00".into(),
        ..crate::fixtures::fake_sign_application(&record, index).unwrap()
    };
    let decision = surge_app::ApplicationDecision {
        status: surge_domain::ApplicationStatus::Approved,
        reason_en: "ok".into(),
        reason_ko: "ok".into(),
        decided_by: "account:7".into(),
    };
    let approved = store.approve_application(id, &decision, &audit(), &pass, NOW).await;
    assert!(matches!(approved, Err(StoreError::Conflict)), "{approved:?}");
    assert_eq!(store.application(id).await.unwrap().status, surge_domain::ApplicationStatus::Review, "still to decide");
    // Approved again with a new code, it goes through.
    let index = store.reserve_status_index().await.unwrap();
    let pass = crate::fixtures::fake_sign_application(&record, index).unwrap();
    store.approve_application(id, &decision, &audit(), &pass, NOW).await.unwrap();
}

/// Approves an application as the use case does: a status index reserved, the pass signed, then written.
async fn approve<S: Store>(store: &S, id: i64, decision: &surge_app::ApplicationDecision) -> Result<u64, StoreError> {
    let record = store.application(id).await?;
    let index = store.reserve_status_index().await?;
    let pass = crate::fixtures::fake_sign_application(&record, index).unwrap();
    store.approve_application(id, decision, &audit(), &pass, NOW).await
}

async fn drain<S: Store>(store: &S) -> IssueOutcome {
    let mut total = IssueOutcome::default();
    loop {
        let outcome = issue(store, 7, NOW).await;
        if outcome.is_idle() {
            return total;
        }
        total.issued += outcome.issued;
        total.failed += outcome.failed;
        total.requeued += outcome.requeued;
    }
}

pub async fn organisations_read_back_as_stored<S: Store>(store: &S) {
    let id = store
        .insert_organisation(&NewOrganisation {
            contact_confirmed: true,
            registration: registration("Busan Fresh Foods", "2208162517", "KR-26"),
            screening: screening_passed(),
            created_at: NOW,
            admin_key_hash: None,
        })
        .await
        .unwrap();
    let org = store.organisation(id).await.unwrap();
    assert_eq!(org.legal_name, "Busan Fresh Foods");
    assert_eq!(org.registry_number, "2208162517");
    assert_eq!(org.contact_phone, "+821012345678");
    assert_eq!(org.status, OrgStatus::InReview);
    assert_eq!(org.requested_quota, 100);
    assert!(org.passed_all_rules);
    assert_eq!(
        org.findings,
        vec![("registry_number_unique".into(), true, "no other organisation has this number".into())]
    );
    assert_eq!(org.created_at, NOW);
    assert!(matches!(store.organisation(id + 1000).await, Err(StoreError::NotFound)));
}

pub async fn organisations_registered_at_once_each_get_their_own_id_and_a_clash_fails_alone<S: Store>(store: &S) {
    // 40 registrations at once (written in shared transactions); two of them carry the same admin key hash, which
    // the database refuses twice. Exactly one of those two fails, and every other is stored under its own id.
    let new = |i: usize| NewOrganisation {
        contact_confirmed: true,
        registration: registration(&format!("Rush Trading {i}"), &format!("{:010}", 1_000_000 + i), "KR-26"),
        screening: screening_passed(),
        created_at: NOW,
        admin_key_hash: Some([u8::try_from(if i == 31 { 7 } else { i }).unwrap() + 100; 32]),
    };
    let orgs: Vec<NewOrganisation> = (0..40).map(new).collect();
    let results = futures_util::future::join_all(orgs.iter().map(|org| store.insert_organisation(org))).await;
    let failed: Vec<usize> = (0..40).filter(|i| results[*i].is_err()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed == [7] || failed == [31], "{failed:?}");
    let mut ids = std::collections::BTreeSet::new();
    for (i, result) in results.iter().enumerate() {
        let Ok(id) = result else { continue };
        assert!(ids.insert(*id), "id {id} handed out twice");
        let org = store.organisation(*id).await.unwrap();
        assert_eq!(org.legal_name, format!("Rush Trading {i}"));
        let key = store.api_key(orgs[i].admin_key_hash.unwrap()).await.unwrap();
        assert_eq!(key.organisation_id, Some(*id));
    }
    assert_eq!(ids.len(), 39);
}

pub async fn screening_candidates_match_number_or_zone_and_skip_rejected<S: Store>(store: &S) {
    let insert = |name: &'static str, number: &'static str, zone: &'static str| async move {
        store
            .insert_organisation(&NewOrganisation {
                contact_confirmed: true,
                registration: registration(name, number, zone),
                screening: screening_passed(),
                created_at: NOW,
                admin_key_hash: None,
            })
            .await
            .unwrap()
    };
    let a = insert("A", "1111111119", "KR-26").await;
    let b = insert("B", "2208162517", "KR-11").await;
    let c = insert("C", "1248100998", "KR-11").await;
    store
        .set_organisation_status(c, &OrgStatus::InReview, &OrgStatus::Rejected { reason: "no".into() }, NOW, &audit())
        .await
        .unwrap();
    let mut found: Vec<i64> =
        store.screening_candidates("2208162517", "KR-26").await.unwrap().iter().map(|o| o.id).collect();
    found.sort();
    assert_eq!(found, vec![a, b]);
    assert!(store.screening_candidates("1248100998", "KR-99").await.unwrap().is_empty(), "rejected ones are skipped");
}

pub async fn a_registration_waits_for_its_contact_phone_and_only_that_phone_sends_it_to_officials<S: Store>(store: &S) {
    let insert = |name: &'static str, confirmed: bool| async move {
        store
            .insert_organisation(&NewOrganisation {
                registration: registration(name, "2208162517", "KR-26"),
                screening: screening_passed(),
                created_at: NOW,
                admin_key_hash: None,
                contact_confirmed: confirmed,
            })
            .await
            .unwrap()
    };
    let waiting = insert("Waiting Foods", false).await;
    assert_eq!(store.organisation(waiting).await.unwrap().status, OrgStatus::AwaitingContact);
    let queue = || async {
        let filter = OrgFilter { status: Some("in_review".into()), limit: 100, ..OrgFilter::default() };
        store.list_organisations(&filter).await.unwrap().iter().map(|o| o.id).collect::<Vec<i64>>()
    };
    assert_eq!(queue().await, Vec::<i64>::new());
    assert!(store.screening_candidates("2208162517", "KR-99").await.unwrap().is_empty(), "no duplicate of a decoy");
    let staff = insert("Staff Foods", true).await;
    assert_eq!(queue().await, vec![staff]);

    assert_eq!(store.confirm_contact("+821099990000", NOW).await.unwrap(), Vec::<i64>::new(), "another phone");
    let later = NOW + time::Duration::minutes(5);
    assert_eq!(store.confirm_contact("+821012345678", later).await.unwrap(), vec![waiting]);
    let org = store.organisation(waiting).await.unwrap();
    assert_eq!((org.status, org.updated_at), (OrgStatus::InReview, later));
    assert_eq!(queue().await, vec![waiting, staff]);
    assert_eq!(store.confirm_contact("+821012345678", later).await.unwrap(), Vec::<i64>::new(), "once");
    let audit: Vec<(String, String)> =
        store.audit_entries(0, 100).await.unwrap().into_iter().map(|r| (r.entry.action, r.entry.subject)).collect();
    assert_eq!(audit, [("organisation.contact_confirmed".to_owned(), format!("organisation:{waiting}"))]);
}

pub async fn status_changes_only_from_the_expected_status<S: Store>(store: &S) {
    let id = approved_org(store, "A", "1111111119", 10).await;
    let stale =
        store.set_organisation_status(id, &OrgStatus::InReview, &OrgStatus::Approved { quota: 5 }, NOW, &audit()).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    store
        .set_organisation_status(
            id,
            &OrgStatus::Approved { quota: 10 },
            &OrgStatus::Approved { quota: 20 },
            NOW,
            &audit(),
        )
        .await
        .unwrap();
    let org = store.organisation(id).await.unwrap();
    assert_eq!(org.status, OrgStatus::Approved { quota: 20 });
    let missing =
        store.set_organisation_status(id + 99, &OrgStatus::InReview, &OrgStatus::InReview, NOW, &audit()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

pub async fn the_queue_filters_and_pages_in_id_order<S: Store>(store: &S) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut screening = screening_passed();
        screening.findings[0].passed = i % 2 == 0;
        let id = store
            .insert_organisation(&NewOrganisation {
                contact_confirmed: true,
                registration: registration(&format!("Org {i}"), "1111111119", if i < 3 { "KR-26" } else { "KR-11" }),
                screening,
                created_at: NOW,
                admin_key_hash: None,
            })
            .await
            .unwrap();
        ids.push(id);
    }
    let page = |after: Option<i64>, limit| OrgFilter { after_id: after, limit, ..OrgFilter::default() };
    let first: Vec<i64> = store.list_organisations(&page(None, 2)).await.unwrap().iter().map(|o| o.id).collect();
    assert_eq!(first, ids[..2]);
    let next: Vec<i64> =
        store.list_organisations(&page(Some(ids[1]), 10)).await.unwrap().iter().map(|o| o.id).collect();
    assert_eq!(next, ids[2..]);
    let passing =
        OrgFilter { passed_all_rules: Some(true), zone: Some("KR-26".into()), limit: 10, ..OrgFilter::default() };
    let got: Vec<i64> = store.list_organisations(&passing).await.unwrap().iter().map(|o| o.id).collect();
    assert_eq!(got, vec![ids[0], ids[2]]);
    let in_review = OrgFilter { status: Some("approved".into()), limit: 10, ..OrgFilter::default() };
    assert!(store.list_organisations(&in_review).await.unwrap().is_empty());
}

pub async fn a_batch_is_refused_whole_beyond_the_quota<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 10).await;
    let first = store.create_batch(org, [1; 32], &employees(0, 8), &[], NOW).await.unwrap();
    assert!(!first.duplicate);
    let over = store.create_batch(org, [2; 32], &employees(100, 3), &[], NOW).await;
    match over {
        Err(StoreError::QuotaExceeded { quota, used, requested }) => assert_eq!((quota, used, requested), (10, 8, 3)),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    assert_eq!(store.organisation(org).await.unwrap().passes_used, 8);
    assert_eq!(
        drain(store).await,
        IssueOutcome { issued: 8, failed: 0, requeued: 0 },
        "nothing of the refused batch was stored"
    );
    let in_review = store
        .insert_organisation(&NewOrganisation {
            contact_confirmed: true,
            registration: registration("B", "2208162517", "KR-26"),
            screening: screening_passed(),
            created_at: NOW,
            admin_key_hash: None,
        })
        .await
        .unwrap();
    assert!(store.create_batch(in_review, [3; 32], &employees(200, 1), &[], NOW).await.is_err());
}

pub async fn the_same_file_twice_is_one_batch<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 100).await;
    let rows = employees(0, 5);
    let first = store.create_batch(org, [9; 32], &rows, &[], NOW).await.unwrap();
    let again = store.create_batch(org, [9; 32], &rows, &[], NOW).await.unwrap();
    assert_eq!((again.id, again.duplicate), (first.id, true));
    assert_eq!(store.organisation(org).await.unwrap().passes_used, 5);
    assert_eq!(drain(store).await.issued, 5);
}

pub async fn issuing_writes_each_pass_with_its_outbox_message<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 100).await;
    let batch = store.create_batch(org, [4; 32], &employees(0, 20), &[], NOW).await.unwrap();
    let before = store.batch(batch.id).await.unwrap();
    assert_eq!((before.rows, before.issued, before.status), (20, 0, BatchStatus::Issuing));
    assert_eq!(drain(store).await, IssueOutcome { issued: 20, failed: 0, requeued: 0 });
    let after = store.batch(batch.id).await.unwrap();
    assert_eq!((after.issued, after.failed, after.status), (20, 0, BatchStatus::Completed));
    assert_eq!(store.counts().await.unwrap(), (20, 20));
    let messages = store.outbox_messages(0, 15).await.unwrap();
    assert_eq!(messages.len(), 15);
    assert_eq!(messages[0].1.body, "pass for Employee 0");
    assert_eq!(messages[0].1.recipient, "+821010000000");
    let rest = store.outbox_messages(messages[14].0, 15).await.unwrap();
    assert_eq!(rest.len(), 5);
    let mut link_hash = [0u8; 32];
    link_hash[..8].copy_from_slice(&batch.id.to_be_bytes());
    link_hash[8..12].copy_from_slice(&2u32.to_be_bytes());
    // The first row of the first batch gets status index 0.
    let pass = store.pass_by_link(0, link_hash).await.unwrap();
    assert_eq!(pass.holder, "Employee 0");
    assert_eq!(pass.token, format!("EP1:FAKE-{}-2", batch.id));
    assert_eq!(pass.organisation_id, Some(org));
    assert!(pass.active);
    assert!(matches!(store.pass_by_link(0, [0xee; 32]).await, Err(StoreError::NotFound)));
    assert!(
        matches!(store.pass_by_link(1, link_hash).await, Err(StoreError::NotFound)),
        "the index and hash must match"
    );
}

pub async fn a_person_gets_at_most_one_active_pass<S: Store>(store: &S) {
    let a = approved_org(store, "A", "1111111119", 100).await;
    let b = approved_org(store, "B", "2208162517", 100).await;
    store.create_batch(a, [5; 32], &employees(0, 3), &[], NOW).await.unwrap();
    let second = store.create_batch(b, [6; 32], &employees(2, 3), &[], NOW).await.unwrap();
    assert_eq!(drain(store).await, IssueOutcome { issued: 5, failed: 1, requeued: 0 });
    let batch = store.batch(second.id).await.unwrap();
    assert_eq!((batch.issued, batch.failed, batch.status), (2, 1, BatchStatus::Completed));
    assert_eq!(store.organisation(b).await.unwrap().passes_used, 2, "the failed row gave its quota back");
    assert_eq!(store.counts().await.unwrap(), (5, 5));
    // The organisation sees which row failed and why.
    let failed = store.failed_rows(second.id, 100).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].line, failed[0].name.as_str()), (2, "Employee 2"));
    assert!(failed[0].reason.contains("already has an active pass"), "{}", failed[0].reason);

    // Once the first pass has expired, the same person may be issued a new one.
    let mut later = employees(0, 1);
    later[0].valid_from = NOW + Duration::days(10);
    later[0].valid_to = NOW + Duration::days(17);
    store.create_batch(b, [7; 32], &later, &[], NOW + Duration::days(8)).await.unwrap();
    let outcome = issue(store, 10, NOW + Duration::days(8)).await;
    assert_eq!(outcome, IssueOutcome { issued: 1, failed: 0, requeued: 0 });
}

/// Issue 21: a renewal list replaces the valid passes its organisation gave the same people, within the quota it
/// already used. A person whose pass an official suspended, or who holds another organisation's pass, keeps it.
pub async fn a_renewal_replaces_only_its_own_organisations_valid_pass_and_takes_no_new_quota<S: Store>(store: &S) {
    use surge_app::PassStatus;
    let a = approved_org(store, "A", "1111111119", 5).await;
    let b = approved_org(store, "B", "2208162517", 5).await;
    store.create_batch(a, [1; 32], &employees(0, 4), &[], NOW).await.unwrap();
    store.create_batch(b, [2; 32], &employees(10, 1), &[], NOW).await.unwrap();
    assert_eq!(drain(store).await.issued, 5);
    let holders = store.active_holders(a).await.unwrap();
    assert_eq!(holders.len(), 4, "{holders:?}");
    assert!(holders.iter().any(|h| (h.phone.as_str(), h.masked_id.as_str()) == ("+821010000001", "0001")));
    // An official suspends Employee 2's pass.
    let by_name = surge_app::PassSearch { name: Some("Employee 2".into()), limit: 5, ..Default::default() };
    let suspended = store.search_passes(&by_name).await.unwrap()[0].status_index;
    store.set_pass_status(suspended, PassStatus::Suspended, "checking", &audit(), NOW, None).await.unwrap();
    let old: Vec<u64> = store
        .search_passes(&surge_app::PassSearch { organisation_id: Some(a), limit: 10, ..Default::default() })
        .await
        .unwrap()
        .iter()
        .map(|p| p.status_index)
        .collect();
    assert_eq!(store.active_holders(a).await.unwrap().len(), 3, "a suspended pass is not renewed");
    // A's renewal: Employees 0 and 1 (renewing), 2 (suspended: marked, but must fail), 10 (B's employee: marked by
    // mistake, must fail) and a new Employee 20 (plain). Quota 5, used 4: only the plain row takes a place.
    let mut rows = employees(0, 3);
    rows.extend(employees(10, 1));
    rows.extend(employees(20, 1));
    for (i, row) in rows.iter_mut().enumerate() {
        row.line = i as u32 + 2;
        row.valid_to = NOW + Duration::days(20);
    }
    let renews = [true, true, true, true, false];
    let batch = store.create_batch(a, [3; 32], &rows, &renews, NOW).await.unwrap();
    assert_eq!(store.organisation(a).await.unwrap().passes_used, 5, "only the new person took a place");
    let (feed_before, (passes_before, _)) =
        (store.status_changes(0, 100).await.unwrap().len(), store.counts().await.unwrap());
    let outcome = drain(store).await;
    assert_eq!((outcome.issued, outcome.failed), (3, 2), "{outcome:?}");
    let batch = store.batch(batch.id).await.unwrap();
    assert_eq!((batch.issued, batch.failed, batch.renewals, batch.replaced), (3, 2, 4, 2));
    assert_eq!(store.organisation(a).await.unwrap().passes_used, 5, "failed renewals gave back nothing they took");
    assert_eq!(store.counts().await.unwrap().0, passes_before + 3);
    // The two old passes are revoked as replaced and fed to verifiers; the suspended one and B's are untouched.
    let feed = store.status_changes(0, 100).await.unwrap();
    assert_eq!(feed.len(), feed_before + 2);
    for index in old {
        let pass = store.pass_by_status_index(index).await.unwrap();
        match pass.holder.as_str() {
            "Employee 0" | "Employee 1" => {
                assert_eq!((pass.status, pass.active), (PassStatus::Revoked, false));
                assert_eq!(pass.status_reason.as_deref(), Some(surge_app::passes::REPLACED));
            }
            "Employee 2" => assert_eq!((pass.status, pass.active), (PassStatus::Suspended, true)),
            _ => assert_eq!((pass.status, pass.active), (PassStatus::Valid, true), "{}", pass.holder),
        }
    }
    let of_b = surge_app::PassSearch { organisation_id: Some(b), limit: 5, ..Default::default() };
    let b_pass = &store.search_passes(&of_b).await.unwrap()[0];
    assert_eq!((b_pass.status, b_pass.active), (PassStatus::Valid, true), "another organisation's pass stands");
    let mine = store.passes_of_phone("+821010000000", 10).await.unwrap();
    assert_eq!(mine.iter().filter(|p| p.active).count(), 1, "one active pass per person, the new one");
    assert_eq!(mine[0].expires, NOW + Duration::days(20));
    let failed = store.failed_rows(batch.id, 10).await.unwrap();
    assert_eq!(failed.iter().map(|f| f.line).collect::<Vec<_>>(), vec![4, 5]);
}

pub async fn a_row_that_cannot_be_signed_fails_alone_and_gives_its_quota_back<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 100).await;
    let batch = store.create_batch(org, [8; 32], &employees(0, 4), &[], NOW).await.unwrap();
    let mut calls = 0;
    let mut failing = |row: &PendingRow, index: u64| {
        calls += 1;
        if calls == 3 { Err("the pass could not be signed".to_owned()) } else { fake_sign(row, index) }
    };
    assert_eq!(issue_with(store, 10, NOW, &mut failing).await, IssueOutcome { issued: 3, failed: 1, requeued: 0 });
    assert_eq!(store.counts().await.unwrap(), (3, 3), "the other rows' passes and texts are written");
    let batch = store.batch(batch.id).await.unwrap();
    assert_eq!((batch.issued, batch.failed, batch.status), (3, 1, BatchStatus::Completed));
    assert_eq!(store.organisation(org).await.unwrap().passes_used, 3, "the failed row gave its quota back");
    let failed = store.failed_rows(batch.id, 100).await.unwrap();
    assert_eq!(failed.iter().map(|f| f.reason.as_str()).collect::<Vec<_>>(), ["the pass could not be signed"]);
    assert!(drain(store).await.is_idle(), "nothing is left to claim");
}

pub async fn a_lapsed_claim_is_taken_again_and_the_first_workers_late_write_is_refused<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 100).await;
    store.create_batch(org, [9; 32], &employees(0, 3), &[], NOW).await.unwrap();
    let lease = Duration::minutes(2);
    let first = store.claim_rows([1; 16], 10, NOW, NOW + lease).await.unwrap();
    assert_eq!(first.len(), 3);
    let held = store.claim_rows([2; 16], 10, NOW + Duration::minutes(1), NOW + lease).await.unwrap();
    assert!(held.is_empty(), "rows under a live claim are not claimed again");
    // The first worker stopped; after its lease another takes the same rows, with fresh status indexes.
    let later = NOW + Duration::minutes(3);
    let second = store.claim_rows([3; 16], 10, later, later + lease).await.unwrap();
    let key = |r: &PendingRow| (r.batch_id, r.row.line);
    assert_eq!(second.iter().map(key).collect::<Vec<_>>(), first.iter().map(key).collect::<Vec<_>>());
    assert!(second.iter().all(|r| first.iter().all(|f| f.status_index != r.status_index)));
    let signed = |rows: &[PendingRow]| -> Vec<(PendingRow, IssuedPass)> {
        rows.iter().map(|r| (r.clone(), fake_sign(r, r.status_index).unwrap())).collect()
    };
    let late = store.complete_claim([1; 16], &signed(&first), &[], later).await.unwrap();
    assert!(late.is_idle(), "a lapsed claim writes nothing: {late:?}");
    assert_eq!(store.counts().await.unwrap(), (0, 0));
    let done = store.complete_claim([3; 16], &signed(&second), &[], later).await.unwrap();
    assert_eq!(done, IssueOutcome { issued: 3, failed: 0, requeued: 0 });
    assert_eq!(store.counts().await.unwrap(), (3, 3));
    assert!(store.claim_rows([4; 16], 10, later + Duration::hours(1), later + lease).await.unwrap().is_empty());
    for row in &second {
        assert_eq!(store.pass_by_status_index(row.status_index).await.unwrap().holder, row.row.name);
    }
    for row in &first {
        assert!(matches!(store.pass_by_status_index(row.status_index).await, Err(StoreError::NotFound)));
    }
}

pub async fn concurrent_workers_never_issue_a_row_twice<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 1000).await;
    store.create_batch(org, [10; 32], &employees(0, 300), &[], NOW).await.unwrap();
    let worker = || async {
        let mut issued = 0;
        loop {
            let outcome = issue(store, 13, NOW).await;
            if outcome.is_idle() {
                return issued;
            }
            issued += outcome.issued;
        }
    };
    let (a, b) = tokio::join!(worker(), worker());
    assert_eq!(a + b, 300);
    assert_eq!(store.counts().await.unwrap(), (300, 300));
}

pub async fn api_keys_are_found_by_hash_only<S: Store>(store: &S) {
    use surge_app::Role;
    assert_eq!(store.count_api_keys(Role::Admin).await.unwrap(), 0);
    let new_key = |hash: [u8; 32], role: Role, scope: surge_app::KeyScope| surge_app::NewApiKey {
        key_hash: hash,
        role,
        organisation_id: None,
        scope,
        label: format!("{} key", role.as_str()),
        lab: None,
        created_at: NOW,
    };
    let audit = |action: &str| AuditEntry {
        actor: "account:1".into(),
        action: action.into(),
        subject: String::new(),
        detail: String::new(),
    };
    let created = audit("api_key.created");
    let id = store.insert_api_key(&new_key([1; 32], Role::Admin, Default::default()), &created).await.unwrap();
    let key = store.api_key([1; 32]).await.unwrap();
    assert_eq!((key.id, key.role, key.organisation_id, key.label.as_str()), (id, Role::Admin, None, "admin key"));
    assert!(key.scope.is_unlimited());
    let scope =
        surge_app::KeyScope { zones: vec!["KR-26".into(), "KR-11".into()], categories: vec!["healthcare".into()] };
    store.insert_api_key(&new_key([4; 32], Role::Official, scope.clone()), &created).await.unwrap();
    assert_eq!(store.api_key([4; 32]).await.unwrap().scope, scope);
    assert!(matches!(store.api_key([2; 32]).await, Err(StoreError::NotFound)));
    assert_eq!(store.count_api_keys(Role::Admin).await.unwrap(), 1);
    let org = store
        .insert_organisation(&NewOrganisation {
            contact_confirmed: true,
            registration: registration("A", "1111111119", "KR-26"),
            screening: screening_passed(),
            created_at: NOW,
            admin_key_hash: Some([3; 32]),
        })
        .await
        .unwrap();
    let org_key = store.api_key([3; 32]).await.unwrap();
    assert_eq!((org_key.role, org_key.organisation_id), (Role::OrganisationAdmin, Some(org)));
    assert!(store.insert_api_key(&new_key([3; 32], Role::Official, Default::default()), &created).await.is_err());
    let revoked = AuditEntry { subject: format!("api-key:{}", org_key.id), ..audit("api_key.revoked") };
    assert_eq!(store.api_key_revocations(0, 100).await.unwrap(), vec![], "nothing revoked yet");
    store.revoke_api_key(org_key.id, &revoked, NOW).await.unwrap();
    assert!(matches!(store.api_key([3; 32]).await, Err(StoreError::NotFound)), "a revoked key stops working");
    assert!(matches!(store.revoke_api_key(org_key.id, &revoked, NOW).await, Err(StoreError::NotFound)), "revoked once");
    store.revoke_api_key(id, &revoked, NOW).await.unwrap();
    // Each revocation is one numbered row in the feed servers follow; a refused second revocation wrote none.
    let feed = store.api_key_revocations(0, 100).await.unwrap();
    assert_eq!(feed.iter().map(|(_, key)| *key).collect::<Vec<_>>(), vec![org_key.id, id]);
    assert!(feed[0].0 < feed[1].0, "numbered in order: {feed:?}");
    assert_eq!(store.api_key_revocations(feed[0].0, 100).await.unwrap(), feed[1..].to_vec(), "only what is newer");
    assert_eq!(store.api_key_revocations(0, 1).await.unwrap(), feed[..1].to_vec(), "at most the limit");
    assert_eq!(store.count_api_keys(Role::Admin).await.unwrap(), 0);
    // Each key made or revoked has its audit entry, written with it; what failed left none.
    let entries: Vec<(String, String)> =
        store.audit_entries(0, 100).await.unwrap().into_iter().map(|r| (r.entry.action, r.entry.subject)).collect();
    let key_id = store.api_key([4; 32]).await.unwrap().id;
    assert_eq!(
        entries,
        [
            ("api_key.created".to_owned(), format!("api-key:{id}")),
            ("api_key.created".to_owned(), format!("api-key:{key_id}")),
            ("api_key.revoked".to_owned(), format!("api-key:{}", org_key.id)),
            ("api_key.revoked".to_owned(), format!("api-key:{}", org_key.id)),
        ]
    );
}

pub async fn the_zone_filter_takes_in_sub_zones_and_contact_phones_find_their_organisations<S: Store>(store: &S) {
    let mut ids = Vec::new();
    for (i, zone) in ["KR-26", "KR-26-110", "KR-261", "KR-11"].iter().enumerate() {
        let mut registration = registration(&format!("Org {i}"), "1111111119", zone);
        if i == 3 {
            registration.contact_phone = surge_domain::Phone::parse("010-9999-0000", "KR").unwrap();
        }
        let new = NewOrganisation {
            registration,
            screening: screening_passed(),
            created_at: NOW,
            admin_key_hash: None,
            contact_confirmed: true,
        };
        ids.push(store.insert_organisation(&new).await.unwrap());
    }
    let list = |filter: OrgFilter| async move {
        store.list_organisations(&filter).await.unwrap().iter().map(|o| o.id).collect::<Vec<_>>()
    };
    assert_eq!(list(OrgFilter { zone: Some("KR-26".into()), limit: 10, ..OrgFilter::default() }).await, ids[..2]);
    assert_eq!(list(OrgFilter { zone: Some("KR-26-110".into()), limit: 10, ..OrgFilter::default() }).await, [ids[1]]);
    assert_eq!(
        list(OrgFilter { zone: Some("KR-2%".into()), limit: 10, ..OrgFilter::default() }).await,
        Vec::<i64>::new()
    );
    let by_phone = OrgFilter { contact_phone: Some("+821099990000".into()), limit: 10, ..OrgFilter::default() };
    assert_eq!(list(by_phone).await, [ids[3]]);
    assert!(store.batches_of(ids[0]).await.unwrap().is_empty());
}

fn staff(username: &str, role: Role) -> NewAccount {
    NewAccount {
        role,
        username: Some(username.into()),
        phone: None,
        personal_phone: Some("+821055550000".into()),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        must_change_password: true,
        scope: KeyScope { zones: vec!["KR-26".into()], categories: vec!["healthcare".into()] },
        created_at: NOW,
    }
}

pub async fn accounts_are_unique_and_found_by_username_or_phone<S: Store>(store: &S) {
    let id = store.insert_account(&staff("desk", Role::Official)).await.unwrap();
    let again = store.insert_account(&staff("desk", Role::Admin)).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let found = store.account_by_username("desk").await.unwrap();
    assert_eq!(found.personal_phone.as_deref(), Some("+821055550000"), "kept apart from the sign-in phone");
    assert_eq!((found.id, found.role, found.must_change_password), (id, Role::Official, true));
    assert_eq!(found.scope, KeyScope { zones: vec!["KR-26".into()], categories: vec!["healthcare".into()] });
    assert!(matches!(store.account_by_username("nobody").await, Err(StoreError::NotFound)));
    assert_eq!(store.count_accounts(Role::Official).await.unwrap(), 1);
    assert_eq!(store.count_accounts(Role::Admin).await.unwrap(), 0);
    store.set_password(id, "$argon2id$new", false).await.unwrap();
    let changed = store.account_by_username("desk").await.unwrap();
    assert_eq!((changed.password_hash.as_deref(), changed.must_change_password), (Some("$argon2id$new"), false));
    assert!(matches!(store.set_password(id + 100, "x", false).await, Err(StoreError::NotFound)));

    let citizen = store.phone_account("+821012345678", NOW).await.unwrap();
    assert_eq!(
        (citizen.role, citizen.phone.as_deref(), citizen.username),
        (Role::Applicant, Some("+821012345678"), None)
    );
    assert_eq!(store.phone_account("+821012345678", NOW).await.unwrap().id, citizen.id, "one account per phone");
    assert_ne!(store.phone_account("+821012345679", NOW).await.unwrap().id, citizen.id);
}

pub async fn sessions_expire_and_end_on_sign_out<S: Store>(store: &S) {
    let account = store.phone_account("+821012345678", NOW).await.unwrap();
    let until = NOW + Duration::hours(12);
    store.insert_session([1; 32], account.id, NOW, until).await.unwrap();
    store.insert_session([2; 32], account.id, NOW, until).await.unwrap();
    assert_eq!(store.session_account([1; 32], NOW).await.unwrap().id, account.id);
    assert!(matches!(store.session_account([3; 32], NOW).await, Err(StoreError::NotFound)));
    assert!(matches!(store.session_account([1; 32], until).await, Err(StoreError::NotFound)), "expired");
    store.delete_session([1; 32]).await.unwrap();
    assert!(matches!(store.session_account([1; 32], NOW).await, Err(StoreError::NotFound)), "signed out");
    assert_eq!(store.session_account([2; 32], NOW).await.unwrap().id, account.id, "other sessions stay");
}

fn login_code(phone: &str, hash: u8, key: &str) -> NewLoginCode {
    NewLoginCode {
        phone: phone.into(),
        code_hash: [hash; 32],
        created_at: NOW,
        expires_at: NOW + Duration::minutes(5),
        sms: OutboxMessage {
            idempotency_key: key.into(),
            kind: "login_code".into(),
            recipient: phone.into(),
            body: "code".into(),
        },
    }
}

pub async fn a_login_code_works_once_and_stops_after_too_many_misses<S: Store>(store: &S) {
    let phone = "+821012345678";
    store.create_login_code(&login_code(phone, 7, "a")).await.unwrap();
    assert_eq!(store.counts().await.unwrap().1, 1, "the SMS is in the outbox with the code");
    let check = |phone: &'static str, hash: u8, at: OffsetDateTime| async move {
        store.use_login_code(phone, [hash; 32], at, 3).await.unwrap()
    };
    assert_eq!(check(phone, 8, NOW).await, CodeCheck::Wrong { attempts_left: 2 });
    assert_eq!(check("+821099999999", 7, NOW).await, CodeCheck::Spent, "another phone's code");
    assert_eq!(check(phone, 7, NOW).await, CodeCheck::Matched);
    assert_eq!(check(phone, 7, NOW).await, CodeCheck::Spent, "used up");

    store.create_login_code(&login_code(phone, 9, "b")).await.unwrap();
    for left in [2, 1, 0] {
        assert_eq!(check(phone, 1, NOW).await, CodeCheck::Wrong { attempts_left: left });
    }
    assert_eq!(check(phone, 9, NOW).await, CodeCheck::Spent, "burned after three misses");

    store.create_login_code(&login_code(phone, 10, "c")).await.unwrap();
    store.create_login_code(&login_code(phone, 11, "d")).await.unwrap();
    assert_eq!(check(phone, 10, NOW).await, CodeCheck::Wrong { attempts_left: 2 }, "a newer code replaces the older");
    assert_eq!(check(phone, 11, NOW + Duration::minutes(5)).await, CodeCheck::Spent, "expired");
    assert_eq!(check(phone, 11, NOW + Duration::minutes(4)).await, CodeCheck::Matched);
}

pub async fn rate_limits_count_events_within_the_window<S: Store>(store: &S) {
    for _ in 0..3 {
        assert!(store.rate_limit("code-phone:+82101", NOW, 900, 3).await.unwrap());
    }
    assert!(!store.rate_limit("code-phone:+82101", NOW + Duration::minutes(1), 900, 3).await.unwrap());
    assert!(store.rate_limit("code-phone:+82102", NOW, 900, 3).await.unwrap(), "buckets are separate");
    assert!(store.rate_limit("code-phone:+82101", NOW + Duration::minutes(15), 900, 3).await.unwrap(), "window over");
}

fn sms(key: &str, phone: &str) -> OutboxMessage {
    OutboxMessage {
        idempotency_key: key.into(),
        kind: "test_message".into(),
        recipient: phone.into(),
        body: format!("body of {key}"),
    }
}

pub async fn messages_are_enqueued_once_per_idempotency_key<S: Store>(store: &S) {
    let (id, state, created) = store.enqueue(&sms("k1", "+821012345678"), NOW).await.unwrap();
    assert_eq!((state, created), (MessageState::Created, true));
    let mut changed = sms("k1", "+821099999999");
    changed.body = "another body".into();
    let (again, _, created) = store.enqueue(&changed, NOW).await.unwrap();
    assert_eq!((again, created), (id, false), "the first message answers for the key");
    let record = store.message(id).await.unwrap();
    assert_eq!((record.recipient.as_str(), record.body.as_deref()), ("+821012345678", Some("body of k1")));
    assert!(matches!(store.message(id + 100).await, Err(StoreError::NotFound)));
}

pub async fn claims_skip_held_and_not_yet_due_messages<S: Store>(store: &S) {
    for key in ["a", "b", "c"] {
        store.enqueue(&sms(key, "+821012345678"), NOW).await.unwrap();
    }
    let keys = |claimed: &[surge_app::ClaimedMessage]| -> Vec<String> {
        claimed.iter().map(|c| c.message.idempotency_key.clone()).collect()
    };
    let first = store.claim_messages(2, NOW).await.unwrap();
    assert_eq!(keys(&first), ["a", "b"]);
    assert_eq!(first[0].attempts, 1);
    let second = store.claim_messages(5, NOW).await.unwrap();
    assert_eq!(keys(&second), ["c"]);
    assert!(store.claim_messages(5, NOW).await.unwrap().is_empty(), "held messages are not claimed twice");
    let later = NOW + Duration::seconds(30);
    store
        .record_results(
            &[
                (first[0].id, SendResult::Accepted { gateway: "log".into(), gateway_message_id: Some("g1".into()) }),
                (first[1].id, SendResult::Retry { at: later, reason: "throttled".into() }),
                (
                    second[0].id,
                    SendResult::Failed { state: MessageState::PermanentFailure, reason: "phone_invalid".into() },
                ),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(store.message(first[0].id).await.unwrap().state, MessageState::Sent);
    let failed = store.message(second[0].id).await.unwrap();
    assert_eq!((failed.state, failed.failure.as_deref()), (MessageState::PermanentFailure, Some("phone_invalid")));
    assert!(store.claim_messages(5, NOW + Duration::seconds(29)).await.unwrap().is_empty(), "not due yet");
    let retried = store.claim_messages(5, later).await.unwrap();
    assert_eq!((keys(&retried), retried[0].attempts), (vec!["b".to_owned()], 2));
}

/// Issue 20 #20: the outbox kept live sign-in codes and pass links in plain text until the retention purge.
pub async fn a_sign_in_code_is_dropped_once_sent_and_a_pass_link_once_delivered<S: Store>(store: &S) {
    let of_kind = |key: &str, kind: &str| OutboxMessage { kind: kind.into(), ..sms(key, "+821012345678") };
    let (code, _, _) = store.enqueue(&of_kind("code", "login_code"), NOW).await.unwrap();
    let (pass, _, _) = store.enqueue(&of_kind("pass", "pass_issued"), NOW).await.unwrap();
    let (other, _, _) = store.enqueue(&of_kind("other", "application_received"), NOW).await.unwrap();
    assert_eq!(store.claim_messages(10, NOW).await.unwrap().len(), 3);
    let accepted = SendResult::Accepted { gateway: "kannel".into(), gateway_message_id: None };
    let results: Vec<_> = [code, pass, other].iter().map(|id| (*id, accepted.clone())).collect();
    store.record_results(&results, NOW).await.unwrap();
    let body = |id: i64| async move { store.message(id).await.unwrap().body };
    assert_eq!(body(code).await, None, "a sign-in code is gone once a gateway has it");
    assert!(body(pass).await.is_some(), "a pass link stays until the phone has it");
    store.record_receipt(pass, Receipt::Delivered, NOW).await.unwrap();
    store.record_receipt(other, Receipt::Delivered, NOW).await.unwrap();
    assert_eq!(body(pass).await, None, "and goes once delivered");
    assert!(body(other).await.is_some(), "other texts stay for the retention period");
    assert_eq!(store.message(code).await.unwrap().state, MessageState::Sent);
}

pub async fn receipts_move_messages_once_and_late_ones_change_nothing<S: Store>(store: &S) {
    let (id, _, _) = store.enqueue(&sms("r", "+821012345678"), NOW).await.unwrap();
    assert_eq!(store.record_receipt(id, Receipt::Delivered, NOW).await.unwrap(), None, "not sent yet");
    store.claim_messages(1, NOW).await.unwrap();
    // The receipt overtakes the gateway's own answer; the answer then keeps the receipt's state.
    assert_eq!(store.record_receipt(id, Receipt::Delivered, NOW).await.unwrap(), Some(MessageState::Delivered));
    let accepted = SendResult::Accepted { gateway: "kannel".into(), gateway_message_id: None };
    store.record_results(&[(id, accepted)], NOW).await.unwrap();
    let record = store.message(id).await.unwrap();
    assert_eq!((record.state, record.gateway.as_deref()), (MessageState::Delivered, Some("kannel")));
    assert_eq!(store.record_receipt(id, Receipt::Rejected, NOW).await.unwrap(), None, "final states stay");
    assert_eq!(store.record_receipt(id, Receipt::Delivered, NOW).await.unwrap(), None, "a duplicate changes nothing");
    assert!(matches!(store.record_receipt(id + 9, Receipt::Delivered, NOW).await, Err(StoreError::NotFound)));

    // SMPP receipts name the SMSC's id for the message, recorded when it was accepted.
    let (other, _, _) = store.enqueue(&sms("r2", "+821012345679"), NOW).await.unwrap();
    store.claim_messages(1, NOW).await.unwrap();
    let by_smsc = SendResult::Accepted { gateway: "smpp".into(), gateway_message_id: Some("smsc-42".into()) };
    store.record_results(&[(other, by_smsc)], NOW).await.unwrap();
    let unknown = store.record_receipt_by_gateway_id("smpp", "smsc-43", Receipt::Delivered, NOW).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)));
    let other_gateway = store.record_receipt_by_gateway_id("kannel", "smsc-42", Receipt::Delivered, NOW).await;
    assert!(matches!(other_gateway, Err(StoreError::NotFound)), "ids are per gateway");
    let state = store.record_receipt_by_gateway_id("smpp", "smsc-42", Receipt::Undelivered, NOW).await.unwrap();
    assert_eq!(state, Some(MessageState::TemporaryFailure));
}

pub async fn stuck_messages_are_requeued_and_opt_outs_are_listed<S: Store>(store: &S) {
    store.enqueue(&sms("s1", "+821012345678"), NOW).await.unwrap();
    store.enqueue(&sms("s2", "+821012345679"), NOW).await.unwrap();
    store.claim_messages(1, NOW).await.unwrap();
    store.claim_messages(1, NOW + Duration::minutes(5)).await.unwrap();
    assert_eq!(store.requeue_stuck(NOW + Duration::minutes(1), NOW + Duration::minutes(6)).await.unwrap(), 1);
    let again = store.claim_messages(5, NOW + Duration::minutes(6)).await.unwrap();
    assert_eq!(again.iter().map(|c| c.message.idempotency_key.as_str()).collect::<Vec<_>>(), ["s1"]);
    assert_eq!(again[0].attempts, 2);

    store.set_opt_out("+821012345678", true, NOW).await.unwrap();
    store.set_opt_out("+821012345678", true, NOW).await.unwrap();
    let phones = vec!["+821012345678".to_owned(), "+821012345679".to_owned()];
    assert_eq!(store.opted_out(&phones).await.unwrap(), vec!["+821012345678".to_owned()]);
    store.set_opt_out("+821012345678", false, NOW).await.unwrap();
    assert!(store.opted_out(&phones).await.unwrap().is_empty());
}

pub async fn history_lists_newest_first_and_purging_keeps_the_counts<S: Store>(store: &S) {
    let mut ids = Vec::new();
    for (i, key) in ["h1", "h2", "h3"].iter().enumerate() {
        let at = NOW + Duration::days(i as i64);
        ids.push(store.enqueue(&sms(key, "+821012345678"), at).await.unwrap().0);
    }
    let claimed = store.claim_messages(2, NOW + Duration::days(3)).await.unwrap();
    let delivered = SendResult::Accepted { gateway: "log".into(), gateway_message_id: None };
    store.record_results(&[(claimed[0].id, delivered)], NOW).await.unwrap();
    store.record_receipt(claimed[0].id, Receipt::Delivered, NOW).await.unwrap();
    let all = store.messages(&MessageFilter { limit: 10, ..MessageFilter::default() }).await.unwrap();
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[2], ids[1], ids[0]]);
    let older = MessageFilter { before_id: Some(ids[2]), limit: 1, ..MessageFilter::default() };
    assert_eq!(store.messages(&older).await.unwrap()[0].id, ids[1]);
    let sending = MessageFilter { state: Some(MessageState::Sending), limit: 10, ..MessageFilter::default() };
    assert_eq!(store.messages(&sending).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[1]]);
    // Only final messages older than the cut lose their bodies.
    assert_eq!(store.purge_bodies(NOW + Duration::days(10)).await.unwrap(), 1);
    assert_eq!(store.message(ids[0]).await.unwrap().body, None);
    assert!(store.message(ids[1]).await.unwrap().body.is_some());
    let mut counts = store.message_counts().await.unwrap();
    counts.sort_by_key(|(state, _)| state.as_str());
    assert_eq!(
        counts,
        vec![(MessageState::Created, 1), (MessageState::Delivered, 1), (MessageState::Sending, 1)],
        "counts stay after purging"
    );
}

pub async fn pass_status_changes_are_kept_fed_and_final_once_revoked<S: Store>(store: &S) {
    use surge_app::PassStatus;
    let org = approved_org(store, "A", "1111111119", 10).await;
    store.create_batch(org, [7; 32], &employees(0, 2), &[], NOW).await.unwrap();
    drain(store).await;
    let first = store.pass_by_status_index(0).await.unwrap();
    assert_eq!((first.status, first.phone.as_str()), (PassStatus::Valid, "+821010000000"));
    let by_code = store.pass_by_control_code(&first.control_code).await.unwrap();
    assert_eq!((by_code.control_code, by_code.status_index), (first.control_code.clone(), 0));
    assert!(matches!(store.pass_by_control_code("ZZZZZZZZZZ").await, Err(StoreError::NotFound)));
    let (_, outbox_before) = store.counts().await.unwrap();
    let sms = OutboxMessage {
        idempotency_key: "pass-status:0:1".into(),
        kind: "pass_suspended".into(),
        recipient: first.phone.clone(),
        body: "suspended".into(),
    };
    let s1 = store.set_pass_status(0, PassStatus::Suspended, "checking", &audit(), NOW, Some(&sms)).await.unwrap();
    assert_eq!(store.counts().await.unwrap().1, outbox_before + 1, "the holder's SMS is queued with the change");
    let suspended = store.pass_by_status_index(0).await.unwrap();
    assert_eq!(
        (suspended.status, suspended.status_reason.as_deref(), suspended.active),
        (PassStatus::Suspended, Some("checking"), true)
    );
    let s2 = store.set_pass_status(0, PassStatus::Revoked, "forged use", &audit(), NOW, None).await.unwrap();
    assert!(s2 > s1);
    let revoked = store.pass_by_status_index(0).await.unwrap();
    assert_eq!((revoked.status, revoked.active), (PassStatus::Revoked, false), "no longer the person's active pass");
    let again = store.set_pass_status(0, PassStatus::Valid, "mistake", &audit(), NOW, None).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "revoked is final");
    assert!(matches!(
        store.set_pass_status(99, PassStatus::Revoked, "x", &audit(), NOW, None).await,
        Err(StoreError::NotFound)
    ));
    let feed = store.status_changes(0, 10).await.unwrap();
    let summary: Vec<(u64, PassStatus)> = feed.iter().map(|c| (c.status_index, c.status)).collect();
    assert_eq!(summary, vec![(0, PassStatus::Suspended), (0, PassStatus::Revoked)]);
    assert_eq!(store.status_changes(s1, 10).await.unwrap().len(), 1, "since a sequence number");
}

/// Issue 21: the admin's pages list staff accounts (not citizens) and keys, revoked ones marked.
pub async fn the_admin_lists_staff_and_keys_without_their_secrets<S: Store>(store: &S) {
    let account = |role: Role, username: Option<&str>, phone: Option<&str>| NewAccount {
        role,
        username: username.map(str::to_owned),
        phone: phone.map(str::to_owned),
        personal_phone: None,
        password_hash: username.map(|_| "$argon2id$stored".to_owned()),
        must_change_password: true,
        scope: KeyScope { zones: vec!["KR-26".into()], categories: Vec::new() },
        created_at: NOW,
    };
    store.insert_account(&account(Role::Official, Some("zed"), None)).await.unwrap();
    store.insert_account(&account(Role::Admin, Some("amy"), None)).await.unwrap();
    store.insert_account(&account(Role::Applicant, None, Some("+821012345678"))).await.unwrap();
    let staff = store.staff_accounts(10).await.unwrap();
    let names: Vec<(&str, Role)> = staff.iter().map(|a| (a.username.as_str(), a.role)).collect();
    assert_eq!(names, vec![("amy", Role::Admin), ("zed", Role::Official)], "by username, citizens left out");
    assert_eq!(
        (staff[1].scope.zones.clone(), staff[1].must_change_password, staff[1].disabled),
        (vec!["KR-26".to_owned()], true, false)
    );
    let key = |label: &str, hash: u8| surge_app::NewApiKey {
        key_hash: [hash; 32],
        role: Role::Lab,
        organisation_id: None,
        scope: KeyScope::default(),
        label: label.into(),
        lab: Some("FLH".into()),
        created_at: NOW,
    };
    let first = store.insert_api_key(&key("first", 1), &audit()).await.unwrap();
    store.insert_api_key(&key("second", 2), &audit()).await.unwrap();
    store.revoke_api_key(first, &audit(), NOW).await.unwrap();
    let keys = store.api_key_list(10).await.unwrap();
    let listed: Vec<(&str, bool, Option<&str>)> =
        keys.iter().map(|k| (k.label.as_str(), k.revoked, k.lab.as_deref())).collect();
    assert_eq!(
        listed,
        vec![("second", false, Some("FLH")), ("first", true, Some("FLH"))],
        "newest first, revoked kept"
    );
}

/// Issue 21: revoking every pass of an organisation or a list is one transaction; a pass revoked before is left
/// alone and its holder not texted twice.
pub async fn passes_revoked_together_are_all_fed_once_with_one_audit_entry<S: Store>(store: &S) {
    use surge_app::PassStatus;
    let org = approved_org(store, "A", "1111111119", 10).await;
    store.create_batch(org, [7; 32], &employees(0, 3), &[], NOW).await.unwrap();
    drain(store).await;
    store.set_pass_status(1, PassStatus::Revoked, "left", &audit(), NOW, None).await.unwrap();
    let feed_before = store.status_changes(0, 100).await.unwrap().len();
    let audit_before = store.last_audit_entry().await.unwrap().map_or(0, |e| e.seq);
    let (_, outbox_before) = store.counts().await.unwrap();
    let sms = |i: u64| OutboxMessage {
        idempotency_key: format!("bulk:{i}"),
        kind: "pass_revoked".into(),
        recipient: format!("+8210100000{i:02}"),
        body: format!("revoked {i}"),
    };
    let list: Vec<(u64, OutboxMessage)> = (0..3).map(|i| (i, sms(i))).collect();
    let revoked = store.revoke_passes(&list, "site closed", &audit(), NOW).await.unwrap();
    assert_eq!(revoked, vec![0, 2], "the pass revoked before is left as it was");
    for i in [0, 2] {
        let pass = store.pass_by_status_index(i).await.unwrap();
        assert_eq!(
            (pass.status, pass.active, pass.status_reason.as_deref()),
            (PassStatus::Revoked, false, Some("site closed"))
        );
    }
    assert_eq!(store.pass_by_status_index(1).await.unwrap().status_reason.as_deref(), Some("left"));
    let feed = store.status_changes(0, 100).await.unwrap();
    assert_eq!(feed.len(), feed_before + 2, "each revoked pass is fed to verifiers once");
    assert_eq!(store.counts().await.unwrap().1, outbox_before + 2, "only the two holders are texted");
    let entries = store.audit_entries(audit_before, 100).await.unwrap();
    assert_eq!(entries.len(), 1, "one audit entry for the action");
    assert!(entries[0].entry.detail.ends_with("(2 passes)"), "{}", entries[0].entry.detail);
    // Doing it again changes nothing and writes nothing.
    assert!(store.revoke_passes(&list, "site closed", &audit(), NOW).await.unwrap().is_empty());
    assert_eq!(store.status_changes(0, 100).await.unwrap().len(), feed_before + 2);
    assert_eq!(store.audit_entries(audit_before, 100).await.unwrap().len(), 1);
}

/// Issue 21: texts to one person switched language between messages. A phone's language is the last it used;
/// claimed rows carry it to the pass text.
pub async fn a_phones_texts_follow_the_language_it_last_used<S: Store>(store: &S) {
    let (first, second, never) = ("+821010000000".to_owned(), "+821010000001".to_owned(), "+821099990000".to_owned());
    assert!(store.languages_of(std::slice::from_ref(&first)).await.unwrap().is_empty());
    store.remember_language(&first, "en", NOW).await.unwrap();
    store.remember_language(&first, "ko", NOW + Duration::minutes(1)).await.unwrap();
    store.remember_language(&second, "en", NOW).await.unwrap();
    let found = store.languages_of(&[first.clone(), second.clone(), never.clone()]).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[&first].as_str(), found[&second].as_str()), ("ko", "en"));
    let org = approved_org(store, "A", "1111111119", 10).await;
    store.create_batch(org, [7; 32], &employees(0, 3), &[], NOW).await.unwrap();
    let rows = store.claim_rows([4; 16], 10, NOW, NOW + Duration::minutes(2)).await.unwrap();
    let langs: Vec<Option<&str>> = rows.iter().map(|r| r.lang.as_deref()).collect();
    assert_eq!(langs, vec![Some("ko"), Some("en"), None]);
}

/// Issue 21: a suspended organisation's rows are not issued; reinstated, they are, within the quota it had.
pub async fn a_suspended_organisations_rows_wait_and_are_issued_once_it_is_reinstated<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 10).await;
    let other = approved_org(store, "B", "2208162517", 10).await;
    store.create_batch(org, [7; 32], &employees(0, 3), &[], NOW).await.unwrap();
    store.create_batch(other, [8; 32], &employees(10, 2), &[], NOW).await.unwrap();
    let approved = OrgStatus::Approved { quota: 10 };
    let suspended = OrgStatus::Suspended { quota: 10, reason: "false lists".into() };
    store.set_organisation_status(org, &approved, &suspended, NOW, &audit()).await.unwrap();
    assert_eq!(store.organisation(org).await.unwrap().status, suspended, "read back as stored");
    assert_eq!(drain(store).await.issued, 2, "only the other organisation's rows are issued");
    assert!(store.claim_rows([9; 16], 10, NOW, NOW + Duration::minutes(2)).await.unwrap().is_empty());
    let refused = store.create_batch(org, [9; 32], &employees(20, 1), &[], NOW).await;
    assert!(matches!(refused, Err(StoreError::QuotaExceeded { .. })), "no new list while suspended: {refused:?}");
    store.set_organisation_status(org, &suspended, &approved, NOW, &audit()).await.unwrap();
    assert_eq!(drain(store).await.issued, 3, "reinstated, its waiting rows are issued");
}

/// Issue 21: a worker whose text was deleted signs in and finds their passes; a resent text carries a new link
/// and the old one opens the pass no more.
pub async fn a_holder_finds_their_own_passes_and_a_new_link_replaces_the_old<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 10).await;
    store.create_batch(org, [7; 32], &employees(0, 2), &[], NOW).await.unwrap();
    drain(store).await;
    let mine = store.passes_of_phone("+821010000000", 50).await.unwrap();
    assert_eq!(mine.iter().map(|p| (p.status_index, p.holder.as_str())).collect::<Vec<_>>(), vec![(0, "Employee 0")]);
    assert!(store.passes_of_phone("+821099999999", 50).await.unwrap().is_empty());
    let sms = |key: &str| OutboxMessage {
        idempotency_key: key.into(),
        kind: "pass_issued".into(),
        recipient: "+821010000000".into(),
        body: "again".into(),
    };
    let (_, outbox_before) = store.counts().await.unwrap();
    store.relink_pass(0, [9; 32], &sms("pass-resent:0:a"), &audit(), NOW).await.unwrap();
    assert_eq!(store.pass_by_link(0, [9; 32]).await.unwrap().holder, "Employee 0");
    store.relink_pass(0, [8; 32], &sms("pass-resent:0:b"), &audit(), NOW).await.unwrap();
    assert!(matches!(store.pass_by_link(0, [9; 32]).await, Err(StoreError::NotFound)), "the old link is dead");
    assert_eq!(store.pass_by_link(0, [8; 32]).await.unwrap().status_index, 0);
    assert_eq!(store.counts().await.unwrap().1, outbox_before + 2, "each new link is texted");
    // No such pass: nothing is queued.
    assert!(matches!(
        store.relink_pass(99, [7; 32], &sms("pass-resent:99:a"), &audit(), NOW).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.counts().await.unwrap().1, outbox_before + 2);
}

/// Issue 21: officials find passes by name, phone, control code, organisation or batch, and see a pass's history.
pub async fn officials_find_passes_by_any_part_and_see_what_happened_to_each<S: Store>(store: &S) {
    use surge_app::{PassEvent, PassSearch, PassStatus};
    let a = approved_org(store, "A", "1111111119", 10).await;
    let b = approved_org(store, "B", "2208162517", 10).await;
    let first = store.create_batch(a, [1; 32], &employees(0, 3), &[], NOW).await.unwrap();
    let mut odd = employees(10, 1);
    odd[0].name = "Kim 100%_\\x".into();
    store.create_batch(b, [2; 32], &odd, &[], NOW).await.unwrap();
    drain(store).await;
    let find = |search: PassSearch| async move {
        let found = store.search_passes(&PassSearch { limit: 50, ..search }).await.unwrap();
        found.into_iter().map(|p| p.holder).collect::<Vec<_>>()
    };
    assert_eq!(find(PassSearch::default()).await, ["Kim 100%_\\x", "Employee 2", "Employee 1", "Employee 0"]);
    assert_eq!(find(PassSearch { name: Some("employee 1".into()), ..PassSearch::default() }).await, ["Employee 1"]);
    // Wildcards typed in a name are letters, not wildcards.
    assert_eq!(find(PassSearch { name: Some("0%_\\".into()), ..PassSearch::default() }).await, ["Kim 100%_\\x"]);
    assert!(
        find(PassSearch { name: Some("%".into()), organisation_id: Some(a), ..PassSearch::default() }).await.is_empty()
    );
    assert_eq!(find(PassSearch { phone: Some("+821010000002".into()), ..PassSearch::default() }).await, ["Employee 2"]);
    let code = store.pass_by_status_index(0).await.unwrap().control_code;
    assert_eq!(find(PassSearch { control_code: Some(code), ..PassSearch::default() }).await, ["Employee 0"]);
    assert_eq!(find(PassSearch { organisation_id: Some(b), ..PassSearch::default() }).await.len(), 1);
    assert_eq!(find(PassSearch { batch_id: Some(first.id), ..PassSearch::default() }).await.len(), 3);
    let page = PassSearch { before_index: Some(2), limit: 1, ..PassSearch::default() };
    assert_eq!(store.search_passes(&page).await.unwrap()[0].status_index, 1, "the next page");

    store
        .set_pass_status(1, PassStatus::Suspended, "checking", &audit(), NOW + Duration::hours(1), None)
        .await
        .unwrap();
    let scan = surge_app::NewScan {
        checkpoint_id: None,
        actor: "account:3".into(),
        status_index: Some(1),
        valid: false,
        reason: Some("suspended".into()),
        at: NOW + Duration::hours(2),
        client_id: None,
    };
    surge_app::scans::record(store, &scan).await.unwrap();
    let history = store.pass_history(1).await.unwrap();
    assert!(matches!(history[0], PassEvent::Issued { batch_id: Some(id), .. } if id == first.id), "{history:?}");
    assert!(
        matches!(&history[1], PassEvent::Status { status: PassStatus::Suspended, reason, .. } if reason == "checking")
    );
    assert!(matches!(&history[2], PassEvent::Scan { valid: false, checkpoint: None, .. }), "{history:?}");
    assert!(matches!(store.pass_history(99).await, Err(StoreError::NotFound)));
}

pub async fn the_audit_log_chains_every_decision_and_verifies<S: Store>(store: &S) {
    let org = approved_org(store, "A", "1111111119", 10).await;
    let stale = store.set_organisation_status(org, &OrgStatus::InReview, &OrgStatus::InReview, NOW, &audit()).await;
    assert!(matches!(stale, Err(StoreError::Conflict)));
    let sign_in = surge_domain::audit::AuditEntry {
        actor: "account:7".into(),
        action: "staff.sign_in".into(),
        subject: "account:7".into(),
        detail: "127.0.0.1".into(),
    };
    store.append_audit(&sign_in, NOW + Duration::seconds(5)).await.unwrap();
    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 2, "the approval and the sign-in; a refused change writes nothing");
    assert_eq!((entries[0].seq, entries[1].seq), (1, 2));
    assert_eq!(entries[1].entry, sign_in);
    let head = surge_domain::audit::verify_chain(&entries, surge_domain::audit::GENESIS, 1).unwrap();
    assert_eq!(head, entries[1].hash);
    assert_eq!(store.audit_entries(1, 100).await.unwrap().len(), 1);
}

pub async fn scans_at_far_checkpoints_in_too_little_time_raise_an_alert<S: Store>(store: &S) {
    let busan = store.insert_checkpoint("Busan station", "KR-26", 35.1151, 129.0415, NOW).await.unwrap();
    let seoul = store.insert_checkpoint("Seoul station", "KR-11", 37.5547, 126.9707, NOW).await.unwrap();
    let listed = store.checkpoints().await.unwrap();
    assert_eq!(listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Busan station", "Seoul station"]);
    assert!((listed[0].lat - 35.1151).abs() < 1e-9);
    let scan = |checkpoint_id: i64, minutes: i64, valid: bool| surge_app::NewScan {
        checkpoint_id: Some(checkpoint_id),
        actor: "account:3".into(),
        status_index: Some(42),
        valid,
        reason: None,
        at: NOW + Duration::minutes(minutes),
        client_id: None,
    };
    assert!(store.last_scan(42).await.unwrap().is_none());
    assert!(!surge_app::scans::record_scan(store, &scan(busan, 0, true)).await.unwrap());
    assert_eq!(store.last_scan(42).await.unwrap().unwrap().checkpoint_id, busan);
    assert!(!surge_app::scans::record_scan(store, &scan(busan, 5, true)).await.unwrap(), "the same checkpoint");
    assert!(surge_app::scans::record_scan(store, &scan(seoul, 35, true)).await.unwrap(), "325 km in 30 minutes");
    assert!(
        !surge_app::scans::record_scan(store, &scan(busan, 36, false)).await.unwrap(),
        "an invalid scan is only logged"
    );
    assert!(!surge_app::scans::record_scan(store, &scan(busan, 35 + 5 * 60, true)).await.unwrap(), "five hours later");
    let alerts = store.alerts(10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].kind.as_str(), alerts[0].status_index), ("possible_cloned_pass", Some(42)));
    assert!(
        alerts[0].detail.contains("Busan station") && alerts[0].detail.contains("Seoul station"),
        "{}",
        alerts[0].detail
    );
    // An offline scan uploaded twice is recorded once, and its alert with it.
    let offline = surge_app::NewScan { client_id: Some("account:3:scan-1".into()), ..scan(seoul, 36 + 5 * 60, true) };
    assert_eq!(surge_app::scans::record(store, &offline).await.unwrap(), Some(true), "Seoul a minute after Busan");
    assert_eq!(surge_app::scans::record(store, &offline).await.unwrap(), None, "the same upload again");
    assert_eq!(store.alerts(10).await.unwrap().len(), 2);
}

pub async fn policy_versions_grow_and_the_newest_is_in_force<S: Store>(store: &S) {
    assert_eq!(store.current_policy().await.unwrap(), None);
    let v1 = store.insert_policy("{\"rules\": []}", &audit(), NOW).await.unwrap();
    let v2 = store.insert_policy("{\"rules\": [1]}", &audit(), NOW).await.unwrap();
    assert!(v2 > v1);
    assert_eq!(store.current_policy().await.unwrap(), Some((v2, "{\"rules\": [1]}".to_owned())));
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 2, "each version is in the audit log");
}

pub async fn applications_are_decided_once_and_approval_issues_one_pass<S: Store>(store: &S) {
    use surge_app::{ApplicationDecision, ApplicationFilter};
    use surge_domain::ApplicationStatus;

    use crate::fixtures::application;
    let phone = "+821012345678";
    let received = |id: i64| {
        Some(OutboxMessage {
            idempotency_key: format!("application_received:{id}"),
            kind: "application_received".into(),
            recipient: phone.into(),
            body: format!("A-{id} is with an official"),
        })
    };
    let first = store.insert_application(&application(phone, "123A"), &audit(), &received).await.unwrap();
    let second = store.insert_application(&application(phone, "123A"), &audit(), &|_| None).await.unwrap();
    assert!(second > first);
    let stored = store.application(first).await.unwrap();
    assert_eq!((stored.status, stored.application.holder.as_str()), (ApplicationStatus::Review, "Kim Minji"));
    assert_eq!(stored.application, application(phone, "123A").application, "read back as stored");
    let (_, outbox) = store.counts().await.unwrap();
    assert_eq!(outbox, 1, "the received SMS was written with the application");
    let entries = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(entries[0].entry.subject, format!("application:{first}"), "the audit entry names the application");

    let filter = |status, phone: Option<&str>| ApplicationFilter {
        status,
        phone: phone.map(str::to_owned),
        after_id: None,
        limit: 10,
    };
    assert_eq!(store.list_applications(&filter(Some(ApplicationStatus::Review), None)).await.unwrap().len(), 2);
    assert_eq!(store.list_applications(&filter(None, Some("+821099999999"))).await.unwrap().len(), 0);
    assert_eq!(store.count_applications_since(phone, NOW).await.unwrap(), 2);
    assert_eq!(store.count_applications_since(phone, NOW + Duration::seconds(1)).await.unwrap(), 0);

    let approval = ApplicationDecision {
        status: ApplicationStatus::Approved,
        reason_en: "ok".into(),
        reason_ko: "ok".into(),
        decided_by: "account:7".into(),
    };
    let index = approve(store, first, &approval).await.unwrap();
    let approved = store.application(first).await.unwrap();
    assert_eq!((approved.status, approved.status_index), (ApplicationStatus::Approved, Some(index)));
    assert_eq!(approved.decided_by.as_deref(), Some("account:7"));
    let pass = store.pass_by_status_index(index).await.unwrap();
    assert_eq!((pass.phone.as_str(), pass.zones.clone()), (phone, vec!["KR-26".to_owned(), "KR-26-110".to_owned()]));
    assert_eq!(store.counts().await.unwrap(), (1, 2), "one pass, and its SMS");
    assert!(matches!(approve(store, first, &approval).await, Err(StoreError::Conflict)));

    // The same person again: nothing is written, and the application stays in review for an official.
    let refused = approve(store, second, &approval).await;
    assert!(matches!(refused, Err(StoreError::ActivePassExists)), "{refused:?}");
    assert_eq!(store.application(second).await.unwrap().status, ApplicationStatus::Review);
    assert_eq!(store.counts().await.unwrap(), (1, 2));
    let reject = ApplicationDecision {
        status: ApplicationStatus::Rejected,
        reason_en: "You already have an active pass".into(),
        reason_ko: "이미 유효한 이동 허가증이 있습니다".into(),
        decided_by: "account:7".into(),
    };
    let sms = OutboxMessage {
        idempotency_key: format!("application_rejected:{second}"),
        kind: "application_rejected".into(),
        recipient: phone.into(),
        body: "not approved".into(),
    };
    store.reject_application(second, &reject, &audit(), Some(&sms), NOW).await.unwrap();
    let rejected = store.application(second).await.unwrap();
    assert_eq!(
        (rejected.status, rejected.reason_ko.as_str()),
        (ApplicationStatus::Rejected, "이미 유효한 이동 허가증이 있습니다")
    );
    assert!(matches!(
        store.reject_application(second, &reject, &audit(), Some(&sms), NOW).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.counts().await.unwrap(), (1, 3));
    assert!(matches!(store.application(9999).await, Err(StoreError::NotFound)));
    let chain = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(chain.len(), 4, "two submissions, one approval, one rejection");
}

pub async fn lab_messages_and_results_are_kept_once_and_the_queue_puts_the_urgent_first<S: Store>(store: &S) {
    use surge_app::lab::{NewLabResult, NewRegistration};

    let message = |control_id: &str| lab_message("FLH", control_id);
    // A texted negative is matched to registration 7; anything else is queued unmatched with the given urgency.
    let result = |filler: &str, interpretation: &str, texted: bool, urgency: u8| {
        let reason = (!texted).then_some("detected");
        NewLabResult {
            registration_id: texted.then_some(7),
            urgency,
            ..lab_result(filler, "F", interpretation, reason)
        }
    };
    let sms = result_sms("result:A1:94500-6:F", "+821012345678");
    let first = store
        .record_lab_message(
            &message("M1"),
            &[
                (result("A1", "not_detected", true, 9), Some(sms.clone())),
                (result("A2", "unknown", false, 3), None),
                (result("A3", "detected", false, 1), None),
            ],
        )
        .await
        .unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.new_results, 3);
    assert_eq!(store.counts().await.unwrap().1, 1, "the texted result's SMS was written with it");
    let again = store.record_lab_message(&message("M1"), &[(result("A9", "detected", false, 1), None)]).await.unwrap();
    assert!(again.duplicate, "the same facility and control id is the same message");
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(store.lab_message_ack("FLH", "M1").await.unwrap(), Some(("AA".into(), None)));
    assert_eq!(store.lab_message_ack("FLH", "M2").await.unwrap(), None);
    // The same result in another message is kept once, and its SMS is not written twice.
    let resent =
        store.record_lab_message(&message("M2"), &[(result("A1", "not_detected", true, 9), Some(sms))]).await.unwrap();
    assert_eq!((resent.duplicate, resent.new_results), (false, 0));
    assert_eq!(store.counts().await.unwrap().1, 1);

    assert!(store.texted_negative("FLH", "A1", "94500-6").await.unwrap());
    assert!(!store.texted_negative("FLH", "A3", "94500-6").await.unwrap());
    assert!(!store.texted_negative("OTHER", "A1", "94500-6").await.unwrap(), "another lab's A1 is another order");
    let queue = store.result_queue(10).await.unwrap();
    let order: Vec<&str> = queue.iter().map(|r| r.result.filler_order.as_str()).collect();
    assert_eq!(order, ["A3", "A2"], "the detected result first; the texted one is not in the queue");
    assert_eq!(queue[0].queue_state.as_deref(), Some("open"));

    let audit = audit();
    store.handle_lab_result(queue[0].id, "called_reached", &audit, None, NOW).await.unwrap();
    assert!(matches!(
        store.handle_lab_result(queue[0].id, "released", &audit, None, NOW).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(store.handle_lab_result(9999, "released", &audit, None, NOW).await, Err(StoreError::NotFound)));
    let handled = store.lab_result(queue[0].id).await.unwrap();
    assert_eq!(
        (handled.queue_state.as_deref(), handled.handled_by.as_deref()),
        (Some("called_reached"), Some("account:7"))
    );
    assert_eq!(store.result_queue(10).await.unwrap().len(), 1);

    let id = store
        .insert_registration(&NewRegistration {
            specimen_id: Some("A1".into()),
            phone: Some("+821012345678".into()),
            family: "Kim".into(),
            given: "Minji".into(),
            birth_date: time::macros::date!(1963 - 02 - 02),
            created_at: NOW,
        })
        .await
        .unwrap();
    let found = store.registrations_for(&["A1".into()], &[]).await.unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    let many: Vec<NewRegistration> = (0..1500)
        .map(|i| NewRegistration {
            specimen_id: Some(format!("L{i}")),
            phone: None,
            family: "Lee".into(),
            given: "Ara".into(),
            birth_date: time::macros::date!(1990 - 01 - 01),
            created_at: NOW,
        })
        .collect();
    assert_eq!(store.insert_registrations(&many).await.unwrap(), 1500, "more than one chunk");
    let found_many = store.registrations_for(&["L0".into(), "L1499".into()], &[]).await.unwrap();
    assert_eq!(found_many.len(), 2);
    assert_eq!(found_many[1].specimen_id.as_deref(), Some("L1499"));
    assert_eq!(found[0].birth_date, time::macros::date!(1963 - 02 - 02));
    assert_eq!(store.registrations_for(&[], &["+821012345678".into()]).await.unwrap().len(), 1);
    assert!(store.registrations_for(&["nope".into()], &["+821099999999".into()]).await.unwrap().is_empty());
    assert!(store.registrations_for(&[], &[]).await.unwrap().is_empty());
    assert!(store.results_of_registrations(&[]).await.unwrap().is_empty());
    assert!(store.results_of_registrations(&[id]).await.unwrap().is_empty(), "no result was matched to it");
    let matched = store.results_of_registrations(&[7, 8]).await.unwrap();
    assert_eq!(matched.iter().map(|r| r.result.filler_order.as_str()).collect::<Vec<_>>(), ["A1"]);
    // Retention clears the raw text of old messages only, once.
    assert_eq!(store.purge_lab_messages(NOW).await.unwrap(), 0, "nothing is older than NOW");
    assert_eq!(store.purge_lab_messages(NOW + Duration::seconds(1)).await.unwrap(), 2);
    assert_eq!(store.purge_lab_messages(NOW + Duration::seconds(1)).await.unwrap(), 0);
    assert!(store.lab_result(queue[1].id).await.is_ok(), "results stay");
}

pub async fn a_texted_negative_gets_a_status_slot_and_a_correction_revokes_it<S: Store>(store: &S) {
    let message = |control_id: &str| lab_message("FLH", control_id);
    let result = lab_result;
    let sms = |key: &str| result_sms(key, "+821012345678");
    let before = store.status_list_len().await.unwrap();
    store
        .record_lab_message(
            &message("C1"),
            &[
                (result("B1", "F", "not_detected", None), Some(sms("result:B1"))),
                (result("B2", "F", "detected", Some("detected")), None),
                (result("B3", "F", "not_detected", Some("no_phone")), None),
            ],
        )
        .await
        .unwrap();
    let mut results = store.results_of_registrations(&[7]).await.unwrap();
    results.sort_by_key(|r| r.id);
    let slots: Vec<Option<u64>> = results.iter().map(|r| r.status_index).collect();
    assert_eq!(slots, [Some(before), None, None], "only the texted result has a slot");
    assert_eq!(store.status_list_len().await.unwrap(), before + 1, "the status list covers results too");

    // A clinician releases the queued negative: it gets the next slot with its SMS.
    store.handle_lab_result(results[2].id, "released", &audit(), Some(&sms("result:B3")), NOW).await.unwrap();
    assert_eq!(store.lab_result(results[2].id).await.unwrap().status_index, Some(before + 1));
    store.handle_lab_result(results[1].id, "called_reached", &audit(), None, NOW).await.unwrap();
    assert_eq!(store.lab_result(results[1].id).await.unwrap().status_index, None, "a call gets no slot");

    // The certificate is kept once: a second first view gets the first one.
    assert_eq!(store.set_result_certificate(results[0].id, "EP1:FIRST").await.unwrap(), "EP1:FIRST");
    assert_eq!(store.set_result_certificate(results[0].id, "EP1:SECOND").await.unwrap(), "EP1:FIRST");
    assert_eq!(store.lab_result(results[0].id).await.unwrap().certificate.as_deref(), Some("EP1:FIRST"));
    assert!(matches!(store.set_result_certificate(results[1].id, "EP1:X").await, Err(StoreError::NotFound)));

    // The lab corrects B1 to detected: its slot is revoked, once, even if the correction comes again.
    let changes_before = store.status_changes(0, 1000).await.unwrap().len();
    let corrected = result("B1", "C", "detected", Some("corrected_after_text"));
    let outbox_before = store.counts().await.unwrap().1;
    let alert = OutboxMessage { recipient: "+821099990000".into(), ..sms("result-alert:B1") };
    store.record_lab_message(&message("C2"), &[(corrected.clone(), Some(alert))]).await.unwrap();
    assert_eq!(store.counts().await.unwrap().1, outbox_before + 1, "the duty clinician's alert is written with it");
    let changes = store.status_changes(0, 1000).await.unwrap();
    assert_eq!(changes.len(), changes_before + 1);
    let last = changes.last().unwrap();
    assert_eq!((last.status_index, last.status), (before, surge_app::PassStatus::Revoked));
    let corrected_record =
        store.results_of_registrations(&[7]).await.unwrap().into_iter().find(|r| r.result.status == "C");
    assert_eq!(corrected_record.unwrap().status_index, None, "an alert gives the queued result no slot");
    let mut again = corrected;
    again.status = "X".into();
    store.record_lab_message(&message("C3"), &[(again, None)]).await.unwrap();
    assert_eq!(store.status_changes(0, 1000).await.unwrap().len(), changes_before + 1, "revoked once");
}

/// Issue 20 #2: two labs may use the same order number. Each lab's result is stored (never dropped as a
/// duplicate of the other's), each text is kept, and one lab's correction revokes only its own texted negative.
pub async fn two_labs_using_one_order_number_each_keep_their_result_and_correct_only_their_own<S: Store>(store: &S) {
    use surge_app::lab::NewLabResult;

    let from = |lab: &str, result: NewLabResult| NewLabResult { lab: lab.into(), ..result };
    let a = from("LAB-A", lab_result("X1", "F", "not_detected", None));
    let first = store
        .record_lab_message(&lab_message("LAB-A", "M1"), &[(a, Some(result_sms("", "+821011110000")))])
        .await
        .unwrap();
    assert_eq!((first.new_results, first.new_texted), (1, 1));
    // Lab B: the same order number, test and status, another patient, a positive. It is stored, not skipped.
    let b = from("LAB-B", lab_result("X1", "F", "detected", Some("detected")));
    let second = store.record_lab_message(&lab_message("LAB-B", "M1"), &[(b, None)]).await.unwrap();
    assert_eq!((second.duplicate, second.new_results, second.new_texted), (false, 1, 0));
    assert_eq!(store.result_queue(10).await.unwrap().iter().filter(|r| r.result.lab == "LAB-B").count(), 1);
    assert!(store.texted_negative("LAB-A", "X1", "94500-6").await.unwrap());
    assert!(!store.texted_negative("LAB-B", "X1", "94500-6").await.unwrap());
    // Lab B "corrects" X1: lab A's texted negative keeps its status.
    let changes = store.status_changes(0, 1000).await.unwrap().len();
    let correction = from("LAB-B", lab_result("X1", "C", "detected", Some("corrected_after_text")));
    store.record_lab_message(&lab_message("LAB-B", "M2"), &[(correction, None)]).await.unwrap();
    assert_eq!(store.status_changes(0, 1000).await.unwrap().len(), changes, "nothing of lab A's was revoked");
    // Both labs text a negative for X2: two texts, each keyed by its own result.
    let outbox = store.counts().await.unwrap().1;
    for (lab, phone) in [("LAB-A", "+821011110001"), ("LAB-B", "+821011110002")] {
        let negative = from(lab, lab_result("X2", "F", "not_detected", None));
        let recorded = store
            .record_lab_message(&lab_message(lab, "M3"), &[(negative, Some(result_sms("", phone)))])
            .await
            .unwrap();
        assert_eq!((recorded.duplicate, recorded.new_texted), (false, 1), "{lab}");
    }
    assert_eq!(store.counts().await.unwrap().1, outbox + 2, "both texts are kept");
    // Lab A sending its X1 again (a new control id) stores nothing more.
    let again = from("LAB-A", lab_result("X1", "F", "not_detected", None));
    let resent = store.record_lab_message(&lab_message("LAB-A", "M4"), &[(again, None)]).await.unwrap();
    assert_eq!((resent.duplicate, resent.new_results), (false, 0));
}

pub async fn lab_messages_recorded_at_once_each_get_their_own_answer<S: Store>(store: &S) {
    use surge_app::lab::NewLabResult;

    // 60 messages at once (SQLite writes such bursts in grouped transactions), each with one texted negative; ten
    // of them twice. Each caller hears about its own message, and nothing is stored or texted twice.
    // Messages 50..60 repeat 0..10: the same control id, the same result.
    let message = |i: usize| lab_message("GRP", &format!("G{}", i % 50));
    let result = |i: usize| NewLabResult {
        specimen_id: format!("GS{i}"),
        registration_id: Some(70 + i as i64),
        ..lab_result(&format!("GF{i}"), "F", "not_detected", None)
    };
    let sms = |i: usize| result_sms(&format!("result:GF{i}"), &format!("+8210{:08}", 32_000_000 + i));
    let calls = (0..60).map(|i| {
        let msg = message(i);
        let results = vec![(result(i % 50), Some(sms(i % 50)))];
        async move { store.record_lab_message(&msg, &results).await }
    });
    let answers: Vec<_> = futures_util::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let fresh = answers.iter().filter(|a| !a.duplicate).count();
    assert_eq!(fresh, 50, "one message per control id");
    assert_eq!(answers.iter().map(|a| a.new_results).sum::<usize>(), 50);
    for (i, a) in answers.iter().enumerate() {
        let same = &answers[i % 50];
        assert_eq!(a.message_id, same.message_id, "message {i} and {} are one", i % 50);
    }
    assert_eq!(store.counts().await.unwrap().1, 50, "one text per result");
}

pub async fn the_platform_facts_are_counted_by_day_hour_place_and_outcome<S: Store>(store: &S) {
    use surge_app::{FactCount, FactKind, PassStatus};

    let day = NOW.unix_timestamp() / 86_400 * 86_400;
    let hour = NOW.unix_timestamp() / 3600 * 3600;
    let org = approved_org(store, "F", "1111111119", 100).await;
    store.create_batch(org, [9; 32], &employees(0, 3), &[], NOW).await.unwrap();
    assert_eq!(drain(store).await.issued, 3);
    store.set_pass_status(1, PassStatus::Revoked, "lost", &audit(), NOW, None).await.unwrap();
    let checkpoint = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, NOW).await.unwrap();
    for (minutes, valid) in [(0, true), (1, false), (2, true), (61, true)] {
        let scan = crate::fixtures::scan(checkpoint, 0, valid, NOW + Duration::minutes(minutes));
        surge_app::scans::record(store, &scan).await.unwrap();
    }
    let counts = store.fact_counts(day).await.unwrap();
    let of = |kind: FactKind| counts.iter().filter(|c| c.kind == kind).cloned().collect::<Vec<_>>();
    let count = |kind, bucket, place: &str, outcome: &str, count| FactCount {
        kind,
        bucket,
        place: place.into(),
        outcome: outcome.into(),
        count,
    };
    assert_eq!(of(FactKind::PassesIssued), [count(FactKind::PassesIssued, day, "KR-26", "", 3)]);
    assert_eq!(of(FactKind::PassesRevoked), [count(FactKind::PassesRevoked, day, "KR-26", "", 1)]);
    let place = checkpoint.to_string();
    assert_eq!(
        of(FactKind::Scans),
        [
            count(FactKind::Scans, hour, &place, "invalid", 1),
            count(FactKind::Scans, hour, &place, "valid", 2),
            count(FactKind::Scans, hour + 3600, &place, "valid", 1),
        ]
    );
    assert_eq!(of(FactKind::Sms), [count(FactKind::Sms, day, "pass_issued", "created", 3)]);
    assert!(of(FactKind::Results).is_empty());
    let texts: String = counts.iter().map(|c| format!("{} {} ", c.place, c.outcome)).collect();
    assert!(!texts.contains("+82") && !texts.contains("Employee"), "no person in the facts: {texts}");
    let later = store.fact_counts(hour + 3600).await.unwrap();
    assert_eq!(later, [count(FactKind::Scans, hour + 3600, &place, "valid", 1)], "only the later scan");
    assert!(store.fact_counts(day + 86_400).await.unwrap().is_empty(), "nothing after the day");

    // The passes run from 1 to 8 March; one of the three is revoked.
    let in_force = |at: time::OffsetDateTime| store.passes_in_force(at.unix_timestamp());
    assert_eq!(in_force(NOW).await.unwrap(), 2, "three issued, one revoked");
    assert_eq!(in_force(time::macros::datetime!(2026-02-28 23:00 UTC)).await.unwrap(), 0, "not yet started");
    assert_eq!(in_force(time::macros::datetime!(2026-03-08 00:00 UTC)).await.unwrap(), 0, "expired");

    // A negative texted automatically, taken by the gateway 2½ minutes after the lab's message came.
    let negative = (lab_result("TM1", "F", "not_detected", None), Some(result_sms("", "+821055500001")));
    store.record_lab_message(&lab_message("FCT", "T1"), &[negative]).await.unwrap();
    let claimed = store.claim_messages(100, NOW).await.unwrap();
    let text = claimed.iter().find(|c| c.message.recipient == "+821055500001").expect("the result's text is due");
    let accepted = SendResult::Accepted { gateway: "log".into(), gateway_message_id: None };
    store.record_results(&[(text.id, accepted)], NOW + Duration::seconds(150)).await.unwrap();
    let counts = store.fact_counts(day).await.unwrap();
    let minutes: Vec<_> = counts.iter().filter(|c| c.kind == FactKind::ResultTextMinutes).cloned().collect();
    assert_eq!(minutes, [count(FactKind::ResultTextMinutes, day, "", "2", 1)]);
}

pub async fn every_change_leaves_its_event_in_the_log<S: Store>(store: &S) {
    use surge_app::{ApplicationDecision, EventPosition, LoggedEvent, PassStatus};
    use surge_domain::ApplicationStatus;

    use crate::fixtures::application;
    let ms = |at: time::OffsetDateTime| at.unix_timestamp() * 1000;
    let org = approved_org(store, "E", "1111111119", 100).await;
    store.create_batch(org, [8; 32], &employees(0, 2), &[], NOW).await.unwrap();
    assert_eq!(drain(store).await.issued, 2);
    store.set_pass_status(1, PassStatus::Revoked, "lost", &audit(), NOW, None).await.unwrap();
    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, NOW).await.unwrap();
    for (minutes, valid, reason) in [(1, true, None), (2, false, Some("expired")), (3, false, Some("bad_signature"))] {
        let scan = surge_app::NewScan {
            checkpoint_id: Some(gate),
            actor: "account:3".into(),
            status_index: Some(0),
            valid,
            reason: reason.map(str::to_owned),
            at: NOW + Duration::minutes(minutes),
            client_id: None,
        };
        surge_app::scans::record(store, &scan).await.unwrap();
    }
    let phone = "+821012345678";
    let applied = store.insert_application(&application(phone, "123A"), &audit(), &|_| None).await.unwrap();
    let approval = ApplicationDecision {
        status: ApplicationStatus::Approved,
        reason_en: "ok".into(),
        reason_ko: "ok".into(),
        decided_by: "account:7".into(),
    };
    let index = approve(store, applied, &approval).await.unwrap();
    let negative = (lab_result("TE1", "F", "not_detected", None), Some(result_sms("", "+821055500002")));
    store.record_lab_message(&lab_message("EVT", "E1"), &[negative]).await.unwrap();
    let claimed = store.claim_messages(100, NOW).await.unwrap();
    let text = claimed.iter().find(|c| c.message.recipient == "+821055500002").expect("the result's text is due");
    // The store keys a result's text by the result's id, and its events carry the same key.
    let key = text.message.idempotency_key.clone();
    let key = key.as_str();
    assert!(key.starts_with("result:"), "{key}");
    let accepted = SendResult::Accepted { gateway: "log".into(), gateway_message_id: None };
    store.record_results(&[(text.id, accepted)], NOW + Duration::seconds(150)).await.unwrap();

    // PostgreSQL shows a transaction's events once every transaction older than it has ended, wherever it runs (other
    // tests share the server): wait for the last change's event to be readable.
    for _ in 0..300 {
        let all = store.events_after(EventPosition::default(), 1000).await.unwrap();
        if all.iter().any(|e| e.kind == "result.texted") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Read in pages of three, as a consumer would, each page after the last one's position.
    let mut events: Vec<LoggedEvent> = Vec::new();
    let mut at = EventPosition::default();
    loop {
        let page = store.events_after(at, 3).await.unwrap();
        let Some(last) = page.last() else { break };
        assert!(page.len() <= 3);
        assert!(last.position > at, "positions only grow");
        at = last.position;
        events.extend(page);
    }
    let kinds: Vec<(&str, &str)> = events.iter().map(|e| (e.kind.as_str(), e.subject.as_str())).collect();
    let has = |kind: &str, subject: &str| kinds.contains(&(kind, subject));
    assert!(has("pass.issued", "0") && has("pass.issued", "1"), "{kinds:?}");
    assert!(has("pass.revoked", "1"), "{kinds:?}");
    assert!(has("scan.valid", "0") && has("scan.expired", "0") && has("scan.invalid", "0"), "{kinds:?}");
    let submitted = applied.to_string();
    assert!(has("application.submitted", &submitted) && has("application.approved", &submitted), "{kinds:?}");
    assert!(has("pass.issued", &index.to_string()), "the approved application's pass: {kinds:?}");
    assert!(has("result.received", key) && has("result.texted", key), "{kinds:?}");
    assert!(has("sms.sent", &text.id.to_string()), "{kinds:?}");
    assert!(!kinds.iter().any(|(k, _)| *k == "result.queued"), "a negative is texted, not queued");
    // Each event carries what the analytics need and nothing personal.
    let scan = events.iter().find(|e| e.kind == "scan.expired").unwrap();
    assert_eq!((scan.zone.as_str(), scan.checkpoint_id, scan.at_ms), ("KR-26", Some(gate), ms(NOW) + 120_000));
    let received = events.iter().find(|e| e.kind == "result.received").unwrap();
    assert_eq!(received.auto_text, Some(true));
    let texted = events.iter().find(|e| e.kind == "result.texted").unwrap();
    assert_eq!(texted.at_ms, ms(NOW) + 150_000);
    let revoked = events.iter().find(|e| e.kind == "pass.revoked").unwrap();
    assert_eq!(revoked.zone, "KR-26");
    let all = format!("{events:?}");
    assert!(!all.contains(phone) && !all.contains("Employee") && !all.contains("+8210555"), "{all}");
    // Nothing more after the last one, and a position from the middle gives the rest.
    assert!(store.events_after(at, 10).await.unwrap().is_empty());
    let rest = store.events_after(events[4].position, 100).await.unwrap();
    assert_eq!(rest, events[5..]);
}

pub async fn stream_results_are_stored_once_and_the_place_only_moves_forward<S: Store>(store: &S) {
    use surge_app::{EventPosition, LateRow, StreamAlert, StreamSave, WindowRow};

    let window = |minute, scope: &str, measure: &str, count| WindowRow {
        minute,
        scope: scope.into(),
        measure: measure.into(),
        count,
    };
    let late =
        |event_id, minute| LateRow { event_id, minute, scope: "zone:KR-26".into(), measure: "scan.valid".into() };
    let alert = |subject: &str, at_ms| StreamAlert {
        rule: "possible_cloned_pass".into(),
        subject: subject.into(),
        at_ms,
        detail: "pass 42 scanned 180 km apart in 60 s".into(),
    };
    assert_eq!(store.stream_place("live").await.unwrap(), None);
    let first = EventPosition { tx: 0, id: 40 };
    let save = StreamSave {
        consumer: "live".into(),
        position: first,
        windows: vec![window(10, "zone:KR-26", "scan.valid", 3), window(11, "checkpoint:3", "scan.invalid", 1)],
        late: vec![late(7, 9), late(8, 9)],
        alerts: vec![alert("pass:42", 600_000)],
        state: Some((first, b"state at 40".to_vec())),
        at: NOW,
    };
    store.save_stream(&save).await.unwrap();
    let place = store.stream_place("live").await.unwrap().unwrap();
    assert_eq!((place.position, place.state), (first, Some((first, b"state at 40".to_vec()))));

    // Further on, without a state: the place moves and the stored state stays.
    let later = EventPosition { tx: 0, id: 90 };
    let more = StreamSave {
        position: later,
        windows: vec![window(10, "zone:KR-26", "scan.valid", 4)],
        late: vec![late(9, 10)],
        alerts: vec![alert("pass:43", 700_000)],
        state: None,
        ..save.clone()
    };
    store.save_stream(&more).await.unwrap();
    // A replay of the first batch from an older state: its results are already there, the place does not go back.
    let replay = StreamSave { state: Some((EventPosition { tx: 0, id: 5 }, b"older".to_vec())), ..save.clone() };
    store.save_stream(&replay).await.unwrap();
    let place = store.stream_place("live").await.unwrap().unwrap();
    assert_eq!((place.position, place.state), (later, Some((first, b"state at 40".to_vec()))));
    assert_eq!(
        store.stream_windows(0).await.unwrap(),
        [window(10, "zone:KR-26", "scan.valid", 3), window(11, "checkpoint:3", "scan.invalid", 1)],
        "the replay's count of minute 10 replaced the one stored between, as its minute was closed with 3"
    );
    assert_eq!(store.stream_windows(11).await.unwrap().len(), 1, "from minute 11 on");
    assert_eq!(
        store.stream_late(0).await.unwrap(),
        [window(9, "zone:KR-26", "scan.valid", 2), window(10, "zone:KR-26", "scan.valid", 1)],
        "each late event once"
    );
    let alerts = store.stream_alerts(10).await.unwrap();
    assert_eq!(alerts, [alert("pass:43", 700_000), alert("pass:42", 600_000)], "newest first, each once");
    assert_eq!(store.stream_alerts(1).await.unwrap().len(), 1);
    // Another consumer keeps its own place.
    let other = StreamSave { consumer: "replay".into(), state: None, ..save };
    store.save_stream(&other).await.unwrap();
    assert_eq!(store.stream_place("replay").await.unwrap().unwrap().state, None);
}

/// The stored minute counts of one scope (`checkpoint:3`, `zone:KR-26`), by minute and measure.
pub async fn stored_counts<S: Store>(store: &S, scope: &str) -> std::collections::BTreeMap<(i64, String), u64> {
    let windows = store.stream_windows(0).await.unwrap();
    windows.into_iter().filter(|w| w.scope == scope).map(|w| ((w.minute, w.measure), w.count)).collect()
}

pub async fn a_consumer_restarted_mid_stream_stores_the_counts_of_one_that_never_stopped<S: Store>(store: &S) {
    use std::collections::BTreeMap;
    use surge_app::analytics::{Consumer, ConsumerSettings};

    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, NOW).await.unwrap();
    // 120 scans over 12 minutes, every third not valid.
    let mut expected: BTreeMap<(i64, String), u64> = BTreeMap::new();
    for i in 0..120i64 {
        let at = NOW + Duration::seconds(i * 6);
        let valid = i % 3 != 0;
        let scan = crate::fixtures::scan(gate, i as u64, valid, at);
        store.record_scan(&scan, None).await.unwrap();
        let measure = if valid { "scan.valid" } else { "scan.invalid" };
        *expected.entry((at.unix_timestamp() / 60, measure.to_owned())).or_insert(0) += 1;
    }
    // PostgreSQL shows events once older transactions elsewhere on the server have ended: wait for all 120.
    let mut last = surge_app::EventPosition::default();
    for _ in 0..300 {
        let all = store.events_after(surge_app::EventPosition::default(), 1000).await.unwrap();
        if all.len() == 120 {
            last = all[119].position;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let settings = ConsumerSettings { batch: 7, state_every: 3, ..ConsumerSettings::default() };
    let later = NOW + Duration::hours(2);
    // The first run reads 11 batches (a state is stored with the 1st, 4th, 7th and 10th) and stops, as if the
    // process died.
    let mut consumer = Consumer::start(store, "live", settings.clone()).await.unwrap();
    for _ in 0..11 {
        assert_eq!(consumer.run_once(store, NOW).await.unwrap().read, 7);
    }
    let place = store.stream_place("live").await.unwrap().unwrap();
    let (state_at, _) = place.state.clone().expect("a state was stored");
    assert!(state_at < place.position, "the restart has events to read again: {state_at:?} {:?}", place.position);
    drop(consumer);
    let mut consumer = Consumer::start(store, "live", settings).await.unwrap();
    assert_eq!(consumer.position(), state_at);
    while consumer.position() < last {
        assert!(consumer.run_once(store, NOW).await.unwrap().read > 0);
    }
    // The stream goes quiet; the clock closes the last minutes.
    consumer.run_once(store, later).await.unwrap();
    let stored = stored_counts(store, &format!("checkpoint:{gate}")).await;
    assert_eq!(stored, expected, "every scan counted once in its minute");
    let zone: u64 = stored_counts(store, "zone:KR-26").await.values().sum();
    assert_eq!(zone, 120, "and once under its zone");
    assert!(store.stream_late(0).await.unwrap().is_empty(), "nothing came late");
}

pub async fn a_replay_from_a_time_recounts_the_minutes_from_then_on_and_no_earlier<S: Store>(store: &S) {
    use std::collections::BTreeMap;
    use surge_app::analytics::{Consumer, ConsumerSettings};

    assert_eq!(store.event_place_at(0).await.unwrap(), None, "an empty log has no place to start from");
    let gate = store.insert_checkpoint("Gate", "KR-26", 35.1, 129.0, NOW).await.unwrap();
    // 60 valid scans over 6 minutes from NOW (a whole minute).
    for i in 0..60i64 {
        let scan = crate::fixtures::scan(gate, i as u64, true, NOW + Duration::seconds(i * 6));
        store.record_scan(&scan, None).await.unwrap();
    }
    let mut all = Vec::new();
    for _ in 0..300 {
        all = store.events_after(surge_app::EventPosition::default(), 1000).await.unwrap();
        if all.len() == 60 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(all.len(), 60);
    let now_ms = NOW.unix_timestamp() * 1000;
    let first = store.event_place_at(now_ms + 120_000).await.unwrap().expect("a place before the 21st scan");
    assert_eq!(store.events_after(first, 1).await.unwrap()[0].position, all[20].position);
    assert_eq!(store.event_place_at(now_ms + 3_600_000).await.unwrap(), None);

    let minute0 = NOW.unix_timestamp() / 60;
    let scope = format!("checkpoint:{gate}");
    let counts = |rows: Vec<surge_app::WindowRow>| -> BTreeMap<i64, u64> {
        rows.into_iter().filter(|w| w.scope == scope).map(|w| (w.minute - minute0, w.count)).collect()
    };
    // Stored counts gone wrong in minutes 1 and 4 (say, by a consumer of an older release).
    let wrong = |minute: i64| surge_app::WindowRow {
        minute: minute0 + minute,
        scope: scope.clone(),
        measure: "scan.valid".into(),
        count: 99,
    };
    let save = surge_app::StreamSave {
        consumer: "old".into(),
        position: surge_app::EventPosition::default(),
        windows: vec![wrong(1), wrong(4)],
        late: Vec::new(),
        alerts: Vec::new(),
        state: None,
        at: NOW,
    };
    store.save_stream(&save).await.unwrap();
    // A replay from 30 s into minute 2 starts at its first event (less the disorder) and stores minutes 2 to 5.
    let settings = ConsumerSettings { batch: 7, idle_after_ms: 0, ..ConsumerSettings::default() };
    let from = store.event_place_at((minute0 + 2) * 60_000 - 5_000).await.unwrap().unwrap();
    let mut replay = Consumer::replay("replay", settings, from, minute0 + 2);
    while replay.run_once(store, NOW + Duration::hours(2)).await.unwrap() != Default::default() {}
    assert_eq!(
        counts(store.stream_windows(0).await.unwrap()),
        BTreeMap::from([(1, 99), (2, 10), (3, 10), (4, 10), (5, 10)]),
        "minutes from the replay's first are counted again; the one before it is left as it was"
    );
    // From the start, every minute is counted again.
    let settings = ConsumerSettings { batch: 50, idle_after_ms: 0, ..ConsumerSettings::default() };
    let mut replay = Consumer::replay("replay", settings, surge_app::EventPosition::default(), i64::MIN);
    while replay.run_once(store, NOW + Duration::hours(2)).await.unwrap() != Default::default() {}
    assert_eq!(counts(store.stream_windows(0).await.unwrap()), (0..6).map(|m| (m, 10)).collect());
}

pub async fn an_alert_texts_the_duty_official_once_however_often_it_is_raised<S: Store>(store: &S) {
    use surge_app::analytics::{ALERT_SMS, Consumer, ConsumerSettings};

    // Busan and Seoul, 325 km apart: one pass scanned valid at both within a minute.
    let busan = store.insert_checkpoint("Busan", "KR-26", 35.18, 129.08, NOW).await.unwrap();
    let seoul = store.insert_checkpoint("Seoul", "KR-11", 37.57, 126.98, NOW).await.unwrap();
    for (i, gate) in [busan, seoul].into_iter().enumerate() {
        let scan = crate::fixtures::scan(gate, 7, true, NOW + Duration::seconds(i as i64 * 40));
        store.record_scan(&scan, None).await.unwrap();
    }
    for _ in 0..300 {
        if store.events_after(surge_app::EventPosition::default(), 10).await.unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let settings = ConsumerSettings { alert_sms_to: Some("+821012345678".into()), ..ConsumerSettings::default() };
    // The live consumer, and another reading the same log from the start (as after a lost state): the same alert.
    for name in ["live", "again"] {
        let mut consumer = Consumer::start(store, name, settings.clone()).await.unwrap();
        consumer.set_checkpoints(&store.checkpoints().await.unwrap());
        assert_eq!(consumer.run_once(store, NOW).await.unwrap().alerts, 1, "{name}");
    }
    let filter = surge_app::MessageFilter { kind: Some(ALERT_SMS.into()), limit: 10, ..Default::default() };
    let texts = store.messages(&filter).await.unwrap();
    assert_eq!(texts.len(), 1, "one text for one alert: {texts:?}");
    assert_eq!(texts[0].recipient, "+821012345678");
    let body = texts[0].body.clone().unwrap_or_default();
    assert!(body.contains("possible copied pass") && body.contains("pass:7"), "{body}");
    // Without a duty phone, nobody is texted.
    let mut quiet = Consumer::start(store, "quiet", ConsumerSettings::default()).await.unwrap();
    quiet.set_checkpoints(&store.checkpoints().await.unwrap());
    assert_eq!(quiet.run_once(store, NOW).await.unwrap().alerts, 1);
    assert_eq!(store.messages(&filter).await.unwrap().len(), 1);
}

fn facility(name: &str, capacity: u32) -> surge_app::monitoring::NewFacility {
    surge_app::monitoring::NewFacility {
        name: name.to_owned(),
        kind: "centre".to_owned(),
        capacity,
        check_in_times: "09:00,17:00".to_owned(),
        created_at: NOW,
    }
}

fn admission(facility_id: i64, phone: &str) -> surge_app::monitoring::NewAdmission {
    use time::macros::date;
    surge_app::monitoring::NewAdmission {
        facility_id,
        name: "김민준".to_owned(),
        birth_date: date!(1968 - 04 - 25),
        phone: phone.to_owned(),
        onset: date!(2026 - 02 - 26),
        confirmed_on: date!(2026 - 02 - 28),
        comorbidities: "hypertension".to_owned(),
        room: "301".to_owned(),
        spo2_scale: 1,
        lab_result_id: None,
        language: "ko".to_owned(),
        admitted_at: NOW,
    }
}

fn moving(
    id: i64,
    from: surge_monitoring::AdmissionState,
    to: surge_monitoring::AdmissionState,
    reason: &str,
    at: OffsetDateTime,
) -> surge_app::monitoring::AdmissionMove {
    surge_app::monitoring::AdmissionMove { id, from, to, reason: reason.to_owned(), at }
}

fn admit_audit() -> AuditEntry {
    AuditEntry {
        actor: "account:1".into(),
        action: "monitoring.admit".into(),
        subject: "facility".into(),
        detail: "by hand".into(),
    }
}

fn observed(
    admission_id: i64,
    key: Option<&str>,
    at: OffsetDateTime,
    spo2: u8,
) -> surge_app::monitoring::NewObservation {
    surge_app::monitoring::NewObservation {
        admission_id,
        source: "device".to_owned(),
        source_key: key.map(str::to_owned),
        observed_at: at,
        received_at: at,
        vitals: surge_monitoring::Vitals {
            spo2: Some(spo2),
            temperature: Some(surge_monitoring::Temperature::from_tenths(381)),
            on_oxygen: Some(false),
            consciousness: Some(surge_monitoring::Consciousness::Alert),
            ..surge_monitoring::Vitals::default()
        },
        spo2_scale: 1,
        news2: 2,
        risk: surge_monitoring::Risk::Low,
        complete: false,
        hard_triggers: String::new(),
        symptoms: "cough;fever".to_owned(),
        note: String::new(),
    }
}

fn alert(admission_id: i64, key: &str, at: OffsetDateTime) -> surge_app::monitoring::NewMonitoringAlert {
    surge_app::monitoring::NewMonitoringAlert {
        admission_id,
        kind: "missed_check_in".to_owned(),
        detail: key.to_owned(),
        at,
        key: key.to_owned(),
    }
}

pub async fn a_facility_keeps_one_open_admission_per_person_and_never_more_than_its_capacity<S: Store>(store: &S) {
    use surge_app::monitoring::AdmissionFilter;
    use surge_monitoring::AdmissionState;

    let small = store.insert_facility(&facility("Seoul centre", 2)).await.unwrap();
    assert!(matches!(store.insert_facility(&facility("Seoul centre", 5)).await, Err(StoreError::Conflict)));
    let large = store.insert_facility(&facility("Home isolation", 100)).await.unwrap();
    let sms = result_sms("welcome", "+821011112222");
    let first = store.admit(&admission(small, "+821011112222"), &admit_audit(), Some(&sms)).await.unwrap();
    let record = store.admission(first).await.unwrap();
    assert_eq!(record.admission, admission(small, "+821011112222"));
    assert_eq!(record.state, AdmissionState::Admitted);
    assert_eq!((record.follow.followed_to, record.follow.reminded_to, record.follow.missed_in_row), (NOW, NOW, 0));
    let audit = store.audit_entries(0, 1000).await.unwrap();
    assert!(
        audit.iter().any(|e| e.entry.action == "monitoring.admit" && e.entry.subject == format!("admission:{first}"))
    );
    let welcome = store
        .messages(&MessageFilter { kind: Some("result_negative".into()), limit: 100, ..MessageFilter::default() })
        .await
        .unwrap();
    assert_eq!(welcome.len(), 1, "the welcome text is stored with the admission");
    // The same person (phone and birth date) again, in any facility: refused while the first is open.
    assert!(matches!(
        store.admit(&admission(large, "+821011112222"), &admit_audit(), None).await,
        Err(StoreError::Conflict)
    ));
    store.admit(&admission(small, "+821011113333"), &admit_audit(), None).await.unwrap();
    let full = store.admit(&admission(small, "+821011114444"), &admit_audit(), None).await;
    assert!(matches!(full, Err(StoreError::QuotaExceeded { quota: 2, used: 2, requested: 1 })), "{full:?}");
    assert!(matches!(
        store.admit(&admission(9999, "+821011115555"), &admit_audit(), None).await,
        Err(StoreError::NotFound)
    ));
    // A discharge frees the place and the person.
    let audit_entry =
        AuditEntry { action: "monitoring.discharged".into(), subject: format!("admission:{first}"), ..admit_audit() };
    let moved = store
        .move_admission(
            &moving(first, AdmissionState::Admitted, AdmissionState::Discharged, "10 days", NOW),
            &audit_entry,
            None,
        )
        .await;
    moved.unwrap();
    let again = store
        .move_admission(
            &moving(first, AdmissionState::Admitted, AdmissionState::Transferred, "x", NOW),
            &audit_entry,
            None,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "moved only from the state read");
    let missing = store
        .move_admission(
            &moving(9999, AdmissionState::Admitted, AdmissionState::Discharged, "x", NOW),
            &audit_entry,
            None,
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
    let closed = store.admission(first).await.unwrap();
    assert_eq!(
        (closed.state, closed.state_reason.as_deref(), closed.closed_at),
        (AdmissionState::Discharged, Some("10 days"), Some(NOW))
    );
    let readmitted = store.admit(&admission(small, "+821011112222"), &admit_audit(), None).await.unwrap();
    assert_ne!(readmitted, first);
    // One result starts one admission.
    let from_result =
        |phone: &str| surge_app::monitoring::NewAdmission { lab_result_id: Some(77), ..admission(large, phone) };
    store.admit(&from_result("+821011116666"), &admit_audit(), None).await.unwrap();
    assert!(matches!(
        store.admit(&from_result("+821011117777"), &admit_audit(), None).await,
        Err(StoreError::Conflict)
    ));
    // Ten admissions at once into three free places: exactly three are taken.
    let rush = store.insert_facility(&facility("Rush", 3)).await.unwrap();
    let attempts = (0..10).map(|i| {
        let a = admission(rush, &format!("+8210222200{i:02}"));
        async move { store.admit(&a, &admit_audit(), None).await }
    });
    let results = futures_util::future::join_all(attempts).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3, "{results:?}");
    assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(StoreError::QuotaExceeded { .. }))));
    let facilities = store.facilities().await.unwrap();
    let counts: Vec<(String, u32)> = facilities.iter().map(|f| (f.name.clone(), f.open_admissions)).collect();
    assert_eq!(counts, [("Home isolation".to_owned(), 1), ("Rush".to_owned(), 3), ("Seoul centre".to_owned(), 2)]);
    let open_in_small = store.admissions(&AdmissionFilter { facility_id: Some(small), open_only: true }).await.unwrap();
    assert_eq!(open_in_small.len(), 2);
    let all_in_small = store.admissions(&AdmissionFilter { facility_id: Some(small), open_only: false }).await.unwrap();
    assert_eq!(all_in_small.len(), 3);
}

pub async fn observations_are_kept_once_per_senders_key_and_the_first_starts_monitoring<S: Store>(store: &S) {
    use surge_app::monitoring::Recorded;
    use surge_monitoring::AdmissionState;

    let f = store.insert_facility(&facility("Centre", 10)).await.unwrap();
    let a = store.admit(&admission(f, "+821011112222"), &admit_audit(), None).await.unwrap();
    let b = store.admit(&admission(f, "+821011113333"), &admit_audit(), None).await.unwrap();
    let first_audit = AuditEntry {
        actor: "system".into(),
        action: "monitoring.first_report".into(),
        subject: format!("admission:{a}"),
        detail: String::new(),
    };
    let t = |minutes: i64| NOW + Duration::minutes(minutes);
    let alerts = [alert(a, "trigger:a:1", t(10))];
    let stored = store.record_observation(&observed(a, Some("obs-1"), t(10), 93), &alerts, &first_audit).await.unwrap();
    assert!(matches!(stored, Recorded::Stored(_)));
    // The same sender's key again (a retried POST): nothing new, not even its alert.
    let again = store
        .record_observation(&observed(a, Some("obs-1"), t(11), 80), &[alert(a, "other", t(11))], &first_audit)
        .await
        .unwrap();
    assert_eq!(again, Recorded::Repeated);
    // Another admission may use the same key: keys are the sender's, per patient.
    assert!(matches!(
        store.record_observation(&observed(b, Some("obs-1"), t(5), 97), &[], &first_audit).await.unwrap(),
        Recorded::Stored(_)
    ));
    // Without a key every set is kept; an older one arriving late does not move the last report back.
    store
        .record_observation(&observed(a, None, t(60), 95), &[alert(a, "trigger:a:1", t(60))], &first_audit)
        .await
        .unwrap();
    store.record_observation(&observed(a, None, t(30), 94), &[], &first_audit).await.unwrap();
    let record = store.admission(a).await.unwrap();
    assert_eq!((record.state, record.last_report_at), (AdmissionState::Monitoring, Some(t(60))));
    let firsts = store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entry.action == "monitoring.first_report")
        .count();
    assert_eq!(firsts, 2, "one first report for each admission, however many follow");
    let all = store.observations(a).await.unwrap();
    let seen: Vec<(OffsetDateTime, Option<u8>)> =
        all.iter().map(|o| (o.observation.observed_at, o.observation.vitals.spo2)).collect();
    assert_eq!(seen, [(t(10), Some(93)), (t(30), Some(94)), (t(60), Some(95))]);
    assert_eq!(all[0].observation, observed(a, Some("obs-1"), t(10), 93), "read back as stored");
    let latest = store.latest_observations(&[a, b, 9999], 2).await.unwrap();
    let seen: Vec<(i64, OffsetDateTime)> =
        latest.iter().map(|o| (o.observation.admission_id, o.observation.observed_at)).collect();
    assert_eq!(seen, [(a, t(60)), (a, t(30)), (b, t(5))]);
    assert_eq!(store.report_times(a, t(30)).await.unwrap(), [t(30), t(60)]);
    let raised = store.monitoring_alerts(&[a, b], NOW).await.unwrap();
    assert_eq!(raised.len(), 1, "an alert is raised once per key: {raised:?}");
    // A closed admission takes no more; an unknown one is not found.
    let discharge = AuditEntry { action: "monitoring.discharged".into(), ..first_audit.clone() };
    store
        .move_admission(
            &moving(a, AdmissionState::Monitoring, AdmissionState::Discharged, "well", t(70)),
            &discharge,
            None,
        )
        .await
        .unwrap();
    assert!(matches!(
        store.record_observation(&observed(a, None, t(80), 97), &[], &first_audit).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.record_observation(&observed(9999, None, t(80), 97), &[], &first_audit).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn the_check_in_follower_moves_only_from_where_it_read_and_a_lost_race_stores_nothing<S: Store>(store: &S) {
    use surge_app::monitoring::Follow;
    use surge_monitoring::AdmissionState;

    let f = store.insert_facility(&facility("Centre", 10)).await.unwrap();
    let a = store.admit(&admission(f, "+821011112222"), &admit_audit(), None).await.unwrap();
    let start = store.admission(a).await.unwrap().follow;
    let later =
        Follow { reminded_to: NOW + Duration::hours(3), followed_to: NOW + Duration::hours(3), missed_in_row: 1 };
    let text = result_sms("monitoring-check-in:1", "+821011112222");
    store.advance_follow(a, &start, &later, std::slice::from_ref(&text), &[alert(a, "missed:1", NOW)]).await.unwrap();
    assert_eq!(store.admission(a).await.unwrap().follow, later);
    // A second follower that read the old place loses: none of its texts or alerts are stored.
    let other = result_sms("monitoring-check-in:2", "+821011112222");
    let lost = store.advance_follow(a, &start, &later, &[other], &[alert(a, "missed:2", NOW)]).await;
    assert!(matches!(lost, Err(StoreError::Conflict)));
    let texts = store.messages(&MessageFilter { limit: 100, ..MessageFilter::default() }).await.unwrap();
    assert_eq!(texts.iter().filter(|m| m.recipient == "+821011112222").count(), 1);
    assert_eq!(store.monitoring_alerts(&[a], NOW).await.unwrap().len(), 1);
    // A closed admission is not followed.
    let audit =
        AuditEntry { action: "monitoring.transferred".into(), subject: format!("admission:{a}"), ..admit_audit() };
    store
        .move_admission(&moving(a, AdmissionState::Admitted, AdmissionState::Transferred, "SpO2 90", NOW), &audit, None)
        .await
        .unwrap();
    let after = Follow { reminded_to: NOW + Duration::hours(6), ..later };
    assert!(matches!(store.advance_follow(a, &later, &after, &[], &[]).await, Err(StoreError::Conflict)));
}

pub async fn notes_alerts_and_retention_keep_to_their_admission<S: Store>(store: &S) {
    use surge_app::monitoring::NewNote;
    use surge_monitoring::AdmissionState;

    let f = store.insert_facility(&facility("Centre", 10)).await.unwrap();
    let a = store.admit(&admission(f, "+821011112222"), &admit_audit(), None).await.unwrap();
    let b = store.admit(&admission(f, "+821011113333"), &admit_audit(), None).await.unwrap();
    let note = |admission_id: i64, kind: &str, link: Option<&str>| NewNote {
        admission_id,
        kind: kind.to_owned(),
        body: "숨이 차다고 함".to_owned(),
        link: link.map(str::to_owned),
        author: "account:3".to_owned(),
        at: NOW,
    };
    store.add_note(&note(a, "call", None)).await.unwrap();
    store.add_note(&note(a, "video", Some("https://meet.example/abc"))).await.unwrap();
    store.add_note(&note(b, "note", None)).await.unwrap();
    assert!(matches!(store.add_note(&note(9999, "note", None)).await, Err(StoreError::NotFound)));
    let notes = store.notes(a).await.unwrap();
    assert_eq!(
        notes.iter().map(|n| n.note.clone()).collect::<Vec<_>>(),
        [note(a, "call", None), note(a, "video", Some("https://meet.example/abc"))]
    );
    let first_audit = AuditEntry {
        actor: "system".into(),
        action: "monitoring.first_report".into(),
        subject: String::new(),
        detail: String::new(),
    };
    for id in [a, b] {
        let alerts = [alert(id, &format!("k:{id}"), NOW + Duration::hours(1))];
        store
            .record_observation(&observed(id, None, NOW + Duration::hours(1), 96), &alerts, &first_audit)
            .await
            .unwrap();
    }
    assert_eq!(store.monitoring_alerts(&[a], NOW).await.unwrap().len(), 1);
    assert_eq!(store.monitoring_alerts(&[a, b], NOW + Duration::hours(2)).await.unwrap().len(), 0, "since is kept");
    // Retention: only what belongs to admissions closed before the cut-off goes.
    let discharge =
        AuditEntry { action: "monitoring.discharged".into(), subject: format!("admission:{a}"), ..admit_audit() };
    let closed_at = NOW + Duration::days(1);
    store
        .move_admission(
            &moving(a, AdmissionState::Monitoring, AdmissionState::Discharged, "well", closed_at),
            &discharge,
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.purge_closed_admissions(closed_at).await.unwrap(), 0, "not yet past the cut-off");
    assert_eq!(store.purge_closed_admissions(closed_at + Duration::seconds(1)).await.unwrap(), 1);
    assert!(store.observations(a).await.unwrap().is_empty() && store.notes(a).await.unwrap().is_empty());
    assert_eq!(store.observations(b).await.unwrap().len(), 1);
    assert_eq!(store.notes(b).await.unwrap().len(), 1);
    assert_eq!(store.admission(a).await.unwrap().state, AdmissionState::Discharged, "the admission itself stays");
}
