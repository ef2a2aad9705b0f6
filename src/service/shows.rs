//! Creating shows.

use std::sync::Arc;

use super::{Change, announce};
use crate::cache::Hub;
use crate::domain::Result;
use crate::domain::show::{Show, ShowDraft};
use crate::store::Db;
use crate::store::shows::LayoutSource;

/// Creates a show (and its seats) and announces it: it may belong on any cached list.
pub async fn create(
    db: &Db,
    hub: &Arc<Hub>,
    draft: &ShowDraft,
    source: LayoutSource,
) -> Result<Show> {
    let show = db.create_show(draft, source, None).await?;
    announce(db, hub, Change::Show { show_id: show.id }).await;
    Ok(show)
}
