//! The CertLogic specification's own test suites (a committed copy of `specification/testSuite` and
//! `validation-testSuite` from ehn-dcc-development/eu-dcc-business-rules, Apache-2.0; see `tests/data/SOURCE.txt`).
//! Every assertion must hold except those the suite itself marks `"directive": "skip"`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::path::Path;

use serde_json::Value;
use surge_certlogic::{evaluate, validate};

fn suites(dir: &str) -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_evaluation_assertion_of_the_specification_holds() {
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for (file, suite) in suites("testSuite") {
        for case in suite["cases"].as_array().unwrap() {
            for assertion in case["assertions"].as_array().unwrap() {
                if assertion.get("directive").and_then(Value::as_str) == Some("skip") {
                    skipped += 1;
                    continue;
                }
                let expr = assertion.get("certLogicExpression").or_else(|| case.get("certLogicExpression")).unwrap();
                let expected = &assertion["expected"];
                match evaluate(expr, &assertion["data"]) {
                    Ok(value) if value.to_json() == *expected => passed += 1,
                    outcome => failures.push(format!(
                        "{file} / {}: {expr} on {} gave {outcome:?}, expected {expected}",
                        case["name"], assertion["data"]
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // The suites as committed: 181 assertions, 4 of them marked to skip by the specification.
    assert_eq!((passed, skipped), (177, 4));
}

#[test]
fn every_validation_case_of_the_specification_gives_the_expected_issues() {
    let mut checked = 0;
    for (file, suite) in suites("validation-testSuite") {
        for case in suite["cases"].as_array().unwrap() {
            let expr = &case["certLogicExpression"];
            let issues: Vec<Value> =
                validate(expr).into_iter().map(|i| serde_json::json!({"expr": i.expr, "message": i.message})).collect();
            assert_eq!(Value::Array(issues), case["issues"], "{file}: {expr}");
            checked += 1;
        }
    }
    assert_eq!(checked, 23);
}
