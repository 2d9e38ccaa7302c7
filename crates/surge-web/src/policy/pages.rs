//! The pass policy page: officials see the rules in force; admins edit the document, try it on a sample
//! application, and save it as the next version. Problems are listed in the error summary by rule and field,
//! and nothing is saved until the whole document is right.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use surge_app::policy::Policy;
use surge_app::{Role, Store};

use crate::AppState;
use crate::kit::ctx::{Field, PageCtx, error_for, error_summary, field, sorry};
use crate::kit::escape;

async fn in_force<S: Store>(state: &AppState<S>) -> Result<(i64, Value), String> {
    surge_app::policy::in_force(&state.store).await.map_err(|e| format!("{e:?}"))
}

/// The rules in force in words, for the top of the page; nothing when the stored document does not read.
fn in_words<S>(ctx: &PageCtx, state: &AppState<S>, document: &Value) -> String {
    let admin = ctx.principal.role() == Some(Role::Admin);
    match Policy::parse(document) {
        Ok(policy) => super::rules::rule_list(ctx, &state.config.applications.purposes, &policy, admin),
        Err(_) => String::new(),
    }
}

fn sample_fields(ctx: &PageCtx, values: &HashMap<String, String>, errors: &[(String, String)]) -> String {
    let get = |name: &str, default: &'static str| values.get(name).cloned().unwrap_or_else(|| default.to_owned());
    let mut html = format!("<fieldset><legend>{}</legend>", ctx.t("policy.sample"));
    for (name, label, default) in [
        ("purpose", "policy.purpose", "funeral"),
        ("from_zone", "policy.from_zone", "KR-26"),
        ("to_zone", "policy.to_zone", "KR-26"),
        ("days", "policy.days", "2"),
        ("this_week", "policy.this_week", "0"),
    ] {
        let value = get(name, default);
        html.push_str(&field(
            ctx.lang,
            &Field { name, label: ctx.t(label), kind: "text", value: &value, ..Field::default() },
            error_for(errors, name),
        ));
    }
    html.push_str("</fieldset>");
    html
}

#[expect(clippy::too_many_arguments, reason = "the page's parts")]
fn render_page(
    ctx: PageCtx,
    status: StatusCode,
    (version, rules): (i64, &str),
    document: &str,
    values: &HashMap<String, String>,
    errors: &[(String, String)],
    result: Option<String>,
    notice: Option<String>,
) -> Response {
    let lang = ctx.lang;
    let admin = ctx.principal.role() == Some(Role::Admin);
    let mut body = error_summary(lang, errors);
    if let Some(notice) = notice {
        body.push_str(&crate::kit::notice(&escape(&notice)));
    }
    body.push_str(&format!(
        "<div class=\"wide\"><h1>{}</h1><p>{}</p>",
        lang.t("policy.title"),
        lang.t("policy.version").replace("{n}", &version.to_string())
    ));
    if let Some(result) = result {
        body.push_str(&result);
    }
    // The rules in force in words; the JSON below is the advanced view.
    body.push_str(rules);
    body.push_str(&format!("<h2 id=\"advanced\">{}</h2>", lang.t("policy.advanced")));
    let readonly = if admin { "" } else { " readonly" };
    body.push_str(&format!("<form method=\"post\" action=\"/policy\" novalidate>{}", ctx.csrf_input()));
    let attributes =
        format!(" rows=\"24\" spellcheck=\"false\" style=\"font-family:monospace;max-width:60rem\"{readonly}");
    body.push_str(&field(
        lang,
        &Field {
            name: "document",
            label: lang.t("policy.document"),
            hint: lang.t("policy.document.hint"),
            kind: "textarea",
            value: document,
            attributes: &attributes,
            ..Field::default()
        },
        error_for(errors, "document"),
    ));
    body.push_str(&sample_fields(&ctx, values, errors));
    body.push_str(&format!(
        "<button type=\"submit\" name=\"action\" value=\"try\" class=\"secondary\">{}</button> ",
        lang.t("policy.try")
    ));
    if admin {
        body.push_str(&format!(
            "<button type=\"submit\" name=\"action\" value=\"save\">{}</button>",
            lang.t("policy.save")
        ));
    }
    body.push_str("</form></div>");
    let title = if errors.is_empty() {
        lang.t("policy.title").to_owned()
    } else {
        format!("{} {}", lang.t("error.prefix"), lang.t("policy.title"))
    };
    ctx.render(status, &title, &body, Some("/policy"))
}

pub async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = page_ctx!(state, headers, query);
    if ctx.principal.require(&[Role::Admin, Role::Official]).is_err() {
        return ctx.refuse_staff("/policy");
    }
    let (version, document) = match in_force(&state).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "reading the policy failed");
            return sorry(ctx.lang);
        }
    };
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let notice = query.get("saved").map(|v| ctx.t("policy.saved").replace("{n}", v));
    let rules = in_words(&ctx, &state, &document);
    render_page(ctx, StatusCode::OK, (version, &rules), &text, &HashMap::new(), &[], None, notice)
}

pub async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let ctx = form_ctx!(state, headers, query, values);
    let saving = values.get("action").map(String::as_str) == Some("save");
    let roles: &[Role] = if saving { &[Role::Admin] } else { &[Role::Admin, Role::Official] };
    if ctx.principal.require(roles).is_err() {
        return ctx.refuse_staff("/policy");
    }
    let lang = ctx.lang;
    let (version, rules) = match in_force(&state).await {
        Ok((version, document)) => (version, in_words(&ctx, &state, &document)),
        Err(e) => {
            tracing::error!(error = %e, "reading the policy failed");
            return sorry(lang);
        }
    };
    let text = values.get("document").cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let policy = match serde_json::from_str::<Value>(&text) {
        Err(e) => {
            errors.push(("document".to_owned(), lang.t("policy.not_json").replace("{e}", &e.to_string())));
            None
        }
        Ok(document) => match Policy::parse(&document) {
            Ok(policy) => Some((document, policy)),
            Err(problems) => {
                for p in problems {
                    let rule = p.rule.map(|r| format!("{} {}, ", lang.t("policy.rule"), r + 1)).unwrap_or_default();
                    errors.push(("document".to_owned(), format!("{rule}{}: {}", p.field, p.message)));
                }
                None
            }
        },
    };
    let Some((document, policy)) = policy else {
        return render_page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            (version, &rules),
            &text,
            &values,
            &errors,
            None,
            None,
        );
    };
    if saving {
        return match surge_app::policy::replace_policy(&state.store, &ctx.principal.actor(), &document, (state.clock)())
            .await
        {
            Ok((version, _)) => ctx.redirect(&format!("/policy?saved={version}")),
            Err(e) => {
                tracing::error!(error = %e, "saving the policy failed");
                sorry(lang)
            }
        };
    }
    let get = |name: &str| values.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let number = |name: &str, errors: &mut Vec<(String, String)>| match get(name).parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => {
            errors.push((name.to_owned(), lang.t("policy.number").to_owned()));
            0
        }
    };
    let days = number("days", &mut errors);
    let this_week = number("this_week", &mut errors);
    if !errors.is_empty() {
        return render_page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            (version, &rules),
            &text,
            &values,
            &errors,
            None,
            None,
        );
    }
    let clock = (state.clock)().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let facts = json!({
        "application": {"purpose": get("purpose"), "from_zone": get("from_zone").to_ascii_uppercase(),
                        "to_zone": get("to_zone").to_ascii_uppercase(), "days": days},
        "applicant": {"applications_this_week": this_week},
        "external": {"validationClock": clock},
    });
    let decision = policy.decide(&facts);
    let outcome = lang.t(&format!("policy.outcome.{}", decision.outcome.as_str()));
    let reason = if lang == crate::i18n::Lang::Ko { &decision.reason_ko } else { &decision.reason_en };
    let rule = decision.rule.unwrap_or_else(|| lang.t("policy.no_rule").to_owned());
    let result = format!(
        "<div class=\"inset\" role=\"status\" id=\"result\"><h2>{}</h2><p><strong>{}</strong> — {} <code>{}</code></p><p>{}</p></div>",
        lang.t("policy.result"),
        escape(outcome),
        lang.t("policy.by_rule"),
        escape(&rule),
        escape(reason)
    );
    render_page(ctx, StatusCode::OK, (version, &rules), &text, &values, &[], Some(result), None)
}
