//! Credentials: argon2 password hashes and signed access tokens (JWT, HS256).

use std::future::Future;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::limits::{MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::domain::{Code, Error, Result};

/// Who is calling, as proven by their token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub admin: bool,
    /// The user's token version when the token was issued (see [`TokenVersions`]).
    pub token_version: i32,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id.
    sub: String,
    role: String,
    iat: u64,
    exp: u64,
    /// The user's token version at issue (tokens from before versions existed: 0).
    #[serde(default)]
    ver: i32,
}

/// Issues and checks access tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &str, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl,
        }
    }

    /// Lifetime of issued tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A token for `user_id` at their current `token_version`.
    pub fn issue(&self, user_id: i64, role: &str, token_version: i32) -> Result<String> {
        let iat = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            iat,
            exp: iat + self.ttl.as_secs(),
            ver: token_version,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(Error::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Principal> {
        let invalid = || {
            Error::new(
                Code::InvalidToken,
                "The bearer token is invalid or has expired; log in again.",
            )
        };
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| invalid())?;
        let user_id = data.claims.sub.parse().map_err(|_| invalid())?;
        Ok(Principal {
            user_id,
            admin: data.claims.role == "admin",
            token_version: data.claims.ver,
        })
    }
}

/// Hashes a password with argon2id off the async threads (it takes tens of milliseconds
/// on purpose), in one of the bounded [`hashing`] slots.
pub async fn hash_password(password: String) -> Result<String> {
    hashing(Admission::Bounded, move || hash(&password)).await?
}

/// [`hash_password`] for the service itself (the admin account at start-up, the dummy
/// hash): it waits for its turn however many requests are queued, rather than fail.
pub async fn hash_password_patiently(password: String) -> Result<String> {
    hashing(Admission::Always, move || hash(&password)).await?
}

fn hash(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| Error::internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Checks a password against a stored hash, off the async threads, in one of the bounded
/// [`hashing`] slots.
pub async fn verify_password(password: String, hash: String) -> Result<bool> {
    hashing(Admission::Bounded, move || verify(&password, &hash)).await
}

/// [`verify_password`] for the service itself (the admin password at start-up).
pub async fn verify_password_patiently(password: String, hash: String) -> Result<bool> {
    hashing(Admission::Always, move || verify(&password, &hash)).await
}

fn verify(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Each user's current token version, as this instance last read it: a token is valid
/// only while its version is the user's current one. Read from the database at most every
/// [`TOKEN_VERSION_FRESH_FOR`] per user (every authenticated request checks it); a
/// revocation made here applies at once, one made on another instance within that time.
pub struct TokenVersions {
    current: moka::future::Cache<i64, i32>,
}

/// How long a user's token version is trusted before it is read again.
pub const TOKEN_VERSION_FRESH_FOR: Duration = Duration::from_secs(5);

impl Default for TokenVersions {
    fn default() -> Self {
        Self {
            current: moka::future::Cache::builder()
                // A few bytes per signed-in user seen in the last seconds.
                .max_capacity(200_000)
                .time_to_live(TOKEN_VERSION_FRESH_FOR)
                .build(),
        }
    }
}

impl TokenVersions {
    /// `principal` when its token is of the user's current version (`load` reads it when
    /// this instance has no fresh copy); `invalid_token` when it was revoked or the user is
    /// gone.
    pub async fn check(
        &self,
        principal: Principal,
        load: impl Future<Output = Result<Option<i32>>>,
    ) -> Result<Principal> {
        let current = self
            .current
            .try_get_with(principal.user_id, async { load.await?.ok_or_else(revoked) })
            .await
            .map_err(|err: std::sync::Arc<Error>| err.duplicate())?;
        if current != principal.token_version {
            return Err(revoked());
        }
        Ok(principal)
    }

    /// Records a revocation made by this instance (applies at once here).
    pub async fn revoked(&self, user_id: i64, new_version: i32) {
        self.current.insert(user_id, new_version).await;
    }
}

fn revoked() -> Error {
    Error::new(
        Code::InvalidToken,
        "This token was revoked (signed out everywhere, or a new password); log in again.",
    )
}

/// Runs password-hashing `work` on a blocking thread, one per core at most.
///
/// Hashing is the one thing an anonymous client can make expensive on purpose: argon2id
/// takes tens of milliseconds of CPU and 19 MiB of memory per hash. Unbounded, 1,500
/// parallel sign-ins meant 1,500 blocking threads and gigabytes of memory. So at most one
/// hash per core runs at a time, [`QUEUED_PER_CORE`] per core more wait for their turn,
/// and anything beyond is refused at once with 503 `service_busy` and `Retry-After`.
async fn hashing<T: Send + 'static>(
    admission: Admission,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let slots = hash_slots();
    let admitted = Admitted::new(slots, admission).ok_or_else(|| {
        metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => "password_hashing").increment(1);
        Error::busy("Too many sign-ins at once; try again in a second.")
    })?;
    let permit = slots
        .running
        .clone()
        .acquire_owned()
        .await
        .map_err(Error::internal)?;
    // The permit and the admission go with the work: a request that gives up waiting for
    // the answer does not free the slot while its hash still runs.
    tokio::task::spawn_blocking(move || {
        let _held = (permit, admitted);
        work()
    })
    .await
    .map_err(Error::internal)
}

/// Whether a hash may be refused when the queue is full.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admission {
    Bounded,
    Always,
}

/// Hashes waiting for a core, per core, beyond those running.
const QUEUED_PER_CORE: usize = 8;

struct HashSlots {
    running: std::sync::Arc<tokio::sync::Semaphore>,
    /// Hashes running or waiting.
    admitted: std::sync::atomic::AtomicUsize,
    max_admitted: usize,
}

fn hash_slots() -> &'static HashSlots {
    static SLOTS: std::sync::OnceLock<HashSlots> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashSlots {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(cores)),
            admitted: std::sync::atomic::AtomicUsize::new(0),
            max_admitted: cores * (1 + QUEUED_PER_CORE),
        }
    })
}

/// One admitted hash; leaves the count when dropped.
struct Admitted(&'static HashSlots);

impl Admitted {
    fn new(slots: &'static HashSlots, admission: Admission) -> Option<Self> {
        use std::sync::atomic::Ordering;
        slots
            .admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < slots.max_admitted || admission == Admission::Always).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(slots))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0
            .admitted
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// A hash of a random password: verifying against it costs what a real check costs, so
/// an unknown e-mail cannot be told from a wrong password by timing.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash_password_patiently(uuid::Uuid::new_v4().to_string())
                .await
                .unwrap_or_default()
        })
        .await
}

/// Normalises and checks an e-mail address: trimmed, lower-cased, one `@` with text on
/// both sides, no spaces, at most 254 characters.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                && !domain.ends_with('.') && !domain.contains('@'));
    if !valid {
        return Err(Error::new(
            Code::InvalidEmail,
            "Give a valid e-mail address (at most 254 characters).",
        ));
    }
    Ok(email)
}

/// Checks a new password's length (in characters).
pub fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(Error::new(
            Code::InvalidPassword,
            format!("A password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let tokens = Tokens::new("secret-one", Duration::from_secs(60));
        let token = tokens.issue(42, "admin", 3).unwrap();
        assert_eq!(
            tokens.verify(&token).unwrap(),
            Principal {
                user_id: 42,
                admin: true,
                token_version: 3,
            }
        );
        let other = Tokens::new("secret-two", Duration::from_secs(60));
        assert_eq!(
            other.verify(&token).unwrap_err().code.as_str(),
            "invalid_token"
        );
        assert_eq!(
            tokens.verify("not.a.token").unwrap_err().code.as_str(),
            "invalid_token"
        );
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(
            verify_password("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
    }
}
