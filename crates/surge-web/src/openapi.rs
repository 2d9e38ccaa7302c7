//! The OpenAPI 3.1 document, derived from the handlers' `#[utoipa::path]` annotations and the wire types they take
//! and answer with, so it cannot drift from them. A test checks both ways: every JSON route the router declares is
//! here, and every operation here is served.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;
use crate::{access, checkpoints, messages, metrics, monitoring, organisations, passes, policy, results, situation};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Surge e-Pass API",
        version = "1",
        description = "Organisations, passes, checkpoints, messages, lab results, patient monitoring and the situation lake. \
            Callers present an API key as `Authorization: Bearer …`; a signed-in page may call with its session \
            cookie and `X-CSRF-Token`. Every error answers `{\"error\": {\"code\", \"message\", \"details\"?}}`."
    ),
    paths(
        metrics::healthz,
        metrics::livez,
        passes::api::trust_list_first,
        passes::api::trust_list,
        passes::api::set_status,
        passes::api::revocations,
        passes::api::status_list,
        organisations::api::register,
        organisations::api::list_organisations,
        organisations::api::bulk_approve,
        organisations::api::organisation,
        organisations::api::decide,
        organisations::api::upload,
        organisations::api::batch,
        access::api::create_api_key,
        access::api::revoke_api_key,
        access::api::create_account,
        checkpoints::api::verify,
        checkpoints::api::create_checkpoint,
        checkpoints::api::list_checkpoints,
        checkpoints::api::alerts,
        checkpoints::api::upload_scans,
        results::api::register,
        results::api::upload_hl7,
        results::api::queue,
        results::api::upload_csv,
        results::api::fhir_bundle,
        results::api::act,
        monitoring::api::add_facility,
        monitoring::api::facilities,
        monitoring::api::admit,
        monitoring::api::observe,
        monitoring::api::move_admission,
        monitoring::api::board,
        situation::lake::sql,
        policy::api::current,
        policy::api::replace,
        policy::api::try_policy,
        messages::api::send,
        messages::api::history,
        messages::api::message,
        messages::api::kannel_receipt_callback,
        messages::api::kannel_inbound,
        messages::api::webhook_receipt,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Conventions)
)]
struct ApiDoc;

/// What every operation shares, added once instead of in each annotation: the API-key scheme, operation ids named
/// by context, and for each error status its meaning and the `ErrorBody` it answers with.
struct Conventions;

fn error_meaning(status: &str) -> &'static str {
    match status {
        "400" => "The request is malformed",
        "401" => "No valid API key or session",
        "403" => "The caller may not do this, or a session request lacks X-CSRF-Token",
        "404" => "Not found, or not configured on this server",
        "409" => "Not allowed in the current state (status, quota)",
        "413" => "The body is larger than this operation takes",
        "415" => "The body is not of the content type this operation takes",
        "422" => "Validation failed; details name each field or row",
        "429" => "Too many requests from this address; try again later",
        "503" => "The database cannot take writes just now (`storage_unavailable`); nothing was stored; retry later",
        _ => "Something went wrong on the server's side",
    }
}

impl Modify for Conventions {
    fn modify(&self, document: &mut Document) {
        if let Some(components) = document.components.as_mut() {
            components.add_security_scheme(
                "apiKey",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        for item in document.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                // Handlers in different contexts share names (`register`): the context makes the id unique, as
                // client generators need.
                let context = operation.tags.as_ref().and_then(|tags| tags.first()).cloned().unwrap_or_default();
                if let Some(id) = operation.operation_id.as_mut() {
                    *id = format!("{context}_{id}");
                }
                // Any operation may meet a database that cannot be written (full, read-only, gone); one that takes
                // parameters or a body may get them malformed (a path number out of range); one that takes a body
                // may get one too large or of another content type.
                let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let has_body = operation.request_body.is_some();
                let mut statuses = vec!["503"];
                if has_input || has_body {
                    statuses.push("400");
                }
                if has_body {
                    statuses.extend(["413", "415"]);
                }
                for status in statuses {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::T(utoipa::openapi::Response::new("")));
                }
                for (status, response) in &mut operation.responses.responses {
                    let RefOr::T(response) = response else { continue };
                    if !(status.starts_with('4') || status.starts_with('5')) {
                        continue;
                    }
                    if response.description.is_empty() {
                        response.description = error_meaning(status).to_owned();
                    }
                    if response.content.is_empty() {
                        let error = Content::new(Some(Ref::from_schema_name("ErrorBody")));
                        response.content.insert("application/json".to_owned(), RefOr::T(error));
                    }
                }
            }
        }
    }
}

/// The document, built once per request (it is small, and asked for rarely).
pub fn spec() -> Document {
    ApiDoc::openapi()
}

pub async fn document() -> Json<Document> {
    Json(spec())
}

/// Every (method, path) the document lists, in OpenAPI's path syntax, methods in lower case.
pub fn routes() -> Vec<(String, String)> {
    let document = spec();
    let mut routes = Vec::new();
    for (path, item) in &document.paths.paths {
        let operations = [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("delete", &item.delete),
            ("patch", &item.patch),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The files that declare routes. A context added without its file here fails the count below.
    const ROUTE_FILES: &[(&str, &str)] = &[
        ("lib.rs", include_str!("lib.rs")),
        ("access/mod.rs", include_str!("access/mod.rs")),
        ("applications/mod.rs", include_str!("applications/mod.rs")),
        ("checkpoints/mod.rs", include_str!("checkpoints/mod.rs")),
        ("messages/mod.rs", include_str!("messages/mod.rs")),
        ("monitoring/mod.rs", include_str!("monitoring/mod.rs")),
        ("organisations/mod.rs", include_str!("organisations/mod.rs")),
        ("passes/mod.rs", include_str!("passes/mod.rs")),
        ("policy/mod.rs", include_str!("policy/mod.rs")),
        ("results/mod.rs", include_str!("results/mod.rs")),
        ("situation/mod.rs", include_str!("situation/mod.rs")),
    ];

    /// The JSON routes the router declares: each `.route("/api/…" | "/healthz" | "/livez", get(…).post(…))`, with its
    /// methods.
    fn declared() -> BTreeSet<(String, String)> {
        let mut routes = BTreeSet::new();
        for (_, source) in ROUTE_FILES {
            for call in source.split(".route(").skip(1) {
                // The call's arguments: up to the parenthesis that closes `.route(`.
                let mut depth = 1;
                let end = call
                    .char_indices()
                    .find(|(_, c)| {
                        depth += match c {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map_or(call.len(), |(i, _)| i);
                let arguments = call[..end].trim_start();
                let Some((path, methods)) = arguments.strip_prefix('"').and_then(|rest| rest.split_once('"')) else {
                    continue;
                };
                // The document itself is not an operation of the API.
                if !(path.starts_with("/api/") || path == "/healthz" || path == "/livez") || path == "/api/openapi.json"
                {
                    continue;
                }
                for method in ["get", "post", "put", "delete", "patch"] {
                    let called = methods
                        .match_indices(&format!("{method}("))
                        .any(|(at, _)| !methods[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':'));
                    if called {
                        routes.insert((method.to_owned(), path.to_owned()));
                    }
                }
            }
        }
        routes
    }

    #[test]
    fn every_json_route_the_router_declares_is_documented_and_nothing_else_is() {
        let declared = declared();
        assert!(declared.len() >= 37, "the route files were not read: {declared:?}");
        let documented: BTreeSet<(String, String)> = super::routes().into_iter().collect();
        let undocumented: Vec<_> = declared.difference(&documented).collect();
        assert!(undocumented.is_empty(), "served but not in the OpenAPI document: {undocumented:?}");
        let unserved: Vec<_> = documented.difference(&declared).collect();
        assert!(unserved.is_empty(), "in the OpenAPI document but not declared: {unserved:?}");
    }

    #[test]
    fn every_error_answer_is_described_with_the_error_body_and_every_operation_has_its_own_id() {
        let document = serde_json::to_value(super::spec()).unwrap();
        let mut errors = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                assert!(operation["summary"].is_string(), "{method} {path} has no summary");
                for (status, response) in operation["responses"].as_object().unwrap() {
                    assert!(
                        response["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status}"
                    );
                    // A FHIR Bundle is refused with a FHIR OperationOutcome, as FHIR clients expect.
                    if status.starts_with('4') && !(path == "/api/v1/fhir/Bundle" && status == "422") {
                        errors += 1;
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
        assert!(errors > 50, "only {errors} error answers documented");
        let ids: Vec<&str> = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values().map(|op| op["operationId"].as_str().unwrap()))
            .collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "operation ids repeat: {ids:?}");
        assert!(unique.contains("organisations_register") && unique.contains("results_register"));
        assert_eq!(document["components"]["securitySchemes"]["apiKey"]["scheme"], "bearer");
    }
}
