//! Seed files: the shipped samples load, and loading twice changes nothing.

use crate::helpers::TestApp;

#[tokio::test]
async fn sample_seed_files_load_once() {
    let app = TestApp::spawn().await;
    let db = tessera::store::Db::connect(&tessera::store::PoolSettings {
        url: app.db_url.clone(),
        max_size: 2,
        read_max_size: 1,
        timeout: std::time::Duration::from_secs(10),
        pooler: Default::default(),
    })
    .unwrap();
    let mut expected_seats = Vec::new();
    for (file, seats) in [
        ("cinema.json", 150),
        ("coach.json", 45),
        ("clinic.json", 24),
        ("arena.json", 20_000),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(file);
        let first = tessera::seed::seed_file(&db, &path).await.unwrap();
        assert!(first.shows > 0, "{file}");
        let second = tessera::seed::seed_file(&db, &path).await.unwrap();
        assert_eq!(first, second, "{file}");
        expected_seats.push(seats);
    }
    let sql = app.sql().await;
    let shows = app.scalar("SELECT count(*) FROM shows", &[]).await;
    let layouts = app.scalar("SELECT count(*) FROM layouts", &[]).await;
    assert_eq!(layouts, 4);
    assert!(shows >= 4);
    // Each layout has the advertised size.
    let sizes: Vec<i32> = sql
        .query("SELECT seat_count FROM layouts ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(sizes, expected_seats, "layouts in file order");
    // The sample shows are bookable, at their local times in their venues' zones.
    let listed = app.get("/shows?limit=200", None).await;
    let items = listed.body["items"].as_array().unwrap();
    assert!(items.len() >= 4);
    let coach = items
        .iter()
        .find(|s| s["kind"] == "bus" && s["name"].as_str().unwrap().starts_with("Lisbon"))
        .unwrap();
    assert_eq!(coach["time_zone"], "Europe/Lisbon");
    let starts_at: chrono::DateTime<chrono::Utc> =
        coach["starts_at"].as_str().unwrap().parse().unwrap();
    let local = starts_at.with_timezone(&chrono_tz::Europe::Lisbon);
    assert_eq!(local.format("%H:%M").to_string(), "08:15", "{coach}");
}
