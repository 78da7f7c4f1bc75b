//! Forms are protected against cross-site requests twice over: the browser must say the request
//! comes from the register's own pages (`Origin`, `Sec-Fetch-Site`; see
//! [`crate::extract::same_site`]), and the form must carry a token bound to the session.
//!
//! The token is a digest of the session's secret cookie, so it needs no storage, changes at every
//! login and cannot be computed by a page that cannot read the cookie (HttpOnly). Before logging
//! in there is no session: a random pre-session cookie stands in for it (the login form).

use axum::{
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use axum_extra::extract::CookieJar;
use rand::RngExt;
use sha2::{Digest, Sha256};

use crate::SESSION_COOKIE;

/// The cookie that stands in for a session before logging in.
pub const PRE_SESSION_COOKIE: &str = "reestr_presession";
/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// The token for a request's cookies: bound to the session, or to the pre-session cookie.
pub fn token(jar: &CookieJar) -> Option<String> {
    let (purpose, secret) = match (jar.get(SESSION_COOKIE), jar.get(PRE_SESSION_COOKIE)) {
        (Some(s), _) => ("session", s.value()),
        (None, Some(p)) => ("pre-session", p.value()),
        (None, None) => return None,
    };
    let mut h = Sha256::new();
    h.update(b"reestr csrf token\0");
    h.update(purpose.as_bytes());
    h.update(b"\0");
    h.update(secret.as_bytes());
    Some(hex::encode(h.finalize()))
}

/// Whether a presented token is the request's, compared in constant time.
pub fn valid(jar: &CookieJar, presented: &str) -> bool {
    let Some(expected) = token(jar) else { return false };
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Gives a visitor without any session a pre-session cookie, so that the login form has a token
/// to carry: the cookie is added to the request (for the page being made) and set on the answer.
pub async fn pre_session(secure: bool, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    if jar.get(SESSION_COOKIE).is_some() || jar.get(PRE_SESSION_COOKIE).is_some() {
        return next.run(req).await;
    }
    let value = hex::encode(rand::rng().random::<[u8; 32]>());
    let pair = format!("{PRE_SESSION_COOKIE}={value}");
    let mut cookie_header = req.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if !cookie_header.is_empty() {
        cookie_header.push_str("; ");
    }
    cookie_header.push_str(&pair);
    if let Ok(v) = HeaderValue::from_str(&cookie_header) {
        req.headers_mut().insert(header::COOKIE, v);
    }
    let mut response = next.run(req).await;
    let secure = if secure { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!("{pair}; Path=/; HttpOnly; SameSite=Strict{secure}")) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn jar(cookie: &str) -> CookieJar {
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::COOKIE, cookie.parse().unwrap());
        CookieJar::from_headers(&h)
    }

    #[test]
    fn the_token_belongs_to_one_session() {
        let a = jar("reestr_session=aaaa");
        let t = token(&a).unwrap();
        assert!(valid(&a, &t));
        assert!(!valid(&jar("reestr_session=bbbb"), &t));
        assert!(!valid(&a, ""));
        assert!(!valid(&jar("reestr_presession=aaaa"), &t), "a pre-session token is another");
        assert!(token(&jar("other=1")).is_none());
    }
}
