//! The register in the browser: the citizen's personal account at `/` and the officers' console
//! at `/console/...`. Pages are rendered on the server (askama templates in `templates/`) and
//! work without JavaScript; texts come from Fluent resources (`locales/`), Russian first.
//!
//! Pages are a second face of the same use cases as the JSON API: each handler calls the
//! [`reestr_store::Register`] methods the API calls, which check access inside their
//! transaction and log every read. Nothing here decides who may do what.
//!
//! Safety: every form carries a token bound to the session and must come from the register's
//! own pages ([`csrf`]); pages are sent with a content security policy that allows no script and
//! no framing, and (like every answer of the service) `Cache-Control: no-store`. Personal data
//! never goes in a URL: searches and reads with a purpose are POSTs.

mod campaigns;
mod chart;
mod console;
mod csrf;
pub mod i18n;
mod portal;

use askama::Template;
use axum::{
    Router,
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    middleware::{self, Next},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::{CookieJar, cookie::Cookie};
use reestr_core::{
    access::{Principal, Role, Scope},
    measure::Lang,
    person::Field,
    zone::Zone,
};
use reestr_store::Session;
use serde::{Deserialize, de::DeserializeOwned};

use self::i18n::I18n;
use crate::{AppState, SESSION_COOKIE, error::ApiError, extract::same_site};

/// The policy every page is sent with: no script at all, styles and images from the register
/// only, forms only to the register, never in a frame.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = include_str!("../../static/site.css");

/// The pages, with their own headers.
pub fn router(state: &AppState) -> Router<AppState> {
    let secure = state.settings.secure_cookies;
    Router::new()
        .route("/", get(portal::home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/extracts", get(portal::extracts).post(portal::request_extract))
        .route("/extracts/{number}", get(portal::extract))
        .route("/corrections", get(portal::corrections).post(portal::file_correction))
        .route("/reads", get(portal::reads))
        .route("/notices", get(portal::notices))
        .route("/notices/preferences", post(portal::set_preferences))
        .route("/console", get(console::home))
        .route("/console/search", post(console::search))
        .route("/console/persons/{id}", get(console::person).post(console::reveal))
        .route("/console/persons/{id}/edit", post(console::edit))
        .route("/console/summonses", post(console::issue))
        .route("/console/summonses/{number}", get(console::summons))
        .route("/console/summonses/{number}/{step}", post(console::act))
        .route("/console/corrections", get(console::corrections))
        .route("/console/corrections/{id}/answer", post(console::answer))
        .route("/console/dashboard", get(console::dashboard))
        .route("/console/regions", get(console::regions).post(console::set_rollout))
        .route("/console/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/console/campaigns/new", get(campaigns::new))
        .route("/console/campaigns/{id}", get(campaigns::show))
        .route("/console/campaigns/{id}/dry-run", post(campaigns::dry_run))
        .route("/console/campaigns/{id}/issue", post(campaigns::issue))
        .layer(middleware::from_fn(move |req, next| csrf::pre_session(secure, req, next)))
        .route("/static/site.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE) }))
        .layer(middleware::from_fn(page_headers))
}

async fn page_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    response
}

/// A link of the navigation.
#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// What every page knows of its request: the language and zone, the session if any, the form
/// token, and the path (for the language switch to come back to).
#[derive(Debug, Clone)]
pub struct Web {
    pub i: I18n,
    pub csrf: String,
    pub path: String,
    pub session: Option<Session>,
}

/// The time zone a reader's dates are shown in: the commissariat's of the person or officer, the
/// region's of a supervisor, Moscow's for the whole register.
fn zone_of(state: &AppState, who: &Principal, now: jiff::Timestamp) -> Zone {
    let dir = state.register.directory();
    let moscow = || Zone::get("Europe/Moscow").unwrap_or_else(|_| dir.zones().remove(0));
    match &who.scope {
        Scope::Commissariat(c) => dir.commissariat(c).map(|c| c.zone.clone()).unwrap_or_else(|_| moscow()),
        Scope::Region(r) => dir.region(*r).map(|r| r.zone.clone()).unwrap_or_else(|_| moscow()),
        Scope::Person(p) => state
            .register
            .read_person(who, *p, Some(&[Field::Commissariat]), None, now)
            .ok()
            .and_then(|p| p.record.commissariat().and_then(|c| dir.commissariat(c).ok()).map(|c| c.zone.clone()))
            .unwrap_or_else(moscow),
        _ => moscow(),
    }
}

impl Web {
    fn anonymous(parts: &Parts) -> Web {
        let lang = i18n::language(&parts.headers);
        let zone =
            Zone::get("Europe/Moscow").unwrap_or_else(|_| reestr_core::region::Directory::builtin().zones()[0].clone());
        Web {
            i: I18n::new(lang, zone),
            csrf: csrf::token(&CookieJar::from_headers(&parts.headers)).unwrap_or_default(),
            path: parts.uri.path().to_owned(),
            session: None,
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }

    pub fn role(&self) -> Option<Role> {
        self.principal().map(|p| p.role)
    }

    /// The caller, or "log in first".
    pub fn who(&self) -> Result<Principal, ApiError> {
        self.principal().cloned().ok_or_else(ApiError::unauthenticated)
    }

    /// The caller if an officer (any role but citizen).
    pub fn staff(&self) -> Result<Principal, ApiError> {
        let who = self.who()?;
        if who.role == Role::Citizen { Err(reestr_core::access::AccessError::Forbidden.into()) } else { Ok(who) }
    }

    pub fn login(&self) -> String {
        self.session.as_ref().map(|s| s.user.login.clone()).unwrap_or_default()
    }

    pub fn role_label(&self) -> String {
        self.role().map(|r| self.i.label("role", r.as_str())).unwrap_or_default()
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(|r| r != Role::Citizen)
    }

    pub fn en(&self) -> bool {
        self.i.lang == Lang::En
    }

    /// The navigation for the caller's role.
    pub fn nav(&self) -> Vec<NavItem> {
        let links: &[(&'static str, &str)] = match self.role() {
            None => &[("/login", "nav-login")],
            Some(Role::Citizen) => &[
                ("/", "nav-home"),
                ("/extracts", "nav-extracts"),
                ("/corrections", "nav-corrections"),
                ("/reads", "nav-reads"),
                ("/notices", "nav-notices"),
            ],
            Some(Role::Supervisor | Role::Admin) => &[
                ("/console", "nav-search"),
                ("/console/corrections", "nav-inbox"),
                ("/console/dashboard", "nav-dashboard"),
                ("/console/campaigns", "nav-campaigns"),
                ("/console/regions", "nav-regions"),
            ],
            Some(Role::Registrar) => &[
                ("/console", "nav-search"),
                ("/console/corrections", "nav-inbox"),
                ("/console/campaigns", "nav-campaigns"),
            ],
            Some(_) => &[("/console", "nav-search"), ("/console/corrections", "nav-inbox")],
        };
        links
            .iter()
            .map(|(href, id)| NavItem {
                href,
                label: self.i.t(id),
                current: self.path == *href || (*href != "/" && *href != "/console" && self.path.starts_with(href)),
            })
            .collect()
    }

    /// A page as an answer; a template that fails to render is the register's fault.
    pub fn render(&self, page: &impl Template) -> Result<Response, ApiError> {
        page.render()
            .map(|html| Html(html).into_response())
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the page could not be rendered"))
    }

    /// An error as a page: "log in" leads to the login page; anything else is explained in the
    /// reader's language, with the status that fits.
    pub fn error(&self, e: ApiError) -> Response {
        if e.code == "unauthenticated" {
            return Redirect::to("/login").into_response();
        }
        let known = self.i.has(&Web::message_id(&e));
        let message = if known { self.explain(&e) } else { self.i.t("error-generic") };
        // The register's own messages are in English and never carry personal data; the
        // details of internal failures are not shown at all.
        let detail = (!e.status.is_server_error() && !known).then_some(e.message);
        let page = ErrorPage { w: self, status: e.status.as_u16(), message, detail };
        let html = page.render().unwrap_or_else(|_| "error".to_owned());
        (e.status, Html(html)).into_response()
    }

    fn message_id(e: &ApiError) -> String {
        format!("error-{}", e.code.replace('_', "-"))
    }

    /// What an error means, in the reader's language; the register's own (English) message
    /// where the language has no text for it.
    pub fn explain(&self, e: &ApiError) -> String {
        let id = Web::message_id(e);
        if self.i.has(&id) { self.i.t(&id) } else { e.message.clone() }
    }

    /// The answer of a handler: the page or its error page.
    pub fn respond(&self, r: Result<Response, ApiError>) -> Response {
        r.unwrap_or_else(|e| self.error(e))
    }
}

impl FromRequestParts<AppState> for Web {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Web, Self::Rejection> {
        let mut web = Web::anonymous(parts);
        let token = CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE).map(|c| c.value().to_owned());
        if let Some(token) = token {
            let s = state.clone();
            let found = state
                .blocking(move |reg, now| {
                    let session = reg.session(&token, now).map_err(ApiError::from)?;
                    Ok(session.map(|session| {
                        let zone = zone_of(&s, &session.principal, now);
                        (session, zone)
                    }))
                })
                .await
                .ok()
                .flatten();
            if let Some((session, zone)) = found {
                web.i.zone = zone;
                web.session = Some(session);
            }
        }
        Ok(web)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    w: &'a Web,
    status: u16,
    message: String,
    detail: Option<String>,
}

/// A form posted from one of the register's pages: same-site, with the session's token, and
/// parsed into `T`. Anything else is refused with a page that says why.
#[derive(Debug)]
pub struct Posted<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let web = Web::anonymous(&parts);
        if !same_site(&parts) {
            return Err(web.error(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_site_request",
                "the form did not come from the register's own pages",
            )));
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(|_| {
            web.error(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the form is too large"))
        })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let presented = fields.iter().find(|(k, _)| k == csrf::FIELD).map(|(_, v)| v.as_str()).unwrap_or("");
        if !csrf::valid(&jar, presented) {
            return Err(web.error(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "the form's token is missing or stale",
            )));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Posted)
            .map_err(|e| web.error(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_form", e.to_string())))
    }
}

/// An optional form value: empty means absent.
pub fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

// ---- logging in and out, the language ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    w: &'a Web,
}

async fn login_page(web: Web) -> Response {
    match web.role() {
        Some(Role::Citizen) => Redirect::to("/").into_response(),
        Some(_) => Redirect::to("/console").into_response(),
        None => web.respond(web.render(&LoginPage { w: &web })),
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    totp: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    web: Web,
    jar: CookieJar,
    address: crate::api::auth::ClientAddr,
    Posted(f): Posted<LoginForm>,
) -> Response {
    let credentials = reestr_store::Credentials {
        login: f.login,
        password: f.password,
        totp: given(f.totp),
        address: address.0,
        device: jar.get(crate::DEVICE_COOKIE).map(|c| c.value().to_owned()),
    };
    let outcome = state.blocking(move |reg, now| Ok(reg.login(&credentials, now)?)).await;
    match outcome {
        Ok(o) => {
            let secure = state.settings.secure_cookies;
            let home = if o.principal.role == Role::Citizen { "/" } else { "/console" };
            let jar = jar
                .remove(Cookie::build(csrf::PRE_SESSION_COOKIE).path("/"))
                .add(crate::api::auth::cookie(SESSION_COOKIE, o.session, reestr_store::ABSOLUTE_TIMEOUT, "/", secure))
                .add(crate::api::auth::cookie(
                    crate::DEVICE_COOKIE,
                    o.device,
                    jiff::SignedDuration::from_hours(24 * 365),
                    "/login",
                    secure,
                ));
            (jar, Redirect::to(home)).into_response()
        }
        Err(e) => web.error(e),
    }
}

/// A form with nothing but its token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

async fn logout(State(state): State<AppState>, jar: CookieJar, Posted(_): Posted<Empty>) -> Response {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        let _ = state.blocking(move |reg, _| Ok(reg.logout(&token)?)).await;
    }
    (jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/login")).into_response()
}

#[derive(Debug, Deserialize)]
struct LanguageForm {
    lang: String,
    back: Option<String>,
}

/// Keeps the reader's choice of language and goes back to the page (a path of this site only).
async fn language(jar: CookieJar, Posted(f): Posted<LanguageForm>) -> Response {
    let lang = if f.lang == "en" { "en" } else { "ru" };
    let back = f.back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'));
    let mut c = Cookie::new(i18n::LANG_COOKIE, lang);
    c.set_path("/");
    c.set_same_site(axum_extra::extract::cookie::SameSite::Lax);
    c.set_max_age(cookie::time::Duration::days(365));
    (jar.add(c), Redirect::to(back.as_deref().unwrap_or("/"))).into_response()
}
