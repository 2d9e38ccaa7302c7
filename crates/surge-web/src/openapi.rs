//! The OpenAPI 3.1 document for every JSON endpoint, written out by hand: the API is small, and a test checks that
//! every route the router serves is documented here.

use axum::Json;
use serde_json::{Value, json};

/// Every (method, path) the JSON API serves, in OpenAPI's path syntax.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/trust-list"),
    ("post", "/api/organisations"),
    ("get", "/api/organisations"),
    ("post", "/api/organisations/bulk-approve"),
    ("get", "/api/organisations/{id}"),
    ("post", "/api/organisations/{id}/decision"),
    ("post", "/api/organisations/{id}/employees"),
    ("get", "/api/batches/{id}"),
    ("post", "/api/api-keys"),
    ("post", "/api/api-keys/{id}/revoke"),
    ("post", "/api/accounts"),
    ("get", "/api/v1/trust-list"),
    ("post", "/api/v1/verify"),
    ("post", "/api/v1/passes/{index}/status"),
    ("get", "/api/v1/revocations"),
    ("get", "/api/v1/status-list"),
    ("post", "/api/v1/checkpoints"),
    ("get", "/api/v1/checkpoints"),
    ("get", "/api/v1/alerts"),
    ("post", "/api/v1/scans"),
    ("post", "/api/v1/results/registrations"),
    ("post", "/api/v1/results/hl7"),
    ("get", "/api/v1/results/queue"),
    ("post", "/api/v1/results/csv"),
    ("post", "/api/v1/fhir/Bundle"),
    ("post", "/api/v1/results/{id}/action"),
    ("get", "/api/v1/lake/sql"),
    ("get", "/api/v1/policy"),
    ("post", "/api/v1/policy"),
    ("post", "/api/v1/policy/try"),
    ("post", "/api/messages"),
    ("get", "/api/messages"),
    ("get", "/api/messages/{id}"),
    ("get", "/api/notify/kannel/receipt"),
    ("get", "/api/notify/kannel/inbound"),
    ("post", "/api/notify/webhook/receipt"),
];

fn error_responses(codes: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for code in codes {
        let description = match *code {
            "400" => "The request is malformed",
            "401" => "No valid API key or session",
            "403" => "The caller may not do this, or a session request lacks X-CSRF-Token",
            "404" => "Not found",
            "409" => "Not allowed in the current state (status, quota)",
            "422" => "Validation failed; details name each field or row",
            _ => "Error",
        };
        responses.insert(
            (*code).to_owned(),
            json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    Value::Object(responses)
}

fn with(mut base: Value, ok: (&str, &str), errors: &[&str]) -> Value {
    let mut responses = error_responses(errors);
    responses[ok.0] = json!({"description": ok.1, "content": {"application/json": {}}});
    base["responses"] = responses;
    base
}

pub fn spec() -> Value {
    let secured = json!([{"apiKey": []}]);
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Surge e-Pass API", "version": "1"},
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                    "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
                "Registration": {"type": "object", "properties": {
                    "legal_name": {"type": "string"}, "registry_number": {"type": "string"}, "category": {"type": "string"},
                    "address": {"type": "string"}, "zone": {"type": "string"}, "contact_phone": {"type": "string"},
                    "contact_email": {"type": "string"}, "requested_quota": {"type": ["integer", "string"]}}},
                "Decision": {"type": "object", "required": ["action"], "properties": {
                    "action": {"enum": ["approve", "reject", "ask", "set_quota", "resubmit"]},
                    "quota": {"type": "integer"}, "reason": {"type": "string"}, "question": {"type": "string"}}}
            }
        },
        "paths": {
            "/healthz": {"get": with(json!({"summary": "Ready to serve (the database answers)"}), ("200", "Healthy"), &[])},
            "/api/trust-list": {"get": with(json!({"summary": "The signed trust list for offline verifiers"}), ("200", "The list"), &[])},
            "/api/organisations": {
                "post": with(json!({"summary": "Register an organisation (anyone); returns its admin's API key once",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Registration"}}}}}),
                    ("201", "Registered and screened"), &["400", "422"]),
                "get": with(json!({"summary": "The screening queue (admin, official)", "security": secured,
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"enum": ["in_review", "approved", "rejected", "info_requested"]}},
                        {"name": "category", "in": "query", "schema": {"type": "string"}},
                        {"name": "zone", "in": "query", "schema": {"type": "string"}},
                        {"name": "passed_all_rules", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "after", "in": "query", "schema": {"type": "integer"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}]}),
                    ("200", "A page of organisations, with next_after"), &["400", "401", "403"])
            },
            "/api/organisations/bulk-approve": {"post": with(json!({"summary": "Approve all in review that passed every rule (admin, official)",
                "security": secured}), ("200", "Approved ids"), &["401", "403"])},
            "/api/organisations/{id}": {"get": with(json!({"summary": "One organisation (staff, or its own admin)",
                "security": secured, "parameters": id}), ("200", "The organisation"), &["401", "403", "404"])},
            "/api/organisations/{id}/decision": {"post": with(json!({"summary": "Approve, reject, ask, set quota (staff); resubmit (its admin)",
                "security": secured, "parameters": id,
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}}}),
                ("200", "The new status"), &["400", "401", "403", "404", "409"])},
            "/api/organisations/{id}/employees": {"post": with(json!({"summary": "Upload the employee CSV (its admin, admin); issued in the background",
                "security": secured, "parameters": id,
                "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}}),
                ("202", "Accepted: batch id and progress URL"), &["401", "403", "404", "409", "422"])},
            "/api/batches/{id}": {"get": with(json!({"summary": "Issuance progress (staff, or the organisation's admin)",
                "security": secured, "parameters": id}), ("200", "Rows, issued, failed, percent"), &["401", "403", "404"])},
            "/api/api-keys": {"post": with(json!({"summary": "Create an API key (admin): roles admin, official, organisation_admin, checkpoint, clinician, lab", "security": secured}),
                ("201", "The key, shown once"), &["400", "401", "403", "404"])},
            "/api/api-keys/{id}/revoke": {"post": with(json!({"summary": "Revoke an API key at once (admin)", "security": secured,
                "parameters": id}), ("204", "Revoked"), &["401", "403", "404"])},
            "/api/messages": {
                "post": with(json!({"summary": "Send a templated message (admin, official); Idempotency-Key required, a repeat answers with the first",
                    "security": secured,
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string", "maxLength": 200}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["to"], "properties": {
                        "to": {"type": "string"}, "kind": {"type": "string", "default": "test_message"},
                        "lang": {"enum": ["en", "ko"]}, "values": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}}),
                    ("201", "Queued (200 when the key was used before)"), &["400", "401", "403", "422"]),
                "get": with(json!({"summary": "Message history, newest first, phones masked, with counts by state (admin, official)",
                    "security": secured,
                    "parameters": [
                        {"name": "state", "in": "query", "schema": {"enum": ["created", "sending", "sent", "delivered", "temporary-failure", "permanent-failure", "technical-failure"]}},
                        {"name": "kind", "in": "query", "schema": {"type": "string"}},
                        {"name": "before", "in": "query", "schema": {"type": "integer"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}]}),
                    ("200", "Messages, next_before and counts"), &["400", "401", "403"])
            },
            "/api/messages/{id}": {"get": with(json!({"summary": "One message's state, attempts, gateway and failure (admin, official)",
                "security": secured, "parameters": id}), ("200", "The message"), &["401", "403", "404"])},
            "/api/notify/kannel/receipt": {"get": with(json!({"summary": "Kannel delivery report callback (signed URL given with each message)",
                "parameters": [
                    {"name": "id", "in": "query", "required": true, "schema": {"type": "integer"}},
                    {"name": "sig", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "type", "in": "query", "required": true, "schema": {"type": "integer"}}]}),
                ("200", "Recorded; state is null when the report changed nothing"), &["400", "403", "404"])},
            "/api/notify/kannel/inbound": {"get": with(json!({"summary": "A text sent to the service, from Kannel's sms-service: STOP, START; the answer body is the reply",
                "parameters": [
                    {"name": "key", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "text", "in": "query", "schema": {"type": "string"}}]}),
                ("200", "The reply text"), &["400", "403", "422"])},
            "/api/notify/webhook/receipt": {"post": with(json!({"summary": "A webhook provider's delivery report, signed with X-Surge-Signature: sha256=<HMAC of the body>",
                "parameters": [{"name": "X-Surge-Signature", "in": "header", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["id", "status"], "properties": {
                    "id": {"type": "integer"}, "status": {"enum": ["delivered", "undelivered", "rejected", "accepted"]}}}}}}}),
                ("200", "Recorded; state is null when the report changed nothing"), &["400", "403", "404"])},
            "/api/v1/trust-list": {"get": with(json!({"summary": "The signed trust list for offline verifiers"}), ("200", "The list"), &[])},
            "/api/v1/verify": {"post": with(json!({"summary": "Verify a pass online (checkpoint, official, admin): the offline checks plus live status",
                "security": secured,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "text": {"type": "string", "description": "EP1:…"}, "control_code": {"type": "string"},
                    "zone": {"type": "string"}, "checkpoint_id": {"type": "integer"}}}}}}}),
                ("200", "valid, checks (with reason codes), pass, live_status"), &["400", "401", "403", "404", "422"])},
            "/api/v1/passes/{index}/status": {"post": with(json!({"summary": "Suspend, reinstate or revoke a pass with a reason (official, admin); the holder is told by SMS",
                "security": secured,
                "parameters": [{"name": "index", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["action", "reason"], "properties": {
                    "action": {"enum": ["suspend", "reinstate", "revoke"]}, "reason": {"type": "string"}, "lang": {"enum": ["ko", "en"]}}}}}}}),
                ("200", "The new status and its sequence number"), &["400", "401", "403", "404", "409", "422"])},
            "/api/v1/revocations": {"get": with(json!({"summary": "Status changes after a sequence number, for verifiers to keep their lists current",
                "parameters": [{"name": "since", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10000}}]}),
                ("200", "changes and next_since"), &["400"])},
            "/api/v1/status-list": {"get": {"summary": "The signed status list (head and chunks, 2 bits a pass: 0 valid, 1 revoked, 2 suspended)",
                "responses": {"200": {"description": "The list", "content": {"application/octet-stream": {}}}}}},
            "/api/v1/checkpoints": {
                "post": with(json!({"summary": "Register a checkpoint with its position (admin)", "security": secured,
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name", "zone", "lat", "lon"],
                        "properties": {"name": {"type": "string"}, "zone": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"}}}}}}}),
                    ("201", "The checkpoint's id"), &["400", "401", "403", "422"]),
                "get": with(json!({"summary": "The checkpoints (checkpoint, official, admin)", "security": secured}),
                    ("200", "checkpoints"), &["401", "403"])
            },
            "/api/v1/policy": {
                "get": with(json!({"summary": "The pass policy in force and its version (official, admin)", "security": secured}),
                    ("200", "version and policy"), &["401", "403"]),
                "post": with(json!({"summary": "Replace the policy with a new version (admin): {\"rules\": [{id, outcome, when (CertLogic), reason {en, ko}}]}",
                    "security": secured, "requestBody": {"content": {"application/json": {}}}}),
                    ("201", "The new version"), &["400", "401", "403", "422"])
            },
            "/api/v1/policy/try": {"post": with(json!({"summary": "Try a policy (or the one in force) on sample application facts (official, admin)",
                "security": secured, "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["samples"],
                    "properties": {"policy": {"type": "object"}, "samples": {"type": "array", "items": {"type": "object"}}}}}}}}),
                ("200", "One result per sample: outcome, rule, reason"), &["400", "401", "403", "422"])},
            "/api/v1/alerts": {"get": with(json!({"summary": "Alerts for officials, newest first: possible cloned passes", "security": secured}),
                ("200", "alerts"), &["401", "403"])},
            "/api/v1/scans": {"post": with(json!({"summary": "Upload checks a checkpoint made without a network (at most 1000), with their own times; they go through the cloned-pass check",
                "security": secured,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["scans"], "properties": {
                    "scans": {"type": "array", "items": {"type": "object", "required": ["valid", "at"], "properties": {
                        "id": {"type": "string"}, "checkpoint_id": {"type": ["integer", "null"]},
                        "status_index": {"type": ["integer", "null"]}, "valid": {"type": "boolean"},
                        "reason": {"type": ["string", "null"]}, "at": {"type": "string", "format": "date-time"}}}}}}}}}}),
                ("200", "How many were received, recorded (a scan whose id was uploaded before is not recorded again) and raised an alert"), &["400", "401", "403", "422"])},
            "/api/v1/results/registrations": {"post": with(json!({"summary": "A patient registers for their result (public; 30 per client address in 15 minutes)",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                    "required": ["specimen_id", "family", "given", "birth_date", "phone"], "properties": {
                    "specimen_id": {"type": "string"}, "family": {"type": "string"}, "given": {"type": "string"},
                    "birth_date": {"type": "string", "format": "date"}, "phone": {"type": "string"}}}}}}}),
                ("201", "The registration's id"), &["400", "404", "422", "429"])},
            "/api/v1/results/hl7": {"post": with(json!({"summary": "Upload an HL7 v2 file (ORU^R01, 2.3 to 2.5.1; one message, several, or an FHS/BHS batch) for labs without MLLP (a lab's key, or admin); one ACK per message",
                "security": secured,
                "requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}}}),
                ("200", "Each message's ACK code and ACK text, and how many results were texted or queued"), &["401", "403", "404"])},
            "/api/v1/fhir/Bundle": {"post": with(json!({"summary": "A FHIR R4 Bundle of results (DiagnosticReport, Observation, Patient, Specimen; a lab's key, or admin); routed like HL7 v2; answers an OperationOutcome",
                "security": secured,
                "requestBody": {"content": {"application/fhir+json": {"schema": {"type": "object"}}}}}),
                ("200", "An OperationOutcome: accepted, with how many results were texted or queued"), &["401", "403", "404", "422"])},
            "/api/v1/results/csv": {"post": with(json!({"summary": "Results as CSV for small labs (a lab's key, or admin): columns lab, filler_order, specimen_id, test_code (LOINC), result (SNOMED code or words), status (F, C, P), family, given, birth_date, collected_at, and optionally phone; any bad row refuses the file",
                "security": secured,
                "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}}),
                ("200", "How many results were texted or queued, and whether the same file came before"), &["401", "403", "404", "422"])},
            "/api/v1/results/queue": {"get": with(json!({"summary": "Results that were not texted, most urgent first, then oldest (clinician, admin)", "security": secured}),
                ("200", "The queue"), &["401", "403"])},
            "/api/v1/results/{id}/action": {"post": with(json!({"summary": "Record a call (called_reached, called_not_reached) or release one negative by text to the registered phone (clinician, admin)",
                "security": secured,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["action"], "properties": {
                    "action": {"enum": ["called_reached", "called_not_reached", "release"]}}}}}}}),
                ("200", "The new state"), &["400", "401", "403", "404", "409", "422"])},
            "/api/v1/lake/sql": {"get": with(json!({"summary": "Run one read-only SQL query (DataFusion's dialect) over the situation lake's tables (official, admin); rows beyond the server's limit are left off and X-Truncated says so",
                "security": secured,
                "parameters": [
                    {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}, "example": "SELECT source, count(*) FROM daily_cases GROUP BY source"},
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}]}),
                ("200", "The rows: a JSON array of objects, or CSV with a header"), &["400", "401", "403", "404"])},
            "/api/accounts": {"post": with(json!({"summary": "Create a staff account (admin); returns a one-time password to change at first sign-in",
                "security": secured,
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["username", "role"], "properties": {
                    "username": {"type": "string"}, "role": {"enum": ["admin", "official", "checkpoint", "clinician"]},
                    "zones": {"type": "array", "items": {"type": "string"}}, "categories": {"type": "array", "items": {"type": "string"}},
                    "personal_phone": {"type": "string", "description": "The staff member's own mobile; they may not decide on applications or organisations with it"}}}}}}}),
                ("201", "The account id and its one-time password"), &["400", "401", "403", "409", "422"])}
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
