//! The web UI is served at `/` when built; otherwise `/` says how to build it.

use crate::helpers::TestApp;

#[tokio::test]
async fn a_built_ui_is_served_with_client_side_routes() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ui-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Tessera UI</title>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log('seat map')").unwrap();
    let web_dir = dir.clone();
    let app = TestApp::spawn_with(move |s| s.web_dir = web_dir).await;

    for path in ["/", "/shows/7", "/bookings"] {
        let page = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert!(page.text().await.unwrap().contains("Tessera UI"), "{path}");
    }
    let asset = app
        .http
        .get(format!("{}/assets/app.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.text().await.unwrap(), "console.log('seat map')");
    // The API and docs keep their own routes.
    let missing = app.get("/no/such/route", None).await;
    assert_eq!((missing.status, missing.code()), (404, "route_not_found"));
    assert_eq!(app.get("/shows", None).await.status, 200);
    let docs = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert!(docs.text().await.unwrap().contains("swagger"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_a_built_ui_the_root_says_how_to_build_it() {
    let app = TestApp::spawn_with(|s| s.web_dir = "/nonexistent/web/dist".into()).await;
    let page = app.http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("npm run build"));
}
