//! Registration, login, tokens, roles and the start-up admin account.

use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, TestApp, fresh_database, test_settings};

#[tokio::test]
async fn register_then_login_gives_a_bearer_token() {
    let app = TestApp::spawn().await;

    let resp = app
        .post(
            "/auth/register",
            None,
            &json!({"email": "Ann@Example.com", "password": "s3cret-pass"}),
        )
        .await;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.body["email"], "ann@example.com");
    assert_eq!(resp.body["role"], "user");
    assert!(resp.body["id"].is_i64());

    let resp = app
        .post(
            "/auth/login",
            None,
            &json!({"email": "ann@example.com", "password": "s3cret-pass"}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["token_type"], "Bearer");
    assert_eq!(resp.body["expires_in"], 3600);
    assert_eq!(resp.body["role"], "user");
    let token = resp.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/bookings", Some(token)).await.status, 200);
    let admin = app
        .post(
            "/auth/login",
            None,
            &json!({"email": ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(admin.body["role"], "admin");
}

#[tokio::test]
async fn a_registered_email_cannot_register_again() {
    let app = TestApp::spawn().await;
    let body = json!({"email": "bob@example.com", "password": "password-1"});
    assert_eq!(app.post("/auth/register", None, &body).await.status, 201);
    let again = json!({"email": "BOB@example.com", "password": "password-2"});
    let resp = app.post("/auth/register", None, &again).await;
    assert_eq!((resp.status, resp.code()), (409, "email_taken"));
}

#[tokio::test]
async fn registration_input_is_checked() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": "password-1"}),
            422,
            "invalid_email",
        ),
        (
            json!({"email": "a@example.com", "password": "short"}),
            422,
            "invalid_password",
        ),
        (
            json!({"email": "a@example.com", "password": "x".repeat(129)}),
            422,
            "invalid_password",
        ),
        (
            json!({"email": format!("{}@example.com", "a".repeat(250)), "password": "password-1"}),
            422,
            "invalid_email",
        ),
        (json!({"email": "a@example.com"}), 400, "invalid_body"),
        (
            json!({"email": "a@example.com", "password": 12345678}),
            400,
            "invalid_body",
        ),
        (
            json!({"email": true, "password": "password-1"}),
            400,
            "invalid_body",
        ),
        (
            json!({"email": ["a@example.com"], "password": "password-1"}),
            400,
            "invalid_body",
        ),
        (
            json!({"email": "a@example.com", "password": "password-1", "admin": true}),
            400,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let resp = app.post("/auth/register", None, &body).await;
        assert_eq!((resp.status, resp.code()), (status, code), "{body}");
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = TestApp::spawn().await;
    app.new_user().await;
    for body in [
        json!({"email": ADMIN_EMAIL, "password": "wrong-password"}),
        json!({"email": "nobody@example.com", "password": "whatever-1"}),
        json!({"email": "not an email", "password": "whatever-1"}),
    ] {
        let resp = app.post("/auth/login", None, &body).await;
        assert_eq!(
            (resp.status, resp.code()),
            (401, "invalid_credentials"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn tokens_are_required_checked_and_role_bound() {
    let app = TestApp::spawn().await;
    let user = app.new_user().await;

    let resp = app.get("/bookings", None).await;
    assert_eq!((resp.status, resp.code()), (401, "missing_token"));
    let resp = app.get("/bookings", Some("garbage")).await;
    assert_eq!((resp.status, resp.code()), (401, "invalid_token"));
    // A token signed with another secret.
    let other = tessera::auth::Tokens::new("another-secret", std::time::Duration::from_secs(60))
        .issue(1, "admin", 0)
        .unwrap();
    let resp = app.get("/admin/layouts", Some(&other)).await;
    assert_eq!((resp.status, resp.code()), (401, "invalid_token"));

    let resp = app.get("/admin/layouts", Some(&user)).await;
    assert_eq!((resp.status, resp.code()), (403, "admin_only"));
    let resp = app.get("/admin/layouts", Some(&app.admin_token)).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn restarting_with_a_new_admin_password_updates_it() {
    let first = TestApp::spawn().await;
    let db_url = first.db_url.clone();
    first.stop().await;

    let mut settings = test_settings(&db_url);
    settings.admin_password = Some("rotated-password".into());
    // Two instances starting together on the same database must not clash.
    let (a, b) = tokio::join!(
        TestApp::spawn_settings(settings.clone()),
        TestApp::spawn_settings(settings.clone())
    );
    let token = a.login(ADMIN_EMAIL, "rotated-password").await;
    assert_eq!(a.get("/admin/layouts", Some(&token)).await.status, 200);
    let resp = b
        .post(
            "/auth/login",
            None,
            &json!({"email": ADMIN_EMAIL, "password": "admin-password"}),
        )
        .await;
    assert_eq!(resp.status, 401);
}

#[tokio::test]
async fn outside_the_embedded_default_guessable_credentials_refuse_to_start() {
    let db_url = fresh_database().await;
    for (secret, password) in [
        (None, Some("admin-password")),
        (Some("too-short"), Some("admin-password")),
        (
            Some("a-long-enough-secret-for-tokens-0123456789"),
            Some(tessera::config::DEFAULT_ADMIN_PASSWORD),
        ),
    ] {
        let mut settings = test_settings(&db_url);
        settings.jwt_secret = secret.map(str::to_owned);
        settings.admin_password = password.map(str::to_owned);
        let err = match tessera::app::Application::build(settings).await {
            Ok(_) => panic!("started with secret {secret:?} and password {password:?}"),
            Err(err) => err.to_string(),
        };
        assert!(
            err.contains("JWT_SECRET") || err.contains("ADMIN_PASSWORD"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn signing_out_everywhere_revokes_every_earlier_token_on_every_instance() {
    let db_url = fresh_database().await;
    let mut settings = test_settings(&db_url);
    settings.jwt_secret = Some(format!("shared-secret-{}", uuid::Uuid::new_v4()));
    let a = TestApp::spawn_settings(settings.clone()).await;
    let b = TestApp::spawn_settings(settings).await;
    let created = a
        .post(
            "/auth/register",
            None,
            &json!({"email": "ann@example.com", "password": "ann-password"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let phone = a.login("ann@example.com", "ann-password").await;
    let laptop = b.login("ann@example.com", "ann-password").await;
    for (app, token) in [(&a, &phone), (&b, &laptop), (&a, &laptop), (&b, &phone)] {
        assert_eq!(app.get("/bookings", Some(token)).await.status, 200);
    }

    let out = a
        .post("/auth/logout-everywhere", Some(&laptop), &json!({}))
        .await;
    assert_eq!(out.status, 204, "{out:?}");
    // At once on the instance that revoked them.
    for token in [&phone, &laptop] {
        let refused = a.get("/bookings", Some(token)).await;
        assert_eq!((refused.status, refused.code()), (401, "invalid_token"));
    }
    // Within seconds on the others.
    crate::helpers::eventually(
        std::time::Duration::from_secs(10),
        "the other instance to refuse revoked tokens",
        || async { (b.get("/bookings", Some(&phone)).await.status == 401).then_some(()) },
    )
    .await;
    // Signing in again works.
    let fresh = b.login("ann@example.com", "ann-password").await;
    assert_eq!(a.get("/bookings", Some(&fresh)).await.status, 200);
    let anonymous = a.post("/auth/logout-everywhere", None, &json!({})).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn a_new_admin_password_at_start_up_revokes_older_admin_tokens() {
    let db_url = fresh_database().await;
    let mut settings = test_settings(&db_url);
    settings.jwt_secret = Some(format!("shared-secret-{}", uuid::Uuid::new_v4()));
    let first = TestApp::spawn_settings(settings.clone()).await;
    let old_token = first.admin_token.clone();
    first.stop().await;

    // The same password again: tokens survive the restart.
    let same = TestApp::spawn_settings(settings.clone()).await;
    assert_eq!(
        same.get("/admin/layouts", Some(&old_token)).await.status,
        200
    );
    same.stop().await;

    settings.admin_password = Some("a-rotated-password".into());
    let rotated = TestApp::spawn_settings(settings).await;
    let refused = rotated.get("/admin/layouts", Some(&old_token)).await;
    assert_eq!((refused.status, refused.code()), (401, "invalid_token"));
    assert_eq!(
        rotated
            .get("/admin/layouts", Some(&rotated.admin_token))
            .await
            .status,
        200
    );
}
