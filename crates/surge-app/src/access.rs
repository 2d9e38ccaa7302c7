//! Signing in: citizens and organisation admins by a one-time code sent to their phone, staff by username and
//! password (argon2id). Both give a session whose token is a cookie; only its hash is stored. Sign-in attempts are
//! rate-limited per phone, per username and per client address, in the database so every server shares the count.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use surge_domain::audit::AuditEntry;
use surge_domain::notify::Templates;
use surge_domain::{FieldError, Phone};
use time::{Duration, OffsetDateTime};

use crate::{
    Access, AccountRecord, ApiKeyRecord, AppError, AuditLog, CodeCheck, KeyScope, NewAccount, NewApiKey, NewLoginCode,
    Organisations, OutboxMessage, Role,
};

/// How long codes and sessions last and how often people may try. The defaults follow common practice for SMS
/// codes (NIST SP 800-63B: short-lived, limited attempts) and a working day's session.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    pub code_lifetime: Duration,
    /// Wrong guesses before a code stops working.
    pub code_attempts: u32,
    /// Codes sent to one phone per `code_window`.
    pub codes_per_phone: u32,
    /// Codes requested from one client address per `code_window`.
    pub codes_per_address: u32,
    pub code_window: Duration,
    /// Password attempts per username from one client address, and per client address, in `password_window`.
    pub passwords_per_user: u32,
    pub passwords_per_address: u32,
    pub password_window: Duration,
    /// Failed passwords for one username from addresses it has never signed in from, in `username_window`: the
    /// slower, longer limit on guessing from many addresses. An address the user signed in from within
    /// `known_address_days` is not held by it, so a guesser cannot lock the real user out.
    pub failures_per_username: u32,
    pub username_window: Duration,
    pub known_address_days: i64,
    pub session_lifetime: Duration,
    pub min_password_chars: usize,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            code_lifetime: Duration::minutes(5),
            code_attempts: 5,
            codes_per_phone: 3,
            codes_per_address: 20,
            code_window: Duration::minutes(15),
            passwords_per_user: 10,
            passwords_per_address: 50,
            password_window: Duration::minutes(15),
            failures_per_username: 30,
            username_window: Duration::hours(1),
            known_address_days: 30,
            session_lifetime: Duration::hours(12),
            min_password_chars: 12,
        }
    }
}

/// A session's secret: 256 random bits as hex, sent only in a cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn hash_of(presented: &str) -> [u8; 32] {
        Sha256::digest(presented.as_bytes()).into()
    }

    pub fn hash(&self) -> [u8; 32] {
        Self::hash_of(&self.0)
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// Six digits, uniformly drawn (rejection sampling keeps `% 1_000_000` unbiased).
pub fn generate_login_code<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    const LIMIT: u32 = u32::MAX - u32::MAX % 1_000_000;
    loop {
        let n = rng.next_u32();
        if n < LIMIT {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

fn code_hash(phone: &str, code: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(phone.as_bytes());
    hasher.update(b"\0");
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

/// An argon2id hash in PHC form, with the crate's default cost (19 MiB, 2 passes).
pub fn hash_password<R: RngCore + CryptoRng>(password: &str, rng: &mut R) -> Result<String, AppError> {
    let salt = SaltString::generate(rng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Signing(format!("hashing a password: {e}")))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A fresh password to hand out once: 16 characters from an alphabet without look-alikes (about 80 bits).
pub fn generate_password<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(16);
    while out.len() < 16 {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        if usize::from(byte[0]) < limit {
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    out
}

async fn limited<S: Access>(
    store: &S,
    bucket: String,
    now: OffsetDateTime,
    window: Duration,
    limit: u32,
) -> Result<(), AppError> {
    if store.rate_limit(&bucket, now, window.whole_seconds(), limit).await? {
        Ok(())
    } else {
        tracing::warn!(bucket = bucket.split(':').next().unwrap_or(""), "rate limit reached");
        Err(AppError::RateLimited { retry_after_seconds: window.whole_seconds() })
    }
}

fn parse_phone(text: &str, region: &str) -> Result<Phone, AppError> {
    Phone::parse(text, region)
        .map_err(|message| AppError::InvalidForm(vec![FieldError { field: "phone", code: "phone_invalid", message }]))
}

/// The languages texts are written in; a page in another (none yet) is not remembered for texts.
pub const TEXT_LANGUAGES: [&str; 2] = ["ko", "en"];

/// Remembers the language a person uses the service in, for the texts they get later. A failure only costs the
/// preference, never the person's request.
pub async fn remember_language<S: Access>(store: &S, phone: &str, lang: &str, now: OffsetDateTime) {
    if TEXT_LANGUAGES.contains(&lang) {
        if let Err(e) = store.remember_language(phone, lang, now).await {
            tracing::warn!(error = %e, "remembering a phone's language failed");
        }
    }
}

/// The language to text a phone in: the one it last used the service in, else `default` (the authority's).
pub async fn text_language<S: Access>(store: &S, phone: &str, default: &str) -> String {
    match store.languages_of(&[phone.to_owned()]).await {
        Ok(mut found) => found.remove(phone).unwrap_or_else(|| default.to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "reading a phone's language failed; the authority's is used");
            default.to_owned()
        }
    }
}

/// Sends a sign-in code to `phone_text` (as typed), unless the phone or the client address asked too often.
/// Returns the phone in E.164, for the next step.
#[expect(clippy::too_many_arguments, reason = "each is a separate input of the one use case")]
pub async fn request_login_code<S: Access, R: RngCore + CryptoRng>(
    store: &S,
    policy: &AccessPolicy,
    lang: &str,
    phone_region: &str,
    phone_text: &str,
    client_address: &str,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<String, AppError> {
    let phone = parse_phone(phone_text, phone_region)?;
    let phone = phone.as_str().to_owned();
    limited(store, format!("code-address:{client_address}"), now, policy.code_window, policy.codes_per_address).await?;
    limited(store, format!("code-phone:{phone}"), now, policy.code_window, policy.codes_per_phone).await?;
    let code = generate_login_code(rng);
    let minutes = policy.code_lifetime.whole_minutes().to_string();
    let body = Templates::builtin()
        .render("login_code", lang, &[("code", &code), ("minutes", &minutes)])
        .or_else(|_| Templates::builtin().render("login_code", "en", &[("code", &code), ("minutes", &minutes)]))
        .map_err(|e| AppError::Signing(e.to_string()))?;
    let mut nonce = [0u8; 8];
    rng.fill_bytes(&mut nonce);
    store
        .create_login_code(&NewLoginCode {
            phone: phone.clone(),
            code_hash: code_hash(&phone, &code),
            created_at: now,
            expires_at: now + policy.code_lifetime,
            sms: OutboxMessage {
                idempotency_key: format!("login-code:{}", hex::encode(nonce)),
                kind: "login_code".into(),
                recipient: phone.clone(),
                body,
            },
        })
        .await?;
    remember_language(store, &phone, lang, now).await;
    tracing::info!("sign-in code sent");
    Ok(phone)
}

/// A new session for `account`.
async fn open_session<S: Access, R: RngCore + CryptoRng>(
    store: &S,
    policy: &AccessPolicy,
    account: &AccountRecord,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<SessionToken, AppError> {
    let token = SessionToken::generate(rng);
    store.insert_session(token.hash(), account.id, now, now + policy.session_lifetime).await?;
    tracing::info!(account_id = account.id, role = account.role.as_str(), "signed in");
    Ok(token)
}

/// Signs in with the code sent to `phone` (E.164, as `request_login_code` returned it). The code proves the phone:
/// organisations registered with it as their contact and waiting for that go to officials.
pub async fn sign_in_with_code<S: Access + crate::Organisations, R: RngCore + CryptoRng>(
    store: &S,
    policy: &AccessPolicy,
    phone: &str,
    code: &str,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<(SessionToken, AccountRecord), AppError> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return Err(AppError::InvalidForm(vec![FieldError {
            field: "code",
            code: "code_invalid",
            message: "Enter the 6-digit code from the text message".into(),
        }]));
    }
    match store.use_login_code(phone, code_hash(phone, &code), now, policy.code_attempts).await? {
        CodeCheck::Matched => {}
        CodeCheck::Wrong { attempts_left } => return Err(AppError::CodeWrong { attempts_left }),
        CodeCheck::Spent => return Err(AppError::CodeSpent),
    }
    crate::organisations::confirm_contact(store, phone, now).await?;
    let account = store.phone_account(phone, now).await?;
    let token = open_session(store, policy, &account, now, rng).await?;
    Ok((token, account))
}

/// Signs a staff member in with username and password.
pub async fn sign_in_with_password<S: Access + AuditLog, R: RngCore + CryptoRng>(
    store: &S,
    policy: &AccessPolicy,
    username: &str,
    password: &str,
    client_address: &str,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<(SessionToken, AccountRecord), AppError> {
    let username = username.trim().to_lowercase();
    limited(
        store,
        format!("password-address:{client_address}"),
        now,
        policy.password_window,
        policy.passwords_per_address,
    )
    .await?;
    // Guessing one username from one address is stopped quickly; the limit holds that address only.
    let here = format!("password-user:{username}@{client_address}");
    limited(store, here, now, policy.password_window, policy.passwords_per_user).await?;
    // Guessing it from many addresses is stopped more slowly, except from an address the user signs in from.
    let known_bucket = format!("password-ok:{username}@{client_address}");
    let failures_bucket = format!("password-failed:{username}");
    let known = store.count_events(&known_bucket, now - Duration::days(policy.known_address_days)).await? > 0;
    if !known
        && store.count_events(&failures_bucket, now - policy.username_window).await?
            >= u64::from(policy.failures_per_username)
    {
        tracing::warn!(bucket = "password-failed", "rate limit reached");
        return Err(AppError::RateLimited { retry_after_seconds: policy.username_window.whole_seconds() });
    }
    let account = match store.account_by_username(&username).await {
        Ok(account) => Some(account),
        Err(crate::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let stored = account.as_ref().and_then(|a| a.password_hash.as_deref());
    // An unknown user costs the same hashing as a known one, so timing does not tell which usernames exist.
    let matches = match stored {
        Some(hash) => password_matches(password, hash),
        None => {
            let _ = hash_password(password, rng);
            false
        }
    };
    // Staff sign-ins, and failed attempts, go to the audit log: misused staff logins must be traceable.
    let audit = |action: &str, subject: String| AuditEntry {
        actor: subject.clone(),
        action: action.to_owned(),
        subject,
        detail: format!("from {client_address}"),
    };
    match account {
        Some(account) if matches => {
            let known_for = policy.known_address_days * 86_400;
            store.rate_limit(&known_bucket, now, known_for, u32::MAX).await?;
            let token = open_session(store, policy, &account, now, rng).await?;
            store.append_audit(&audit("staff.sign_in", format!("account:{}", account.id)), now).await?;
            Ok((token, account))
        }
        _ => {
            store.rate_limit(&failures_bucket, now, policy.username_window.whole_seconds(), u32::MAX).await?;
            store.append_audit(&audit("staff.sign_in_failed", format!("username:{username}")), now).await?;
            Err(AppError::SignInFailed)
        }
    }
}

/// The account behind a session cookie.
pub async fn session_account<S: Access>(
    store: &S,
    token: &str,
    now: OffsetDateTime,
) -> Result<AccountRecord, AppError> {
    Ok(store.session_account(SessionToken::hash_of(token), now).await?)
}

pub async fn sign_out<S: Access>(store: &S, token: &str) -> Result<(), AppError> {
    Ok(store.delete_session(SessionToken::hash_of(token)).await?)
}

/// Changes a staff member's password after checking the current one.
#[expect(clippy::too_many_arguments, reason = "each is a separate input of the one use case")]
pub async fn change_password<S: Access + AuditLog, R: RngCore + CryptoRng>(
    store: &S,
    policy: &AccessPolicy,
    account: &AccountRecord,
    current: &str,
    new: &str,
    confirm: &str,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !account.password_hash.as_deref().is_some_and(|h| password_matches(current, h)) {
        errors.push(FieldError {
            field: "current_password",
            code: "password_wrong",
            message: "Your current password is not right".into(),
        });
    }
    if new.chars().count() < policy.min_password_chars {
        errors.push(FieldError {
            field: "new_password",
            code: "password_too_short",
            message: format!("Your new password must be at least {} characters", policy.min_password_chars),
        });
    } else if new == current {
        errors.push(FieldError {
            field: "new_password",
            code: "password_unchanged",
            message: "Your new password must differ from the current one".into(),
        });
    }
    if new != confirm {
        errors.push(FieldError {
            field: "confirm_password",
            code: "password_mismatch",
            message: "The passwords do not match".into(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidForm(errors));
    }
    store.set_password(account.id, &hash_password(new, rng)?, false).await?;
    let subject = format!("account:{}", account.id);
    let entry =
        AuditEntry { actor: subject.clone(), action: "staff.password_changed".into(), subject, detail: String::new() };
    store.append_audit(&entry, now).await?;
    tracing::info!(account_id = account.id, "password changed");
    Ok(())
}

/// Makes a staff account with a generated password, which must be changed at first sign-in. Returns the account
/// id and the password, to be shown once.
#[expect(clippy::too_many_arguments, reason = "each is a separate input of the one use case")]
pub async fn create_staff_account<S: Access + AuditLog, R: RngCore + CryptoRng>(
    store: &S,
    actor: &str,
    role: Role,
    username: &str,
    scope: KeyScope,
    personal_phone: Option<&surge_domain::Phone>,
    now: OffsetDateTime,
    rng: &mut R,
) -> Result<(i64, String), AppError> {
    let username = username.trim().to_lowercase();
    let valid = (3..=64).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !valid {
        return Err(AppError::InvalidForm(vec![FieldError {
            field: "username",
            code: "username_invalid",
            message: "A username has 3 to 64 letters, digits or . - _ @".into(),
        }]));
    }
    if !Role::STAFF.contains(&role) {
        return Err(AppError::InvalidForm(vec![FieldError {
            field: "role",
            code: "role_invalid",
            message: "Staff are admins, officials or checkpoint officers".into(),
        }]));
    }
    let password = generate_password(rng);
    let id = store
        .insert_account(&NewAccount {
            role,
            username: Some(username),
            phone: None,
            personal_phone: personal_phone.map(|p| p.as_str().to_owned()),
            password_hash: Some(hash_password(&password, rng)?),
            must_change_password: true,
            scope,
            created_at: now,
        })
        .await?;
    let entry = AuditEntry {
        actor: actor.to_owned(),
        action: "staff.account_created".into(),
        subject: format!("account:{id}"),
        detail: role.as_str().to_owned(),
    };
    store.append_audit(&entry, now).await?;
    Ok((id, password))
}

/// What an admin asks for when making an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    pub role: Role,
    /// For organisation admins: the one organisation the key acts for.
    pub organisation_id: Option<i64>,
    pub label: String,
    /// For officials: the zones and categories they may act on; none means all.
    pub zones: Vec<String>,
    pub categories: Vec<String>,
    /// For labs: the lab the key sends for, as its messages name it (MSH-4, the CSV's `lab`, the FHIR
    /// organisation). Required: a lab's key may send only its own lab's results.
    pub lab: Option<String>,
}

/// Makes an API key, stored as a hash with its audit entry in one transaction. Returns its id and the key, which is
/// shown once and never stored.
pub async fn create_api_key<S: Access + Organisations, R: RngCore + CryptoRng>(
    store: &S,
    rng: &mut R,
    actor: &str,
    request: KeyRequest,
    now: OffsetDateTime,
) -> Result<(i64, crate::ApiKey), AppError> {
    // A well-formed request that asks for a key that cannot be: the field at fault is named.
    let bad = |field: &'static str, message: &str| {
        Err(AppError::Unprocessable { code: "key_request_invalid", field: Some(field), message: message.to_owned() })
    };
    match (request.role, request.organisation_id) {
        (Role::OrganisationAdmin, Some(organisation)) => {
            store.organisation(organisation).await?;
        }
        (Role::OrganisationAdmin, None) => {
            return bad("organisation_id", "an organisation_admin key needs organisation_id");
        }
        (_, Some(_)) => return bad("organisation_id", "only organisation_admin keys belong to an organisation"),
        (Role::Applicant, None) => return bad("role", "applicants sign in with their phone; they have no API keys"),
        (_, None) => {}
    }
    let scope = KeyScope {
        zones: request.zones.iter().map(|z| z.trim().to_ascii_uppercase()).filter(|z| !z.is_empty()).collect(),
        categories: request.categories.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
    };
    if request.role != Role::Official && !scope.is_unlimited() {
        return bad("zones", "only official keys have zones and categories");
    }
    let lab = request.lab.as_deref().map(str::trim).filter(|l| !l.is_empty());
    match (request.role, lab) {
        (Role::Lab, None) => return bad("lab", "a lab key needs lab: the lab it sends for, as its messages name it"),
        (Role::Lab, Some(lab)) if lab.chars().count() > 100 || lab.chars().any(char::is_control) => {
            return bad("lab", "lab must be at most 100 characters, without control characters");
        }
        (Role::Lab, Some(_)) => {}
        (_, Some(_)) => return bad("lab", "only lab keys belong to a lab"),
        (_, None) => {}
    }
    let key = crate::ApiKey::generate(rng);
    let new = NewApiKey {
        key_hash: key.hash(),
        role: request.role,
        organisation_id: request.organisation_id,
        scope,
        label: request.label,
        lab: lab.map(str::to_owned),
        created_at: now,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "api_key.created".into(),
        subject: String::new(),
        detail: request.role.as_str().into(),
    };
    let id = store.insert_api_key(&new, &audit).await?;
    tracing::info!(key_id = id, role = request.role.as_str(), "API key created");
    Ok((id, key))
}

/// Revokes an API key with its audit entry in one transaction; it stops working at once. `caller_key` is the key the request came with, if any: a key revoking itself when
/// it is the last admin key and no admin account exists would leave no way in, and is refused
/// (`last_admin_key`).
pub async fn revoke_api_key<S: Access>(
    store: &S,
    actor: &str,
    id: i64,
    caller_key: Option<i64>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    // Only admins revoke keys, so a key revoking itself is an admin key.
    if caller_key == Some(id)
        && store.count_api_keys(Role::Admin).await? <= 1
        && store.count_accounts(Role::Admin).await? == 0
    {
        return Err(AppError::Refused {
            code: "last_admin_key",
            message:
                "this is the last admin key and there is no admin account: make another admin key or account first"
                    .into(),
        });
    }
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "api_key.revoked".into(),
        subject: format!("api-key:{id}"),
        detail: String::new(),
    };
    store.revoke_api_key(id, &audit, now).await?;
    tracing::info!(key_id = id, "API key revoked");
    Ok(())
}

/// The API key a caller presented, found by its hash (only hashes are stored); `NotFound` when there is none or it
/// was revoked.
pub async fn api_key<S: Access>(store: &S, presented: &str) -> Result<ApiKeyRecord, AppError> {
    Ok(store.api_key(crate::ApiKey::hash_of(presented)).await?)
}

/// Key revocations after `since` (the feed's sequence), at most 1,000: (sequence, key id), oldest first.
pub async fn api_key_revocations<S: crate::Staff>(store: &S, since: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(store.api_key_revocations(since.max(0), 1000).await?)
}

/// Whether storage answers a read and takes a write, for the health check: healthy means able to serve, and a
/// database that has become read-only, full or deleted is not.
pub async fn ready<S: Access>(store: &S, now: OffsetDateTime) -> Result<(), AppError> {
    store.count_api_keys(Role::Admin).await?;
    store.probe_write(now).await?;
    Ok(())
}

#[cfg(test)]
mod tests;

/// The staff accounts, for the admin's page: at most 1,000, by username.
pub async fn staff_accounts<S: crate::Staff>(store: &S) -> Result<Vec<crate::StaffAccount>, AppError> {
    Ok(store.staff_accounts(1000).await?)
}

/// The API keys, revoked ones too, for the admin's page: the newest 1,000.
pub async fn api_keys<S: crate::Staff>(store: &S) -> Result<Vec<crate::ApiKeyListed>, AppError> {
    Ok(store.api_key_list(1000).await?)
}
