//! Identities: users with passwords (argon2id) and, for staff, a second factor (TOTP); sessions;
//! API keys for agencies; and the slowing of password guessing.
//!
//! Secrets are stored only as hashes (session tokens, device tokens, API keys) or sealed (second-
//! factor seeds). A failed login says nothing about whether the account exists.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use jiff::{SignedDuration, Timestamp};
use rand::RngExt;
use reestr_core::{
    ErrorCode,
    access::{Principal, Role, Scope},
    event::{Actor, EventKind},
    person::PersonId,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Register, event, not_found};
use crate::{
    Result, StoreError,
    store::{KeyRow, SessionRow, Throttle, UserRow, WriteTx},
    time::truncate,
};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: SignedDuration = SignedDuration::from_mins(30);
/// A session ends this long after login, whatever happens.
pub const ABSOLUTE_TIMEOUT: SignedDuration = SignedDuration::from_hours(12);
/// Failed logins allowed for an account, and for an address, before each attempt has to wait.
const ACCOUNT_FREE_FAILURES: u32 = 5;
const ADDRESS_FREE_FAILURES: u32 = 20;
/// The longest wait between attempts.
const MAX_DELAY_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten.
const FAILURE_MEMORY: SignedDuration = SignedDuration::from_hours(24);
/// A session's last-seen instant is written at most this often.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong login, password or second factor: deliberately one answer for all.
    #[error("the login, password or one-time code is wrong")]
    Invalid,
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for AuthError {
    fn code(&self) -> &'static str {
        match self {
            AuthError::Invalid => "invalid_credentials",
            AuthError::Throttled { .. } => "too_many_attempts",
            AuthError::Store(e) => e.code(),
        }
    }
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub role: Role,
    pub scope: Scope,
    pub password: String,
}

/// A user as shown (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: i64,
    pub login: String,
    pub role: Role,
    pub scope: Scope,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    pub second_factor: bool,
}

/// What a login presents.
#[derive(Clone)]
pub struct Credentials {
    pub login: String,
    pub password: String,
    pub totp: Option<String>,
    /// The client's network address, for slowing guessing from one place.
    pub address: String,
    /// The device token of an earlier successful login on this device, if any.
    pub device: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// A successful login: the new session's token (for the cookie) and a device token.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session: String,
    pub device: String,
    pub user: UserInfo,
    pub principal: Principal,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserInfo,
    pub principal: Principal,
    pub expires_at: Timestamp,
}

/// A new API key: the whole key is shown once and stored only as a hash.
#[derive(Debug, Clone)]
pub struct KeyCreated {
    pub id: i64,
    pub prefix: String,
    pub key: String,
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    B64.encode(bytes)
}

/// A hash to verify against when the login is unknown, so both take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("not a password").unwrap_or_default());

pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h: PasswordHash| h.to_string())
        .map_err(|e| StoreError::Backend(format!("hashing a password: {e}")))
}

fn password_ok(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// RFC 6238 with the usual parameters: SHA-1, six digits, 30-second steps, one step of skew.
fn totp(secret: impl Into<totp_rs::Secret>) -> Option<totp_rs::Totp> {
    totp_rs::Builder::new().with_secret(secret).build().ok()
}

/// The current one-time code for a base32 seed (for demonstrations and tests).
pub fn totp_code(seed_base32: &str, now: Timestamp) -> Option<String> {
    let secret = totp_rs::Secret::try_from_base32(seed_base32).ok()?;
    Some(totp(secret)?.generate(now.as_second().max(0) as u64).to_string())
}

/// How long an attempt must wait after `t.failures` failures, `free` of them free.
fn wait(t: Option<Throttle>, free: u32, now: Timestamp) -> Option<u64> {
    let t = t?;
    if now.duration_since(t.last_failure_at) > FAILURE_MEMORY || t.failures < free {
        return None;
    }
    let delay = (1i64 << (t.failures - free).min(20)).min(MAX_DELAY_SECS);
    let ready = t.last_failure_at + SignedDuration::from_secs(delay);
    (now < ready).then(|| ready.duration_since(now).as_secs().max(1) as u64)
}

fn fail(tx: &mut dyn WriteTx, key: &[u8], now: Timestamp) -> Result<()> {
    let before = tx.throttle(key)?.filter(|t| now.duration_since(t.last_failure_at) <= FAILURE_MEMORY);
    let failures = before.map_or(0, |t| t.failures) + 1;
    tx.set_throttle(key, Some(Throttle { failures, last_failure_at: now }))
}

impl Register {
    fn user_info(&self, u: &UserRow) -> Result<UserInfo> {
        Ok(UserInfo {
            id: u.id,
            login: u.login.clone(),
            role: u.role.parse().map_err(|e: reestr_core::access::AccessError| StoreError::Corrupt(e.to_string()))?,
            scope: serde_json::from_str(&u.scope)?,
            created_at: u.created_at,
            disabled_at: u.disabled_at,
            second_factor: u.totp.is_some(),
        })
    }

    fn principal_of(&self, u: &UserInfo) -> Principal {
        Principal { actor: Actor::user(u.id, &u.login), role: u.role, scope: u.scope.clone() }
    }

    /// Adds a user. Staff get a second-factor seed, returned (in base32) to be handed over once.
    pub fn add_user(&self, who: &Principal, new: NewUser, now: Timestamp) -> Result<(UserInfo, Option<String>)> {
        let now = truncate(now);
        who.may_administer()?;
        let candidate = Principal { actor: Actor::user(0, &new.login), role: new.role, scope: new.scope.clone() };
        candidate.check()?;
        if new.role == Role::Operator {
            return Err(reestr_core::access::AccessError::Forbidden.into());
        }
        let login = new.login.trim().to_lowercase();
        if login.is_empty()
            || login.len() > 64
            || !login.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(StoreError::BadRequest("a login is 1 to 64 letters, digits, '.', '_' or '-'".into()));
        }
        if new.password.chars().count() < 10 {
            return Err(StoreError::BadRequest("a password has at least 10 characters".into()));
        }
        let seed: Option<[u8; 20]> = new.role.is_staff().then(|| rand::rng().random());
        let password_hash = hash_password(&new.password)?;
        let totp = seed.map(|s| self.codec.seal("totp", &s)).transpose()?;
        let scope = serde_json::to_string(&new.scope)?;
        let id = self.write(|tx| {
            if let Scope::Person(p) = &new.scope {
                tx.person(*p)?.ok_or_else(|| not_found("person", p))?;
            }
            if tx.user_by_login(&login)?.is_some() {
                return Err(StoreError::BadRequest("that login is taken".into()));
            }
            let row = UserRow {
                id: 0,
                login: login.clone(),
                role: new.role.to_string(),
                scope: scope.clone(),
                person: match new.scope {
                    Scope::Person(p) => Some(p),
                    _ => None,
                },
                password_hash: password_hash.clone(),
                totp: totp.clone(),
                created_at: now,
                disabled_at: None,
            };
            let id = tx.insert_user(&row)?;
            let payload = json!({ "user": id, "login": login, "role": new.role, "scope": new.scope }).to_string();
            tx.append(&event(EventKind::UserAdded, &who.actor, now, None, None, &payload), now)?;
            Ok(id)
        })?;
        let info = self.read(|tx| tx.user(id))?.ok_or_else(|| not_found("user", id))?;
        let seed = seed.map(|s| totp_rs::Secret::from(s).to_base32());
        Ok((self.user_info(&info)?, seed))
    }

    /// Disables a user and ends their sessions.
    pub fn disable_user(&self, who: &Principal, id: i64, now: Timestamp) -> Result<()> {
        let now = truncate(now);
        who.may_administer()?;
        self.write(|tx| {
            let mut u = tx.user(id)?.ok_or_else(|| not_found("user", id))?;
            if u.disabled_at.is_none() {
                u.disabled_at = Some(now);
                tx.update_user(&u)?;
                tx.delete_sessions(Some(id), now, now)?;
                let payload = json!({ "user": id }).to_string();
                tx.append(&event(EventKind::UserDisabled, &who.actor, now, None, None, &payload), now)?;
            }
            Ok(())
        })
    }

    pub fn users(&self, who: &Principal) -> Result<Vec<UserInfo>> {
        who.may_administer()?;
        self.read(|tx| tx.users())?.iter().map(|u| self.user_info(u)).collect()
    }

    /// Logs in: checks the throttles, the password and (for staff) the one-time code. A success
    /// starts a new session with a fresh token; a failure counts against the account and the
    /// address, and says only that something was wrong.
    pub fn login(&self, c: &Credentials, now: Timestamp) -> Result<LoginOutcome, AuthError> {
        let now = truncate(now);
        let login = c.login.trim().to_lowercase();
        let keys = self.codec.keyring();
        let account_key = keys.blind("throttle-account", login.as_bytes()).to_vec();
        let address_key = keys.blind("throttle-address", c.address.as_bytes()).to_vec();
        let (user, account, address, known) = self.read(|tx| {
            let user = tx.user_by_login(&login)?.filter(|u| u.disabled_at.is_none());
            let known = match (&user, &c.device) {
                (Some(u), Some(d)) => tx.device_known(&hash(d), u.id)?,
                _ => false,
            };
            Ok((user, tx.throttle(&account_key)?, tx.throttle(&address_key)?, known))
        })?;
        // An attacker cannot lock a person out: a device that logged in before is not held back
        // by failures against the account, only by those from its own address.
        let waits = [
            wait(address, ADDRESS_FREE_FAILURES, now),
            (!known).then(|| wait(account, ACCOUNT_FREE_FAILURES, now)).flatten(),
        ];
        if let Some(retry_after) = waits.into_iter().flatten().max() {
            return Err(AuthError::Throttled { retry_after });
        }
        let password_matches = password_ok(&c.password, user.as_ref().map_or(&*DUMMY_HASH, |u| &u.password_hash));
        let second_factor = match user.as_ref().and_then(|u| u.totp.as_ref()) {
            None => true,
            Some(sealed) => {
                let seed = self.codec.open("totp", sealed)?;
                let code = c.totp.as_deref().unwrap_or("").trim();
                totp(seed).and_then(|t| t.check(code, now.as_second().max(0) as u64)).is_some()
            }
        };
        let Some(user) = user.filter(|_| password_matches && second_factor) else {
            self.write(|tx| {
                fail(tx, &account_key, now)?;
                fail(tx, &address_key, now)
            })?;
            return Err(AuthError::Invalid);
        };
        let info = self.user_info(&user)?;
        let session = token();
        let device = c.device.clone().filter(|_| known).unwrap_or_else(token);
        // Failures against the account are not forgotten on success: they fade after a day, so
        // the owner's logins do not reset an attacker's wait.
        self.write(|tx| {
            tx.insert_session(&SessionRow {
                token_hash: hash(&session),
                user: user.id,
                created_at: now,
                last_seen_at: now,
            })?;
            tx.remember_device(&hash(&device), user.id, now)?;
            tx.delete_sessions(None, now - IDLE_TIMEOUT, now - ABSOLUTE_TIMEOUT)
        })?;
        Ok(LoginOutcome { session, device, principal: self.principal_of(&info), user: info })
    }

    /// The live session a token belongs to, if any (idle and absolute timeouts applied).
    pub fn session(&self, token: &str, now: Timestamp) -> Result<Option<Session>> {
        let now = truncate(now);
        let token_hash = hash(token);
        let Some((s, user)) = self.read(|tx| {
            let Some(s) = tx.session(&token_hash)? else { return Ok(None) };
            Ok(tx.user(s.user)?.map(|u| (s, u)))
        })?
        else {
            return Ok(None);
        };
        let expired =
            now.duration_since(s.last_seen_at) > IDLE_TIMEOUT || now.duration_since(s.created_at) > ABSOLUTE_TIMEOUT;
        if expired || user.disabled_at.is_some() {
            self.write(|tx| tx.delete_session(&token_hash))?;
            return Ok(None);
        }
        if now.duration_since(s.last_seen_at) > TOUCH_EVERY {
            self.write(|tx| tx.touch_session(&token_hash, now))?;
        }
        let info = self.user_info(&user)?;
        let expires_at = (s.created_at + ABSOLUTE_TIMEOUT).min(now + IDLE_TIMEOUT);
        Ok(Some(Session { principal: self.principal_of(&info), user: info, expires_at }))
    }

    pub fn logout(&self, token: &str) -> Result<()> {
        self.write(|tx| tx.delete_session(&hash(token)))
    }

    /// Creates an API key for an agency (enforcing measures, or a security service): the key
    /// acts with the agency's role and kinds. The key is returned once; only its hash is kept.
    pub fn create_key(&self, who: &Principal, agency: &str, now: Timestamp) -> Result<KeyCreated> {
        let now = truncate(now);
        who.may_administer()?;
        let name = agency.trim().to_lowercase();
        let prefix = hex::encode(rand::rng().random::<[u8; 4]>());
        let secret = token();
        let key = format!("rk_{prefix}_{secret}");
        let id = self.write(|tx| {
            let a = tx.agency_by_name(&name)?.ok_or_else(|| not_found("agency", &name))?;
            if a.disabled_at.is_some() {
                return Err(StoreError::BadRequest("the agency is disabled".into()));
            }
            let (role, scope) = super::agencies::scope_of(&a)?;
            let row = KeyRow {
                id: 0,
                prefix: prefix.clone(),
                secret_hash: hash(&secret),
                role: role.to_string(),
                scope: serde_json::to_string(&scope)?,
                agency: Some(a.id),
                created_at: now,
                revoked_at: None,
            };
            let id = tx.insert_key(&row)?;
            let payload =
                json!({ "key": id, "prefix": prefix, "agency": name, "agency_id": a.id, "role": role }).to_string();
            tx.append(&event(EventKind::KeyCreated, &who.actor, now, None, None, &payload), now)?;
            Ok(id)
        })?;
        Ok(KeyCreated { id, prefix, key })
    }

    pub fn revoke_key(&self, who: &Principal, id: i64, now: Timestamp) -> Result<bool> {
        let now = truncate(now);
        who.may_administer()?;
        self.write(|tx| {
            let revoked = tx.revoke_key(id, now)?;
            if revoked {
                let payload = json!({ "key": id }).to_string();
                tx.append(&event(EventKind::KeyRevoked, &who.actor, now, None, None, &payload), now)?;
            }
            Ok(revoked)
        })
    }

    pub fn keys(&self, who: &Principal) -> Result<Vec<KeyRow>> {
        who.may_administer()?;
        self.read(|tx| tx.keys())
    }

    /// The principal an API key stands for, if it is genuine and not revoked.
    pub fn authenticate_key(&self, presented: &str) -> Result<Option<Principal>> {
        let Some((prefix, secret)) = presented.strip_prefix("rk_").and_then(|k| k.split_once('_')) else {
            return Ok(None);
        };
        let Some((row, agency)) = self.read(|tx| {
            let Some(row) = tx.key_by_prefix(prefix)? else { return Ok(None) };
            let agency = row.agency.map(|a| tx.agency(a)).transpose()?.flatten();
            Ok(Some((row, agency)))
        })?
        else {
            return Ok(None);
        };
        if row.revoked_at.is_some()
            || !bool::from(subtle::ConstantTimeEq::ct_eq(&hash(secret)[..], &row.secret_hash[..]))
        {
            return Ok(None);
        }
        // A key acts with its agency's role and kinds as they are now; a disabled agency's keys
        // do nothing.
        let (role, scope) = match (&row.agency, &agency) {
            (Some(_), Some(a)) if a.disabled_at.is_some() => return Ok(None),
            (Some(_), Some(a)) => super::agencies::scope_of(a)?,
            (Some(id), None) => return Err(not_found("agency", id)),
            (None, _) => (
                row.role.parse().map_err(|e: reestr_core::access::AccessError| StoreError::Corrupt(e.to_string()))?,
                serde_json::from_str(&row.scope)?,
            ),
        };
        let agency = match (&scope, &agency) {
            (Scope::Agency { name, .. }, _) => name.clone(),
            (_, Some(a)) => a.name.clone(),
            _ => role.to_string(),
        };
        Ok(Some(Principal { actor: Actor::key(&row.prefix, &agency), role, scope }))
    }

    /// The citizen account of a person, if there is one (for the demo's printout).
    pub fn person_of(&self, user: &UserInfo) -> Option<PersonId> {
        match user.scope {
            Scope::Person(p) => Some(p),
            _ => None,
        }
    }
}
