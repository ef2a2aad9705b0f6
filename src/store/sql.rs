//! How statements reach PostgreSQL: named and prepared once per connection (talking to the
//! server itself), or unnamed and typed by the service (behind a pooler in transaction
//! mode, `DATABASE_POOLER=transaction`).
//!
//! A pooler in transaction mode (PgBouncer before 1.21, which Debian 12 ships) hands each
//! transaction, and each statement outside one, whichever server connection is free. A
//! statement prepared on one server connection is then missing on the next ("prepared
//! statement \"s12\" does not exist"), or another client's statement of the same name is
//! found there. Unnamed statements travel whole in one message sequence (parse, bind,
//! execute, sync), so nothing outlives them; the server cannot tell their parameter types
//! without a round trip of its own, so each parameter says its type ([`Param`]). The price
//! is a parse and plan per statement, measured in the benchmark suite.
//!
//! Every statement of the service goes through [`Conn`]: no code path can prepare a named
//! statement behind the service's back.

use deadpool_postgres::Object;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Error, Row};

/// How statements are sent (`DATABASE_POOLER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooler {
    /// Straight to PostgreSQL (or a pooler in session mode): statements are prepared once
    /// per connection and reused.
    #[default]
    None,
    /// Through a pooler in transaction mode: unnamed statements only, and the session
    /// settings travel with each transaction instead of with the connection.
    Transaction,
}

/// A statement parameter that knows its PostgreSQL type, so an unnamed statement can be
/// typed without asking the server.
pub trait Param: ToSql + Sync {
    fn pg_type(&self) -> Type;
}

/// A Rust type with one PostgreSQL type (the one its `ToSql` writes for this service's
/// columns), and the type of an array of it.
pub trait Typed: ToSql + Sync {
    const TYPE: Type;
}

/// A type whose arrays are parameters too.
pub trait Element: Typed {
    const ARRAY: Type;
}

impl<T: Typed> Param for T {
    fn pg_type(&self) -> Type {
        T::TYPE
    }
}

macro_rules! typed {
    ($($rust:ty => $pg:ident, $array:ident;)*) => {$(
        impl Typed for $rust {
            const TYPE: Type = Type::$pg;
        }
        impl Element for $rust {
            const ARRAY: Type = Type::$array;
        }
    )*};
}

typed! {
    bool => BOOL, BOOL_ARRAY;
    i16 => INT2, INT2_ARRAY;
    i32 => INT4, INT4_ARRAY;
    i64 => INT8, INT8_ARRAY;
    f32 => FLOAT4, FLOAT4_ARRAY;
    f64 => FLOAT8, FLOAT8_ARRAY;
    String => TEXT, TEXT_ARRAY;
    &str => TEXT, TEXT_ARRAY;
    uuid::Uuid => UUID, UUID_ARRAY;
    chrono::DateTime<chrono::Utc> => TIMESTAMPTZ, TIMESTAMPTZ_ARRAY;
    serde_json::Value => JSONB, JSONB_ARRAY;
}

impl<T: Typed> Typed for Option<T> {
    const TYPE: Type = T::TYPE;
}

/// Arrays with NULLs.
impl<T: Element> Element for Option<T> {
    const ARRAY: Type = T::ARRAY;
}

impl<T: Typed> Typed for &T {
    const TYPE: Type = T::TYPE;
}

impl<T: Element> Typed for Vec<T> {
    const TYPE: Type = T::ARRAY;
}

impl<T: Element> Typed for &[T] {
    const TYPE: Type = T::ARRAY;
}

/// How a pool's connections talk to the server: shared by every connection of a pool.
#[derive(Debug, Clone)]
pub struct Session {
    pub pooler: Pooler,
    /// The settings as the `options` startup parameter.
    options: std::sync::Arc<str>,
    /// `SET LOCAL` statements that start every transaction behind a transaction-mode
    /// pooler: there the session settings cannot travel with the connection (PgBouncer
    /// refuses the `options` startup parameter, and a server connection serves other
    /// clients between two transactions of ours).
    local_settings: std::sync::Arc<str>,
}

impl Session {
    /// `settings`: the `(name, value)` pairs the service's sessions run with.
    pub fn new(pooler: Pooler, settings: &[(&str, String)]) -> Self {
        let local_settings = settings
            .iter()
            .map(|(name, value)| format!("; SET LOCAL {name} = {value}"))
            .collect::<String>();
        let options = settings
            .iter()
            .map(|(name, value)| format!("-c {name}={value}"))
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            pooler,
            options: options.into(),
            local_settings: local_settings.into(),
        }
    }

    /// The settings as the `options` startup parameter of a direct connection.
    pub fn options(&self) -> &str {
        &self.options
    }
}

/// Sends `$sql` with `$params` on `$conn` through the driver's `$prepared` method (of a
/// statement prepared once per connection) or `$unnamed` one (typed by the parameters),
/// as the connection's pooler allows, and notes errors that make the connection stale.
macro_rules! send {
    ($conn:expr, $sql:expr, $params:expr, $prepared:ident, $unnamed:ident) => {{
        let client = $conn.object();
        $conn.check(match $conn.session.pooler {
            Pooler::None => match client.prepare_cached($sql).await {
                Ok(statement) => client.$prepared(&statement, &untyped($params)).await,
                Err(err) => Err(err),
            },
            Pooler::Transaction => client.$unnamed($sql, &typed($params)).await,
        })
    }};
}

/// A pooled connection that sends statements the way [`Pooler`] says.
///
/// A connection that meets a server which no longer takes writes (a primary demoted by a
/// failover, reached through a pooler whose connection to us outlived it) is closed when
/// dropped instead of going back to the pool: the next one is made afresh, and a
/// multi-host `DATABASE_URL` then finds the new primary.
pub struct Conn {
    client: Option<Object>,
    session: Session,
    stale: std::sync::atomic::AtomicBool,
}

impl Conn {
    pub(super) fn new(client: Object, session: Session) -> Self {
        Self {
            client: Some(client),
            session,
            stale: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn object(&self) -> &Object {
        self.client
            .as_ref()
            .expect("the client is only taken on drop")
    }

    /// Notes an error that makes this connection useless for writes.
    fn check<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(err) = &result
            && err.code() == Some(&tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION)
        {
            self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    /// `begin` (a `BEGIN` with its own `SET LOCAL`s), with the session settings a
    /// transaction-mode pooler needs.
    pub fn begin_sql<'a>(&self, begin: &'a str) -> std::borrow::Cow<'a, str> {
        match self.session.pooler {
            Pooler::None => begin.into(),
            Pooler::Transaction => format!("{begin}{}", self.session.local_settings).into(),
        }
    }

    /// The rows `sql` returns.
    pub async fn rows(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>, Error> {
        send!(self, sql, params, query, query_typed)
    }

    /// The one row `sql` returns (an error when there is none or more).
    pub async fn one(&self, sql: &str, params: &[&dyn Param]) -> Result<Row, Error> {
        send!(self, sql, params, query_one, query_typed_one)
    }

    /// The row `sql` returns, if any (an error when more).
    pub async fn opt(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<Row>, Error> {
        send!(self, sql, params, query_opt, query_typed_opt)
    }

    /// Runs `sql`; the number of rows it changed.
    pub async fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, Error> {
        send!(self, sql, params, execute, execute_typed)
    }

    /// Makes sure `sql` is prepared (a no-op for unnamed statements), so that a later
    /// [`Conn::rows`] of it is sent on its first poll: statements pipelined ahead of a
    /// `COMMIT` must be on the wire before it.
    pub async fn ready(&self, sql: &str) -> Result<(), Error> {
        if self.session.pooler == Pooler::None {
            self.object().prepare_cached(sql).await?;
        }
        Ok(())
    }

    /// Runs `sql`, one or more statements without parameters, in the simple protocol.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        self.check(self.object().batch_execute(sql).await)
    }

    /// The driver's client, for the migration runner (which talks to the server itself).
    pub(super) fn driver(&mut self) -> &mut tokio_postgres::Client {
        self.client
            .as_mut()
            .expect("the client is only taken on drop")
    }

    /// Gives the connection up rather than return it to the pool (its state is unknown).
    pub(super) fn discard(self) {
        self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if *self.stale.get_mut()
            && let Some(client) = self.client.take()
        {
            drop(Object::take(client));
        }
    }
}

/// The values, for a prepared statement (whose types the server gave).
fn untyped<'a>(params: &[&'a dyn Param]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| *p as &(dyn ToSql + Sync)).collect()
}

/// The values with their types, for an unnamed statement.
fn typed<'a>(params: &[&'a dyn Param]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|p| (*p as &(dyn ToSql + Sync), p.pg_type()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_carry_their_types_through_options_references_and_arrays() {
        let seats: Vec<i32> = vec![1, 2];
        let labels: &[&str] = &["A1"];
        let none: Option<i64> = None;
        let params: [&dyn Param; 4] = [&seats, &labels, &none, &"x"];
        let types: Vec<Type> = params.iter().map(|p| p.pg_type()).collect();
        assert_eq!(
            types,
            [Type::INT4_ARRAY, Type::TEXT_ARRAY, Type::INT8, Type::TEXT]
        );
    }
}
