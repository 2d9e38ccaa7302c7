//! The policy's rules in words: the rules in force listed as a person reads them, a form for adding a rule of the
//! common kinds (purpose, within one zone, at most so many days, at least so many applications this week) and a
//! button to remove one, each change saved as the next version like a document pasted as JSON.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use surge_app::policy::{CommonRule, Policy, PolicyOutcome};
use surge_app::{Role, Store};
use surge_domain::Purpose;

use crate::AppState;
use crate::i18n::Lang;
use crate::kit::ctx::{Field, PageCtx, error_for, error_message, error_summary, field, radio_group, sorry};
use crate::kit::escape;

fn purpose_name(lang: Lang, purposes: &[Purpose], id: &str) -> String {
    purposes.iter().find(|p| p.id == id).map_or_else(|| id.to_owned(), |p| lang.pick(&p.en, &p.ko).to_owned())
}

/// A rule's condition in words: `목적이 장례 · 3일 이하`; `None` for CertLogic this form does not write.
fn condition_words(lang: Lang, purposes: &[Purpose], rule: &CommonRule) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &rule.purpose {
        parts.push(lang.t("policy.when.purpose").replace("{p}", &purpose_name(lang, purposes, p)));
    }
    if rule.same_zone {
        parts.push(lang.t("policy.when.same_zone").to_owned());
    }
    if let Some(days) = rule.max_days {
        parts.push(lang.t("policy.when.max_days").replace("{n}", &days.to_string()));
    }
    if let Some(n) = rule.min_this_week {
        parts.push(lang.t("policy.when.this_week").replace("{n}", &n.to_string()));
    }
    parts.join(" · ")
}

/// The rules in force as a numbered list in words, each with its remove button for an admin.
pub(crate) fn rule_list(ctx: &PageCtx, purposes: &[Purpose], policy: &Policy, admin: bool) -> String {
    let lang = ctx.lang;
    let mut html =
        format!("<h2 id=\"rules\">{}</h2><p>{}</p><ol>", lang.t("policy.rules"), lang.t("policy.rules.lead"));
    for (n, rule) in policy.rules.iter().enumerate() {
        let when = match CommonRule::read(rule) {
            Some(common) => escape(&condition_words(lang, purposes, &common)),
            None => lang.t("policy.when.other").to_owned(),
        };
        let reason = lang.pick(&rule.reason_en, &rule.reason_ko);
        html.push_str(&format!(
            "<li><p><strong>{outcome}</strong> <code>{id}</code></p><p>{when_label}: {when}</p><p>{reason_label}: {reason}</p>",
            outcome = lang.t(&format!("policy.outcome.{}", rule.outcome.as_str())),
            id = escape(&rule.id),
            when_label = lang.t("policy.when"),
            reason_label = lang.t("policy.reason"),
            reason = escape(reason),
        ));
        if admin {
            html.push_str(&format!(
                "<form method=\"post\" action=\"/policy/rules/remove\">{}<input type=\"hidden\" name=\"id\" value=\"{}\">\
                 <button type=\"submit\" class=\"secondary\" aria-label=\"{}\">{}</button></form>",
                ctx.csrf_input(),
                escape(&rule.id),
                lang.t("policy.remove.rule").replace("{n}", &(n + 1).to_string()),
                lang.t("policy.remove"),
            ));
        }
        html.push_str("</li>");
    }
    html.push_str("</ol>");
    if admin {
        html.push_str(&format!("<p><a class=\"button\" href=\"/policy/rules/new\">{}</a></p>", lang.t("policy.add")));
    }
    html
}

/// The form as typed, read into a rule: numbers that are not numbers count as out of range.
fn typed_rule(form: &HashMap<String, String>) -> (CommonRule, Vec<(&'static str, &'static str)>) {
    let get = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut unreadable = Vec::new();
    let mut number = |name: &'static str| -> Option<i64> {
        let text = get(name);
        if text.is_empty() {
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                unreadable.push((name, "number_out_of_range"));
                None
            }
        }
    };
    let rule = CommonRule {
        id: get("id"),
        outcome: match get("outcome").as_str() {
            "approve" => Some(PolicyOutcome::Approve),
            "review" => Some(PolicyOutcome::Review),
            "reject" => Some(PolicyOutcome::Reject),
            _ => None,
        },
        purpose: Some(get("purpose")).filter(|p| !p.is_empty()),
        same_zone: get("same_zone") == "yes",
        max_days: number("max_days"),
        min_this_week: number("min_this_week"),
        reason_en: get("reason_en"),
        reason_ko: get("reason_ko"),
    };
    (rule, unreadable)
}

fn rule_form(
    ctx: &PageCtx,
    purposes: &[Purpose],
    form: &HashMap<String, String>,
    errors: &[(String, String)],
) -> String {
    let lang = ctx.lang;
    let value = |name: &str| form.get(name).cloned().unwrap_or_default();
    let mut html = error_summary(lang, errors);
    html.push_str(&format!(
        "<p><a href=\"/policy\">{}</a></p><h1>{}</h1><p>{}</p><form method=\"post\" action=\"/policy/rules/new\" novalidate>{}",
        lang.t("policy.back"),
        lang.t("policy.add"),
        lang.t("policy.add.lead"),
        ctx.csrf_input()
    ));
    let text = |name: &'static str, label: &'static str, hint: &'static str, attributes: &'static str| {
        field(
            lang,
            &Field {
                name,
                label: lang.t(label),
                hint: lang.t(hint),
                kind: "text",
                value: &value(name),
                attributes,
                ..Field::default()
            },
            error_for(errors, name),
        )
    };
    html.push_str(&text(
        "id",
        "policy.form.id",
        "policy.form.id.hint",
        " spellcheck=\"false\" autocapitalize=\"none\"",
    ));
    let outcomes: Vec<(&str, &str)> =
        ["approve", "review", "reject"].iter().map(|o| (*o, lang.t(&format!("policy.outcome.{o}")))).collect();
    let (outcome, outcome_error) = (value("outcome"), error_for(errors, "outcome"));
    html.push_str(&radio_group(lang, "outcome", lang.t("policy.form.outcome"), &outcomes, &outcome, outcome_error));
    html.push_str(&format!(
        "<h2>{}</h2><p class=\"hint\">{}</p>",
        lang.t("policy.when"),
        lang.t("policy.form.when.hint")
    ));
    let error = error_for(errors, "purpose");
    html.push_str(&format!(
        "<div class=\"field{}\"><label for=\"purpose\">{}</label>{}<select id=\"purpose\" name=\"purpose\"><option value=\"\">{}</option>",
        if error.is_some() { " field-error" } else { "" },
        lang.t("policy.form.purpose"),
        error.map(|m| error_message(lang, "purpose-error", m)).unwrap_or_default(),
        lang.t("policy.form.any_purpose"),
    ));
    for p in purposes {
        let selected = if value("purpose") == p.id { " selected" } else { "" };
        html.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            escape(&p.id),
            escape(lang.pick(&p.en, &p.ko))
        ));
    }
    html.push_str("</select></div>");
    let same = if value("same_zone") == "yes" { " checked" } else { "" };
    html.push_str(&format!(
        "<div class=\"field\"><div class=\"radio\"><input type=\"checkbox\" id=\"same_zone\" name=\"same_zone\" value=\"yes\"{same}>\
         <label for=\"same_zone\">{}</label></div></div>",
        lang.t("policy.form.same_zone")
    ));
    html.push_str(&text("max_days", "policy.form.max_days", "policy.form.number.hint", " inputmode=\"numeric\""));
    html.push_str(&text("min_this_week", "policy.form.this_week", "policy.form.number.hint", " inputmode=\"numeric\""));
    html.push_str(&text("reason_ko", "policy.form.reason_ko", "policy.form.reason.hint", ""));
    html.push_str(&text("reason_en", "policy.form.reason_en", "policy.form.reason.hint", " lang=\"en\""));
    let places = [("first", lang.t("policy.form.first")), ("last", lang.t("policy.form.last"))];
    let place = if value("place") == "first" { "first" } else { "last" };
    html.push_str(&radio_group(lang, "place", lang.t("policy.form.place"), &places, place, None));
    html.push_str(&format!("<button type=\"submit\">{}</button></form>", lang.t("policy.add")));
    html
}

/// `GET /policy/rules/new`: the form, for admins.
pub async fn new_rule<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin]).is_err() {
        return ctx.refuse_staff("/policy/rules/new");
    }
    let body = rule_form(&ctx, &state.config.applications.purposes, &HashMap::new(), &[]);
    let title = ctx.t("policy.add");
    ctx.render_form(title, &[], &body, "/policy/rules/new")
}

/// `POST /policy/rules/new`: the rule added first or last, saved as the next version, or the form again with its
/// problems by field.
pub async fn add_rule<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    if ctx.principal.require(&[Role::Admin]).is_err() {
        return ctx.refuse_staff("/policy");
    }
    let lang = ctx.lang;
    let document = match surge_app::policy::in_force(&state.store).await {
        Ok((_, document)) => document,
        Err(e) => {
            tracing::error!(error = ?e, "reading the policy failed");
            return sorry(lang);
        }
    };
    let taken: Vec<String> =
        Policy::parse(&document).map(|p| p.rules.into_iter().map(|r| r.id).collect()).unwrap_or_default();
    let purposes = &state.config.applications.purposes;
    let ids: Vec<String> = purposes.iter().map(|p| p.id.clone()).collect();
    let (rule, mut problems) = typed_rule(&form);
    // A number typed that is not one is its own problem, not a missing condition.
    let typed_a_number = !problems.is_empty();
    for problem in rule.problems(&ids, &taken) {
        if typed_a_number && problem == ("purpose", "no_condition") {
            continue;
        }
        if !problems.iter().any(|(field, _)| *field == problem.0) {
            problems.push(problem);
        }
    }
    let order = ["id", "outcome", "purpose", "max_days", "min_this_week", "reason_ko", "reason_en"];
    problems.sort_by_key(|(field, _)| order.iter().position(|f| f == field));
    let errors: Vec<(String, String)> = problems
        .iter()
        .map(|(field, code)| {
            // Each reason's problem names its language.
            let key = match *code {
                "reason_invalid" => format!("policy.form.{field}_invalid"),
                code => format!("policy.form.{code}"),
            };
            ((*field).to_owned(), lang.t(&key).to_owned())
        })
        .collect();
    let saved = if errors.is_empty() {
        surge_app::policy::with_rule(&document, &rule, form.get("place").map(String::as_str) == Some("first")).ok()
    } else {
        None
    };
    let Some(next) = saved else {
        let body = rule_form(&ctx, purposes, &form, &errors);
        let title = ctx.t("policy.add");
        return ctx.render_form(title, &errors, &body, "/policy/rules/new");
    };
    save_next(ctx, &state, &next).await
}

/// `POST /policy/rules/remove`: the rule removed, saved as the next version; back to the list either way.
pub async fn remove_rule<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, form);
    if ctx.principal.require(&[Role::Admin]).is_err() {
        return ctx.refuse_staff("/policy");
    }
    let document = match surge_app::policy::in_force(&state.store).await {
        Ok((_, document)) => document,
        Err(e) => {
            tracing::error!(error = ?e, "reading the policy failed");
            return sorry(ctx.lang);
        }
    };
    let id = form.get("id").map(String::as_str).unwrap_or("");
    let Some(next) = surge_app::policy::without_rule(&document, id) else { return ctx.redirect("/policy") };
    save_next(ctx, &state, &next).await
}

/// Saves `next` as the policy's next version and goes back to the page that says so.
async fn save_next<S: Store>(ctx: PageCtx, state: &AppState<S>, next: &serde_json::Value) -> Response {
    match surge_app::policy::replace_policy(&state.store, &ctx.principal.actor(), next, (state.clock)()).await {
        Ok((version, _)) => ctx.redirect(&format!("/policy?saved={version}")),
        Err(e) => {
            tracing::error!(error = %e, "saving the policy failed");
            sorry(ctx.lang)
        }
    }
}
