//! Lab result pages: the registration form a collection site links to from the QR code it prints (one form, the
//! sample number filled in from the link), and the clinicians' queue: results that were not texted, most urgent
//! first, each with its reason and the calls made, and a negative released by text one at a time.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use surge_app::results::{ClinicianAction, RegistrationForm, handle_queued, register_for_results};
use surge_app::{AppError, Role, Store};

use crate::AppState;
use crate::access::session::ClientAddress;
use crate::i18n::Lang;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, field_errors, sorry};
use crate::kit::escape;

type Q = Query<HashMap<String, String>>;

const CLINICAL: [Role; 2] = [Role::Admin, Role::Clinician];

fn register_form(ctx: &PageCtx, values: &HashMap<String, String>, errors: &[(String, String)]) -> String {
    let lang = ctx.lang;
    let get = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    let input = |name: &'static str, kind: &'static str, autocomplete: &'static str| {
        field(
            lang,
            &Field {
                name,
                label: lang.t(&format!("results.{name}")),
                hint: lang.t(&format!("results.{name}.hint")),
                kind,
                autocomplete,
                value: get(name),
                attributes: "",
            },
            error_for(errors, name),
        )
    };
    format!(
        "{summary}<h1>{title}</h1><p>{lead}</p><form method=\"post\" action=\"/results/register\" novalidate>{csrf}\
         {specimen}{family}{given}{birth}{phone}<button type=\"submit\">{submit}</button></form>",
        summary = error_summary(lang, errors),
        title = lang.t("results.register.title"),
        lead = lang.t("results.register.lead"),
        csrf = ctx.csrf_input(),
        specimen = input("specimen_id", "text", "off"),
        family = input("family", "text", "family-name"),
        given = input("given", "text", "given-name"),
        birth = input("birth_date", "text", "bday"),
        phone = input("phone", "tel", "tel"),
        submit = lang.t("results.register.submit"),
    )
}

pub async fn register_page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    // The collection site's QR code carries the sample number.
    let values: HashMap<String, String> =
        query.get("specimen").map(|s| HashMap::from([("specimen_id".to_owned(), s.clone())])).unwrap_or_default();
    let body = register_form(&ctx, &values, &[]);
    let title = ctx.t("results.register.title");
    ctx.render_for("results.service", StatusCode::OK, title, &body, Some("/results/register"))
}

pub async fn register_submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Q,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    let lang = ctx.lang;
    let Some(config) = state.results.clone() else { return sorry(lang) };
    let now = (state.clock)();
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let typed = RegistrationForm {
        specimen_id: get("specimen_id"),
        family: get("family"),
        given: get("given"),
        birth_date: get("birth_date"),
        phone: get("phone"),
        lang: Some(lang.code()),
    };
    let result = register_for_results(&state.store, &config, &typed, &address, now).await;
    match result {
        Ok(_) => {
            let masked =
                surge_domain::Phone::parse(get("phone"), &config.phone_region).map(|p| p.masked()).unwrap_or_default();
            let body = format!(
                "<div class=\"panel\"><h1>{}</h1></div><p>{}</p><p>{}</p>",
                lang.t("results.registered.title"),
                surge_domain::korean::fill(lang.t("results.registered.body"), &[("phone", &escape(&masked))]),
                lang.t("results.registered.next"),
            );
            let title = lang.t("results.registered.title");
            ctx.render_for("results.service", StatusCode::OK, title, &body, None)
        }
        Err(AppError::RateLimited { retry_after_seconds }) => {
            crate::access::pages::rate_limited(ctx, "/results/register", retry_after_seconds)
        }
        Err(AppError::InvalidForm(problems)) => {
            let errors = field_errors(lang, &problems);
            let body = register_form(&ctx, &form, &errors);
            let title = format!("{} {}", lang.t("error.prefix"), lang.t("results.register.title"));
            ctx.render_for("results.service", StatusCode::UNPROCESSABLE_ENTITY, &title, &body, None)
        }
        Err(e) => {
            tracing::error!(error = ?e, "registering for a result failed");
            sorry(lang)
        }
    }
}

/// The label a collection site prints for a sample: a QR code that opens the registration form with the sample
/// number filled in, and the same as words for those who type it or send it by SMS.
pub async fn label_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&CLINICAL).is_err() {
        return ctx.refuse_staff("/results/label");
    }
    let lang = ctx.lang;
    let specimen = query.get("specimen").map(|s| s.trim().to_owned()).unwrap_or_default();
    let form = format!(
        "<form method=\"get\" action=\"/results/label\" class=\"noprint\">{}<button type=\"submit\">{}</button></form>",
        field(
            lang,
            &Field {
                name: "specimen",
                label: lang.t("results.specimen_id"),
                hint: lang.t("results.label.hint"),
                kind: "text",
                autocomplete: "off",
                value: &specimen,
                attributes: "",
            },
            None,
        ),
        lang.t("results.label.make"),
    );
    let valid = !specimen.is_empty() && specimen.len() <= 64 && specimen.chars().all(|c| c.is_ascii_graphic());
    let label = if valid {
        let base =
            state.signer.as_ref().map(|s| s.public_base_url.trim_end_matches('/').to_owned()).unwrap_or_default();
        let link = format!("{base}/results/register?specimen={}", crate::kit::ctx::percent_encode(&specimen));
        match surge_pass::qr_svg(&link) {
            Ok(svg) => format!(
                "<div class=\"label\"><div class=\"qr\">{svg}</div><p class=\"code\">{code}</p><p>{scan}</p><p>{sms}</p></div>",
                svg = crate::kit::qr_named(&svg, lang.t("qr.label")),
                code = escape(&specimen),
                scan = lang.t("results.label.scan"),
                sms = lang.t("results.label.sms").replace("{specimen}", &escape(&specimen)),
            ),
            Err(e) => {
                tracing::error!(error = %e, "drawing a label's QR code failed");
                return sorry(lang);
            }
        }
    } else {
        String::new()
    };
    let body = format!("<h1 class=\"noprint\">{}</h1>{form}{label}", lang.t("results.label.title"));
    let title = lang.t("results.label.title");
    ctx.render_for("results.service", StatusCode::OK, title, &body, Some("/results/label"))
}

/// A patient's own results, behind a one-time code to their phone (the sign-in). Only negatives that were texted
/// or released are shown; anything else says a clinician will call, as it must be told by a person first.
pub async fn mine_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    let crate::access::auth::Principal::Citizen { phone, .. } = &ctx.principal else {
        return ctx.refuse("/results/mine");
    };
    let lang = ctx.lang;
    let results = match surge_app::results::of_patient(&state.store, phone).await {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, "reading a patient's results failed");
            return sorry(lang);
        }
    };
    let mut body = format!("<h1>{}</h1>", lang.t("results.mine.title"));
    if results.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("results.mine.none")));
    }
    if let Err(e) = state.caches.refresh_statuses(&state.store).await {
        tracing::error!(error = %e, "reading pass statuses failed");
        return sorry(lang);
    }
    let now = (state.clock)();
    for record in &results {
        let r = &record.result;
        let told =
            r.interpretation == "not_detected" && (r.texted || record.queue_state.as_deref() == Some("released"));
        let revoked = match record.status_index {
            Some(index) => match state.caches.status(&state.store, index).await {
                Ok((status, _)) => status != surge_app::PassStatus::Valid,
                Err(e) => {
                    tracing::error!(error = %e, "reading a result's status failed");
                    return sorry(lang);
                }
            },
            None => false,
        };
        let collected = surge_app::results::hl7_date(&r.collected_at);
        if told && !revoked {
            body.push_str(&format!(
                "<section class=\"inset\"><h2>{negative}</h2><dl><dt>{test_l}</dt><dd>{test}</dd>\
                 <dt>{collected_l}</dt><dd>{collected}</dd><dt>{lab_l}</dt><dd>{lab}</dd><dt>{sample_l}</dt><dd>{sample}</dd></dl>",
                negative = lang.t("results.mine.negative"),
                test_l = lang.t("results.test"),
                test = escape(&r.test_name),
                collected_l = lang.t("results.mine.collected"),
                lab_l = lang.t("results.mine.lab"),
                lab = escape(&r.performing_lab),
                sample_l = lang.t("results.specimen_id"),
                sample = escape(&r.specimen_id),
            ));
            body.push_str(&certificate_html(&state, record, lang, now).await);
            body.push_str("</section>");
        } else if told {
            body.push_str(&format!(
                "<section class=\"inset\"><h2>{}</h2><p>{}</p></section>",
                lang.t("results.mine.call_title"),
                lang.t("results.mine.revoked"),
            ));
        } else {
            body.push_str(&format!(
                "<section class=\"inset\"><h2>{}</h2><p>{}</p></section>",
                lang.t("results.mine.call_title"),
                lang.t("results.mine.call_body").replace("{sample}", &escape(&r.specimen_id)),
            ));
        }
    }
    let title = lang.t("results.mine.title");
    ctx.render_for("results.service", StatusCode::OK, title, &body, Some("/results/mine"))
}

/// The signed result's QR code and text, signed on first view; empty when the server signs no passes or the
/// result has none.
async fn certificate_html<S: Store>(
    state: &AppState<S>,
    record: &surge_app::lab::LabResultRecord,
    lang: Lang,
    now: time::OffsetDateTime,
) -> String {
    let (Some(signer), Some(config)) = (&state.signer, &state.results) else { return String::new() };
    let signed =
        surge_app::results::result_certificate(&state.store, signer, config, &mut rand_core::OsRng, record, now).await;
    let (text, index) = match (signed, record.status_index) {
        (Ok(Some(text)), Some(index)) => (text, index),
        (Ok(_), _) => return String::new(),
        (Err(e), _) => {
            tracing::error!(error = %e, lab_result = record.id, "signing a result failed");
            return String::new();
        }
    };
    let until = surge_pass::decode_unverified(&text)
        .map(|c| state.config.zone.until_text(c.expires, lang.t("pass.end_of_day")))
        .unwrap_or_default();
    format!(
        "<h3>{title}</h3><p>{lead}</p><div class=\"qr\">{qr}</div><dl><dt>{until_l}</dt><dd>{until}</dd></dl>\
         <details class=\"noprint\"><summary>{as_text}</summary><p class=\"key\">{text}</p></details>",
        title = lang.t("results.mine.certificate"),
        lead = lang.t("results.mine.certificate_lead"),
        qr = crate::kit::qr_named(&state.qr_cache.get_or_render(index, &text), lang.t("qr.result")),
        until_l = lang.t("results.mine.valid_until"),
        as_text = lang.t("results.mine.text"),
        text = escape(&text),
    )
}

fn reason_words(lang: Lang, code: &str) -> String {
    match lang.t(&format!("results.reason.{code}")) {
        "" => code.to_owned(),
        words => words.to_owned(),
    }
}

/// A result in plain words: the interpretation Surge read from the lab's message, with the lab's own value beside
/// it when that says more.
fn result_words(lang: Lang, interpretation: &str, value: &str) -> String {
    let words = lang.t(match interpretation {
        "detected" => "results.words.detected",
        "not_detected" => "results.words.not_detected",
        "inconclusive" => "results.words.inconclusive",
        "invalid" => "results.words.invalid",
        _ => "results.words.unknown",
    });
    if value.trim().is_empty() { words.to_owned() } else { format!("{words} ({value})") }
}

pub async fn queue_page<S: Store>(State(state): State<AppState<S>>, Query(query): Q, headers: HeaderMap) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&CLINICAL).is_err() {
        return ctx.refuse_staff("/results/queue");
    }
    render_queue(&state, ctx, &query, &[]).await
}

async fn render_queue<S: Store>(
    state: &AppState<S>,
    ctx: PageCtx,
    query: &HashMap<String, String>,
    errors: &[(String, String)],
) -> Response {
    let lang = ctx.lang;
    let items = match surge_app::results::clinician_queue(&state.store, 200).await {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "reading the results queue failed");
            return sorry(lang);
        }
    };
    let phones = match surge_app::results::phones_to_call(&state.store, &items).await {
        Ok(phones) => phones,
        Err(e) => {
            tracing::error!(error = %e, "reading the patients' phones failed");
            return sorry(lang);
        }
    };
    let now = (state.clock)();
    let mut body = error_summary(lang, errors);
    if let Some(done) = query.get("done").and_then(|d| d.parse::<i64>().ok()) {
        body.push_str(&crate::kit::notice(&lang.t("results.done").replace("{id}", &done.to_string())));
    }
    body.push_str(&format!("<h1>{}</h1><p>{}</p>", lang.t("results.queue.title"), lang.t("results.queue.lead")));
    if items.is_empty() {
        body.push_str(&format!("<p>{}</p>", lang.t("results.queue.none")));
    }
    for item in &items {
        let r = &item.result;
        let reason = r.reason.as_deref().unwrap_or("");
        let urgent = r.urgency == 0;
        let waited = (now - item.received_at).whole_minutes().max(0);
        let releasable = r.interpretation == "not_detected" && r.status == "F" && r.registration_id.is_some();
        let release = if releasable {
            format!(
                "<button type=\"submit\" name=\"action\" value=\"release\" class=\"secondary\">{}</button>",
                lang.t("results.action.release")
            )
        } else {
            String::new()
        };
        // The phone the patient registered, to call: a tel: link opens the dialler on a clinician's phone.
        let phone = match r.registration_id.and_then(|id| phones.get(&id)) {
            Some(phone) => {
                let shown =
                    surge_domain::Phone::from_stored(phone).map(|p| p.national()).unwrap_or_else(|_| phone.clone());
                format!("<a href=\"tel:{}\">{}</a>", escape(phone), escape(&shown))
            }
            None => lang.t("results.queue.no_phone").to_owned(),
        };
        let waiting = if waited < 1 {
            lang.t("results.queue.just_now").to_owned()
        } else {
            lang.t("results.queue.waited")
                .replace("{h}", &(waited / 60).to_string())
                .replace("{m}", &(waited % 60).to_string())
        };
        body.push_str(&format!(
            "<section class=\"inset\" aria-labelledby=\"result-{id}\"><h2 id=\"result-{id}\">{tag}{name}, {birth}</h2>\
             <dl><dt>{phone_l}</dt><dd>{phone}</dd><dt>{reason_l}</dt><dd>{reason}</dd>\
             <dt>{test_l}</dt><dd>{test} <span class=\"hint\">({test_full}, {code})</span></dd>\
             <dt>{value_l}</dt><dd>{value} · {status}</dd><dt>{specimen_l}</dt><dd>{specimen}</dd>\
             <dt>{waiting_l}</dt><dd>{waiting}</dd></dl>\
             <form method=\"post\" action=\"/results/{id}/action\">{csrf}\
             <button type=\"submit\" name=\"action\" value=\"called_reached\">{reached}</button> \
             <button type=\"submit\" name=\"action\" value=\"called_not_reached\" class=\"secondary\">{not_reached}</button> \
             {release}</form></section>",
            id = item.id,
            tag = if urgent { format!("<strong class=\"tag rejected\">{}</strong> ", lang.t("results.urgent")) } else { String::new() },
            name = escape(&format!("{} {}", r.given, r.family)),
            birth = r.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            reason_l = lang.t("application.reason"),
            reason = escape(&reason_words(lang, reason)),
            test_l = lang.t("results.test"),
            phone_l = lang.t("results.queue.phone"),
            test = surge_app::results::short_test_name(&r.test_name, lang.code()),
            test_full = escape(&r.test_name),
            code = escape(&r.test_code),
            value_l = lang.t("results.value"),
            value = escape(&result_words(lang, &r.interpretation, &r.value)),
            status = lang.t(match r.status.as_str() {
                "F" => "results.status.final",
                "C" => "results.status.corrected",
                "P" => "results.status.preliminary",
                _ => "results.status.other",
            }),
            specimen_l = lang.t("results.specimen_id"),
            specimen = escape(&r.specimen_id),
            waiting_l = lang.t("application.waiting"),
            csrf = ctx.csrf_input(),
            reached = lang.t("results.action.called_reached"),
            not_reached = lang.t("results.action.called_not_reached"),
        ));
    }
    let title = lang.t("results.queue.title");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    ctx.render_for("results.service", status, title, &body, Some("/results/queue"))
}

pub async fn action_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<i64>,
    Query(query): Q,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    if ctx.principal.require(&CLINICAL).is_err() {
        return ctx.refuse_staff("/results/queue");
    }
    let lang = ctx.lang;
    let Some(config) = state.results.clone() else { return sorry(lang) };
    let Some(action) = form.get("action").and_then(|a| ClinicianAction::parse(a)) else {
        return render_queue(
            &state,
            ctx,
            &HashMap::new(),
            &[("action".into(), lang.t("results.action.choose").into())],
        )
        .await;
    };
    let result = handle_queued(&state.store, &config, id, action, &ctx.principal.actor(), (state.clock)()).await;
    match result {
        Ok(()) => ctx.redirect(&format!("/results/queue?done={id}")),
        Err(AppError::InvalidForm(_)) => {
            render_queue(&state, ctx, &HashMap::new(), &[("action".into(), lang.t("results.action.refused").into())])
                .await
        }
        Err(AppError::Conflict | AppError::NotFound) => {
            render_queue(&state, ctx, &HashMap::new(), &[("action".into(), lang.t("decision.conflict").into())]).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "handling a queued result failed");
            sorry(lang)
        }
    }
}
