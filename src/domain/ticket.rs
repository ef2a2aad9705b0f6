//! Booking references and tickets.
//!
//! A booking's **reference** is the first 40 bits of its id in Crockford base32
//! (`K7Q2-M9XD`): short enough to read out at a box office, and a range of ids, so looking
//! one up is a primary-key range scan. It is not secret (the id is not either).
//!
//! A **ticket** admits one seat of a confirmed booking. Its code names the show and the
//! seat and carries a MAC of (show, seat, booking) under a secret only the service holds
//! (`7-1093-K7Q2M9XD`): it cannot be guessed or forged, it needs no row of its own (a
//! confirm writes nothing more), and it stops opening the door by itself when its booking
//! is cancelled, because the seat then belongs to no booking or to another one.

use data_encoding::{Encoding, Specification};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::LazyLock;
use uuid::Uuid;

/// Crockford's base32: no I, L, O or U; reading accepts lower case and the look-alikes
/// `O` → `0`, `I`/`L` → `1`.
static CROCKFORD: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzOoIiLl");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    spec.encoding().expect("a valid base32 specification")
});

/// Bytes of the booking id in its reference, and of the MAC in a ticket code (8 symbols).
const CODE_BYTES: usize = 5;

/// The booking's short reference, `XXXX-XXXX`.
pub fn reference(booking_id: Uuid) -> String {
    let symbols = CROCKFORD.encode(&booking_id.as_bytes()[..CODE_BYTES]);
    format!("{}-{}", &symbols[..4], &symbols[4..])
}

/// The booking ids a reference stands for: `[low, high]`, inclusive. `None` if it is not
/// a reference (hyphens and spaces are ignored, case too).
pub fn reference_range(reference: &str) -> Option<(Uuid, Uuid)> {
    let compact: String = reference
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    if compact.len() != 8 {
        return None;
    }
    let prefix = CROCKFORD.decode(compact.as_bytes()).ok()?;
    let mut low = [0u8; 16];
    let mut high = [0xffu8; 16];
    low[..CODE_BYTES].copy_from_slice(&prefix);
    high[..CODE_BYTES].copy_from_slice(&prefix);
    Some((Uuid::from_bytes(low), Uuid::from_bytes(high)))
}

/// A ticket code taken apart: which seat of which show it claims to admit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketClaim {
    pub show_id: i64,
    pub seat_id: i32,
    mac: Vec<u8>,
}

/// Makes and checks ticket codes with the service's ticket secret.
#[derive(Clone)]
pub struct TicketSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for TicketSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSigner(..)")
    }
}

impl TicketSigner {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec(),
        }
    }

    /// The MAC of a ticket, before it is cut to [`CODE_BYTES`].
    fn mac(&self, show_id: i64, seat_id: i32, booking_id: Uuid) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(b"tessera ticket v1\0");
        mac.update(&show_id.to_be_bytes());
        mac.update(&seat_id.to_be_bytes());
        mac.update(booking_id.as_bytes());
        mac
    }

    /// The code of the ticket for `seat_id` of `booking_id`: `show-seat-MAC`.
    pub fn code(&self, show_id: i64, seat_id: i32, booking_id: Uuid) -> String {
        let mac = self
            .mac(show_id, seat_id, booking_id)
            .finalize()
            .into_bytes();
        let mac = CROCKFORD.encode(&mac[..CODE_BYTES]);
        format!("{show_id}-{seat_id}-{mac}")
    }

    /// Takes a code apart (as typed: case, look-alike letters and surrounding spaces do
    /// not matter). `None` if it cannot be a ticket code at all.
    pub fn parse(code: &str) -> Option<TicketClaim> {
        let mut parts = code.trim().split('-');
        let (show, seat, mac) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || mac.len() != 8 {
            return None;
        }
        Some(TicketClaim {
            show_id: show.parse().ok().filter(|&id: &i64| id > 0)?,
            seat_id: seat.parse().ok().filter(|&id: &i32| id > 0)?,
            mac: CROCKFORD.decode(mac.as_bytes()).ok()?,
        })
    }

    /// Whether `claim` is the ticket of its seat in `booking_id` (compared in constant
    /// time).
    pub fn admits(&self, claim: &TicketClaim, booking_id: Uuid) -> bool {
        self.mac(claim.show_id, claim.seat_id, booking_id)
            .verify_truncated_left(&claim.mac)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_short_and_stands_for_its_booking() {
        let id = Uuid::new_v4();
        let reference = reference(id);
        assert_eq!(reference.len(), 9);
        assert_eq!(&reference[4..5], "-");
        let (low, high) = reference_range(&reference).unwrap();
        assert!(low <= id && id <= high);
        // As read out: lower case, no hyphen, O for 0.
        let typed = reference.replace('-', "").to_lowercase().replace('0', "o");
        assert_eq!(reference_range(&typed), Some((low, high)));
        assert_eq!(reference_range("ABC"), None);
        assert_eq!(reference_range("ABCD-EFGU"), None, "U is not a symbol");
    }

    #[test]
    fn a_ticket_admits_its_seat_of_its_booking_only() {
        let signer = TicketSigner::new(b"secret");
        let booking = Uuid::new_v4();
        let code = signer.code(7, 1093, booking);
        assert!(code.starts_with("7-1093-"), "{code}");
        let claim = TicketSigner::parse(&code).unwrap();
        assert_eq!((claim.show_id, claim.seat_id), (7, 1093));
        assert!(signer.admits(&claim, booking));
        assert!(!signer.admits(&claim, Uuid::new_v4()), "another booking");
        assert!(
            !TicketSigner::new(b"other").admits(&claim, booking),
            "another secret"
        );
        // Another seat with this seat's MAC: refused.
        let forged = TicketSigner::parse(&code.replacen("1093", "1094", 1)).unwrap();
        assert!(!signer.admits(&forged, booking));
        // Typed by hand: lower case and spaces around.
        let typed = format!("  {}  ", code.to_lowercase());
        assert!(signer.admits(&TicketSigner::parse(&typed).unwrap(), booking));
    }

    #[test]
    fn malformed_codes_are_not_tickets() {
        for code in [
            "",
            "7",
            "7-1",
            "7-1-ABC",
            "x-1-ABCDEFGH",
            "7-1-ABCDEFGH-9",
            "0-1-ABCDEFGH",
            "7--1-ABCDEFGH",
        ] {
            assert_eq!(TicketSigner::parse(code), None, "{code:?}");
        }
    }
}
