//! Public show endpoints: the list, one show, and its live seat map.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};

use super::Tag;
use super::cached::{self, CachedJson};
use super::error::reply;
use super::show_views::{SeatMap, ShowKind, ShowPage, ShowView};
use super::state::AppState;
use crate::cache::Entry;
use crate::domain::Result;
use crate::domain::page::{Cursor, page_size};
use crate::store::shows::ShowFilter;

crate::endpoint_response! {
    pub enum ListShowsResponse {
        /// A page of shows ordered by start time, then id.
        200 => Ok(CachedJson<ShowPage>, #[oai(header = "ETag")] String),
        /// The page has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, InvalidLimit, InvalidCursor, BadRequest],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum GetShowResponse {
        /// The show.
        200 => Ok(CachedJson<ShowView>, #[oai(header = "ETag")] String),
        /// The show has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

crate::endpoint_response! {
    pub enum SeatMapResponse {
        /// The seat map.
        200 => Ok(CachedJson<SeatMap>, #[oai(header = "ETag")] String),
        /// The seat map has not changed since the ETag sent in `If-None-Match`.
        304 => NotModified,
    }
    errors: [
        BadRequest: [InvalidParameter, BadRequest],
        NotFound: [ShowNotFound],
        RateLimited: [RateLimited],
        Internal: [InternalError],
        Unavailable: [ServiceUnavailable, RequestTimeout],
    ]
}

/// A cached body as a 200 with its ETag (gzip-compressed when the request accepts it),
/// or 304 when the client has it already.
macro_rules! conditional {
    ($response:ident, $entry:expr, $request:expr, $if_none_match:expr, $cache:expr) => {{
        let entry = $entry;
        if entry.matches($if_none_match.0.as_deref()) {
            $response::NotModified
        } else {
            let etag = entry.etag.to_string();
            let accept = $request
                .headers()
                .get(poem::http::header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok());
            $response::Ok(CachedJson::new(entry, accept, $cache), etag)
        }
    }};
}

pub struct ShowsApi;

#[OpenApi(tag = "Tag::Shows")]
impl ShowsApi {
    /// List shows (by default those that have not started yet).
    #[oai(path = "/shows", method = "get", operation_id = "list_shows")]
    // One argument per HTTP parameter: that is how poem-openapi describes them.
    #[allow(clippy::too_many_arguments)]
    async fn list_shows(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        /// Only shows of this kind.
        kind: Query<Option<ShowKind>>,
        /// Only shows starting at or after this time (RFC 3339, taken to the second);
        /// default: now.
        from: Query<Option<DateTime<Utc>>>,
        /// Only shows starting before this time (RFC 3339, taken to the second).
        to: Query<Option<DateTime<Utc>>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// ETag of a page you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ListShowsResponse {
        let result: Result<Entry> = async {
            let limit = page_size(limit.0)?;
            let after = cursor.0.as_deref().map(Cursor::decode).transpose()?;
            // Whole seconds: every distinct query is a cache entry and a database query,
            // and sub-second bounds would let a client make endless distinct ones.
            let filter = ShowFilter {
                kind: kind.0.map(|k| k.as_str().to_owned()),
                from: from.0.map(|t| t.trunc_subsecs(0)),
                to: to.0.map(|t| t.trunc_subsecs(0)),
            };
            cached::show_list(&state, &filter, after.as_ref(), limit).await
        }
        .await;
        reply(result, |entry| {
            conditional!(
                ListShowsResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }

    /// One show with its live seat count. After a write, pass its `show_version` as
    /// `min_version` to read at least that write.
    #[oai(path = "/shows/:id", method = "get", operation_id = "get_show")]
    async fn get_show(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        id: Path<i64>,
        /// Read at least the change that gave this version (a write's `show_version`),
        /// whichever instance answers.
        min_version: Query<Option<u64>>,
        /// ETag of the show you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> GetShowResponse {
        let min_version = min_version.0.unwrap_or(0);
        reply(cached::show(&state, id.0, min_version).await, |entry| {
            conditional!(
                GetShowResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }

    /// A show's seat map: every seat with position, category, price and live status.
    /// After a write, pass its `show_version` as `min_version` to read at least that write.
    #[oai(
        path = "/shows/:id/seats",
        method = "get",
        operation_id = "get_seat_map"
    )]
    async fn seat_map(
        &self,
        state: Data<&Arc<AppState>>,
        req: &poem::Request,
        id: Path<i64>,
        /// Read at least the change that gave this version (a write's `show_version`),
        /// whichever instance answers.
        min_version: Query<Option<u64>>,
        /// ETag of the seat map you have; 304 if it is still current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> SeatMapResponse {
        let min_version = min_version.0.unwrap_or(0);
        reply(cached::seat_map(&state, id.0, min_version).await, |entry| {
            conditional!(
                SeatMapResponse,
                entry,
                req,
                if_none_match,
                state.cache.local()
            )
        })
    }
}
