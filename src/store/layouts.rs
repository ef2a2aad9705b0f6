//! Stored layouts.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::{Db, db_error};
use crate::domain::layout::{Layout, LayoutSpec};
use crate::domain::page::Cursor;
use crate::domain::{Code, Error, Result};

/// A layout as stored.
#[derive(Debug, Clone)]
pub struct LayoutRecord {
    pub id: i64,
    pub seat_count: i32,
    pub spec: LayoutSpec,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, seat_count, definition, created_at";

fn from_row(row: &Row) -> Result<LayoutRecord> {
    let definition: serde_json::Value = row.get(2);
    Ok(LayoutRecord {
        id: row.get(0),
        seat_count: row.get(1),
        spec: serde_json::from_value(definition).map_err(Error::internal)?,
        created_at: row.get(3),
    })
}

/// Inserts a validated layout; with a `seed_key`, an existing layout of that key is
/// returned instead (so seeding twice changes nothing).
pub(super) async fn insert(
    client: &crate::store::Conn,
    layout: &Layout,
    seed_key: Option<&str>,
) -> Result<LayoutRecord> {
    let definition = serde_json::to_value(&layout.spec).map_err(Error::internal)?;
    let seat_count = layout.seat_count() as i32;
    let sql = format!(
        "INSERT INTO layouts (name, seat_count, definition, seed_key) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (seed_key) DO UPDATE SET seed_key = EXCLUDED.seed_key RETURNING {COLUMNS}"
    );
    let row = client
        .one(
            &sql,
            &[&layout.spec.name, &seat_count, &definition, &seed_key],
        )
        .await
        .map_err(db_error)?;
    from_row(&row)
}

impl Db {
    pub async fn create_layout(
        &self,
        layout: &Layout,
        seed_key: Option<&str>,
    ) -> Result<LayoutRecord> {
        let client = self.client().await?;
        insert(&client, layout, seed_key).await
    }

    pub async fn layout(&self, id: i64) -> Result<LayoutRecord> {
        let client = self.client().await?;
        let row = client
            .opt(
                &format!("SELECT {COLUMNS} FROM layouts WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?
            .ok_or_else(|| Error::new(Code::LayoutNotFound, format!("There is no layout {id}.")))?;
        from_row(&row)
    }

    /// Layouts in creation order, one page after `after`.
    pub async fn layouts(&self, after: Option<&Cursor>, limit: i64) -> Result<Vec<LayoutRecord>> {
        let client = self.client().await?;
        let after_id: i64 = match after {
            Some(cursor) => cursor
                .id
                .parse()
                .map_err(|_| Error::new(Code::InvalidCursor, "Bad cursor."))?,
            None => 0,
        };
        let rows = client
            .rows(
                &format!("SELECT {COLUMNS} FROM layouts WHERE id > $1 ORDER BY id LIMIT $2"),
                &[&after_id, &limit],
            )
            .await
            .map_err(db_error)?;
        rows.iter().map(from_row).collect()
    }
}
