//! Sign-in building blocks without a store: code and password generation, hashing and checking.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

#[test]
fn login_codes_are_six_digits_and_vary() {
    let mut rng = StdRng::seed_from_u64(7);
    let codes: Vec<String> = (0..1000).map(|_| generate_login_code(&mut rng)).collect();
    assert!(codes.iter().all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())));
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert!(distinct.len() > 990, "{} distinct of 1000", distinct.len());
    // Every digit position takes every value: no position is stuck.
    for position in 0..6 {
        let seen: std::collections::HashSet<u8> = codes.iter().map(|c| c.as_bytes()[position]).collect();
        assert_eq!(seen.len(), 10, "position {position}");
    }
}

#[test]
fn a_password_hash_accepts_the_password_and_nothing_else() {
    let mut rng = StdRng::seed_from_u64(1);
    let hash = hash_password("correct horse battery", &mut rng).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(password_matches("correct horse battery", &hash));
    assert!(!password_matches("correct horse batterY", &hash));
    assert!(!password_matches("", &hash));
    assert!(!password_matches("correct horse battery", "not a hash"));
    // Salted: the same password hashes differently each time.
    assert_ne!(hash, hash_password("correct horse battery", &mut rng).unwrap());
}

#[test]
fn generated_passwords_are_long_and_avoid_look_alikes() {
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..200 {
        let p = generate_password(&mut rng);
        assert_eq!(p.len(), 16);
        assert!(!p.contains(['0', 'O', 'o', '1', 'l', 'I']), "{p}");
    }
}

#[test]
fn code_hashes_bind_the_phone() {
    assert_ne!(code_hash("+821012345678", "123456"), code_hash("+821012345679", "123456"));
    assert_ne!(code_hash("+821012345678", "123456"), code_hash("+821012345678", "123457"));
}

#[test]
fn session_tokens_are_256_bits_and_hide_in_debug() {
    let mut rng = StdRng::seed_from_u64(5);
    let token = SessionToken::generate(&mut rng);
    assert_eq!(token.reveal().len(), 64);
    assert_eq!(SessionToken::hash_of(token.reveal()), token.hash());
    assert!(!format!("{token:?}").contains(token.reveal()));
}
