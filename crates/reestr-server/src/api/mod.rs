//! The JSON API under `/api/v1`. Every handler is registered with its OpenAPI description, so the
//! document at `/api/openapi.json` is made from the router itself.

mod admin;
mod agencies;
pub mod agency;
pub(crate) mod auth;
pub(crate) mod campaigns;
mod corrections;
pub mod dto;
pub(crate) mod extracts;
mod me;
pub mod notices;
pub(crate) mod persons;
mod public;
pub(crate) mod summonses;

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "reestr",
        description = "The electronic register of military registration and summonses. Errors are \
            `{\"error\": code, \"message\": text}`. Personal data never goes in a URL: searches by \
            identifier are POSTs, and the purpose of a read goes in the `X-Purpose` header \
            (UTF-8, percent-encoded). Every read of a record by anyone but its person is logged \
            and shown to that person.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&Security),
    tags(
        (name = "public", description = "No login: the deadline calculator, regions, statistics, the check of a notice's code"),
        (name = "auth", description = "Logging in and out"),
        (name = "me", description = "The citizen's personal account"),
        (name = "persons", description = "Records of persons (staff)"),
        (name = "summonses", description = "Summonses and their steps (staff)"),
        (name = "measures", description = "Measures (agencies and staff)"),
        (name = "corrections", description = "Correction requests (registrars)"),
        (name = "campaigns", description = "Campaigns: quotas by region, a cohort, dry runs, issuing in the background"),
        (name = "agency", description = "Agencies: the feed of measures, confirmations, the check at a post, breaches"),
        (name = "admin", description = "Users, agencies and API keys")
    )
)]
struct Doc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::SESSION_COOKIE,
                "The session cookie set by POST /api/v1/auth/login",
            ))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An agency's API key: rk_ID_SECRET"))
                    .build(),
            ),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(public::deadlines))
        .routes(routes!(public::regions))
        .routes(routes!(public::stats))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::session))
        .routes(routes!(me::me))
        .routes(routes!(me::summonses))
        .routes(routes!(me::open_summons))
        .routes(routes!(me::measures))
        .routes(routes!(me::reads))
        .routes(routes!(me::corrections, me::file_correction))
        .routes(routes!(notices::inbox))
        .routes(routes!(notices::preferences, notices::set_preferences))
        .routes(routes!(notices::verify))
        .routes(routes!(extracts::make))
        .routes(routes!(extracts::download))
        .routes(routes!(extracts::verdict))
        .routes(routes!(persons::create))
        .routes(routes!(persons::search))
        .routes(routes!(persons::get, persons::update))
        .routes(routes!(persons::history))
        .routes(routes!(persons::summonses))
        .routes(routes!(summonses::issue, summonses::list))
        .routes(routes!(summonses::get))
        .routes(routes!(summonses::serve))
        .routes(routes!(summonses::appear))
        .routes(routes!(summonses::excuse))
        .routes(routes!(summonses::cancel))
        .routes(routes!(summonses::measures))
        .routes(routes!(campaigns::create, campaigns::list))
        .routes(routes!(campaigns::get))
        .routes(routes!(campaigns::dry_run))
        .routes(routes!(campaigns::issue))
        .routes(routes!(corrections::open))
        .routes(routes!(corrections::answer))
        .routes(routes!(public::set_rollout))
        .routes(routes!(admin::users, admin::add_user))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::keys, admin::create_key))
        .routes(routes!(admin::revoke_key))
        .routes(routes!(agencies::list, agencies::add))
        .routes(routes!(agencies::webhook))
        .routes(routes!(agencies::disable))
        .routes(routes!(agencies::enable))
        .routes(routes!(agencies::dead_letters))
        .routes(routes!(agencies::replay))
        .routes(routes!(agency::feed))
        .routes(routes!(agency::confirm))
        .routes(routes!(agency::check_by_header, agency::check_by_body))
        .routes(routes!(agency::breaches))
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().into_openapi()
}
