//! The committed OpenAPI spec must match the code. `UPDATE_OPENAPI=1 cargo test spec`
//! rewrites it.

#[test]
fn committed_openapi_spec_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let current = tessera::api::spec_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi")).unwrap();
        std::fs::write(path, &current).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == current,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test api spec` and commit it"
    );
}

#[test]
fn every_error_response_is_a_problem_document() {
    let spec: serde_json::Value = serde_json::from_str(&tessera::api::spec_json()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let status: u16 = status.parse().unwrap();
                if status >= 400 && !(path.ends_with("/ready") && status == 503) {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not application/problem+json"
                    );
                    checked += 1;
                }
            }
            if op["requestBody"].is_object() || op["parameters"].is_array() {
                assert!(
                    op["responses"]["400"].is_object(),
                    "{method} {path} lacks 400"
                );
            }
        }
    }
    // (A spec read wrongly would pass the loop above without a single check.)
    assert!(checked > 50, "only {checked} error responses found");
}

/// A path parameter that fails to parse is reported by the router under an internal name;
/// the service answers with `PATH_PARAMETER` instead, which is right only while every path
/// has at most one path parameter and it has that name.
#[test]
fn every_path_has_at_most_one_path_parameter_named_id() {
    let spec: serde_json::Value = serde_json::from_str(&tessera::api::spec_json()).unwrap();
    let mut seen = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let names: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(
                names.is_empty() || names == [tessera::api::error::PATH_PARAMETER],
                "{method} {path}: {names:?}"
            );
            seen += names.len();
        }
    }
    assert!(seen > 10, "only {seen} path parameters found");
}

#[test]
fn closed_request_bodies_are_marked_in_the_spec() {
    let spec: serde_json::Value = serde_json::from_str(&tessera::api::spec_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["NewBooking"]["additionalProperties"], false);
    // Response-only objects stay open, so fields can be added without breaking clients.
    assert!(
        schemas["Booking"].is_object(),
        "the booking schema is named Booking"
    );
    assert!(schemas["Booking"]["additionalProperties"].is_null());
}

#[test]
fn the_readme_lists_every_error_code_and_no_other() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("### Error codes")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("README has an error code table");
    let listed: std::collections::BTreeSet<&str> = table
        .lines()
        .filter(|l| l.starts_with("| 4") || l.starts_with("| 5"))
        .flat_map(|l| {
            // Codes are the backticked words; "(with `unknown_seat_ids`)" names a field.
            let pieces: Vec<&str> = l.split('`').collect();
            (1..pieces.len())
                .step_by(2)
                .filter(|&i| !pieces[i - 1].ends_with("with "))
                .map(|i| pieces[i])
                .collect::<Vec<_>>()
        })
        .filter(|word| word.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    let defined: std::collections::BTreeSet<&str> = tessera::domain::Code::PUBLIC
        .iter()
        .map(|code| code.as_str())
        .collect();
    assert_eq!(listed, defined);
}

#[test]
fn every_error_status_of_every_operation_lists_its_codes() {
    let spec: serde_json::Value = serde_json::from_str(&tessera::api::spec_json()).unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            if path.ends_with("/health") || path.ends_with("/ready") {
                continue;
            }
            operations += 1;
            let codes = tessera::api::error_codes(id)
                .unwrap_or_else(|| panic!("{method} {path}: no error codes for {id}"));
            let declared: std::collections::BTreeSet<u16> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(|s| s.parse().unwrap())
                .filter(|s| *s >= 400)
                .collect();
            let listed: std::collections::BTreeSet<u16> =
                codes.iter().map(|(status, _)| *status).collect();
            assert_eq!(declared, listed, "{method} {path}");
            for (status, codes) in codes {
                assert!(!codes.is_empty(), "{method} {path} {status}: no codes");
                for code in *codes {
                    assert_eq!(
                        tessera::api::error::status_of(code.kind()),
                        *status,
                        "{method} {path}: `{}` listed under {status}",
                        code.as_str()
                    );
                }
            }
        }
    }
    assert!(operations >= 16, "{operations} operations");
}
