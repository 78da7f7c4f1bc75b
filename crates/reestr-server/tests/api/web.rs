//! The portal and the console as a browser meets them: pages, forms with their tokens, the
//! same-site rule, security headers, access through the console, and no personal data in URLs.

use reqwest::{Client, StatusCode, header};

use super::{T0, Who, Who::*, World, snils_a, ts};

/// A page as a role sees it: the status, the headers and the HTML.
async fn page(w: &World, who: Who, path: &str) -> (StatusCode, header::HeaderMap, String) {
    get(client(w, who), &format!("{}{path}", w.base)).await
}

async fn get(c: &Client, url: &str) -> (StatusCode, header::HeaderMap, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

fn client(w: &World, who: Who) -> &Client {
    &w.clients.iter().find(|(x, _)| *x == who).unwrap().1
}

/// The form token a page carries.
fn token(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("the page has a form token") + 19;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

/// Posts a form as a role, with the token of `from` unless one is given; the final answer after
/// redirects, and where it ended.
async fn post(
    w: &World,
    who: Who,
    from: &str,
    path: &str,
    fields: &[(&str, &str)],
    csrf: Option<&str>,
    origin: Option<&str>,
) -> (StatusCode, String, String) {
    let token = match csrf {
        Some(t) => t.to_owned(),
        None => token(&page(w, who, from).await.2),
    };
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &token));
    let mut req = client(w, who).post(format!("{}{path}", w.base)).form(&form);
    if let Some(o) = origin {
        req = req.header(header::ORIGIN, o);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.url().path().to_owned(), r.text().await.unwrap())
}

fn same_origin(w: &World) -> String {
    w.base.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_sent_with_a_strict_policy_and_never_stored() {
    let w = World::new().await;
    let (status, h, html) = get(&Client::new(), &format!("{}/login", w.base)).await;
    assert_eq!(status, StatusCode::OK);
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for part in ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "style-src 'self'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "no script at all: {csp}");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(h.get_all(header::SET_COOKIE).iter().any(|c| {
        let c = c.to_str().unwrap();
        c.starts_with("reestr_presession=") && c.contains("HttpOnly") && c.contains("SameSite=Strict")
    }));
    assert!(html.contains("<html lang=\"ru\">") && html.contains("Вход в реестр"));
    assert!(!html.contains("<script") && !html.contains("style=\""), "no inline script or style");

    // The personal account: no-store, Russian dates in the commissariat's zone.
    let (status, h, html) = page(&w, CitizenA, "/").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(html.contains("Повестка № 62-2025-0000001"), "{html}");
    assert!(html.contains("9 мая 2025 г., 14:00"), "posted, in Moscow time: {html}");
    assert!(html.contains("запрет на выезд из Российской Федерации"), "measures in force: {html}");
    assert!(!html.contains("_ban") && !html.contains("deemed"), "no internal codes");
    // Every page of every role is well-formed enough to carry its language and a main landmark.
    for (who, path) in
        [(CitizenA, "/reads"), (CitizenA, "/extracts"), (CitizenA, "/corrections"), (Registrar, "/console")]
    {
        let (status, _, html) = page(&w, who, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(html.contains("<main id=\"main\">") && html.contains("lang=\"ru\""), "{path}");
    }
    let (status, _, css) = page(&w, Anonymous, "/static/site.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(":focus-visible"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_sessions_token_are_refused() {
    let w = World::new().await;
    let fields = [("subject", "field:patronymic"), ("explanation", "отчество записано с ошибкой")];
    let count = || w.reg.open_corrections(&super::op(), ts(T0)).unwrap().len();
    let before = count();
    for bad in ["", "00", &"a".repeat(64)] {
        let (status, _, html) = post(&w, CitizenA, "/corrections", "/corrections", &fields, Some(bad), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "token {bad:?}");
        assert!(html.contains("Форма устарела"), "{html}");
    }
    // Another session's token is no good either.
    let other = token(&page(&w, CitizenB, "/corrections").await.2);
    let (status, _, _) = post(&w, CitizenA, "/corrections", "/corrections", &fields, Some(&other), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Logging out is a form too.
    let (status, _, _) = post(&w, CitizenA, "/", "/logout", &[], Some("x"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(count(), before, "nothing was filed");

    let (status, path, html) = post(&w, CitizenA, "/corrections", "/corrections", &fields, None, None).await;
    assert_eq!((status, path.as_str()), (StatusCode::OK, "/corrections"), "{html}");
    assert_eq!(count(), before + 1);
    assert!(html.contains("отчество записано с ошибкой") && html.contains("Ждёт ответа"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_form_is_refused_even_with_the_token() {
    let w = World::new().await;
    let fields = [("kind", "record")];
    let (status, _, html) =
        post(&w, CitizenA, "/extracts", "/extracts", &fields, None, Some("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("не со страницы реестра"), "{html}");
    let token = token(&page(&w, CitizenA, "/extracts").await.2);
    let r = client(&w, CitizenA)
        .post(format!("{}/extracts", w.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("kind", "record"), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // From the register's own page: the extract is made and shown.
    let (status, path, html) =
        post(&w, CitizenA, "/extracts", "/extracts", &fields, None, Some(&same_origin(&w))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(path.starts_with("/extracts/R-"), "{path}");
    assert!(html.contains("Выписка из учётных данных") || html.contains("учёт"), "{html}");
    assert!(html.contains("/pdf\"") && html.contains("/verify/"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_opens_only_persons_of_the_officers_area_and_logs_each_read() {
    let w = World::new().await;
    let person = format!("/console/persons/{}", w.person_a.0);
    let (status, _, html) = page(&w, OtherRegistrar, &person).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another commissariat's registrar");
    assert!(html.contains("нет права"), "{html}");
    assert!(!html.contains("Смирнов"));
    let (status, _, _) = page(&w, CitizenB, &person).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a citizen has no console");
    let (status, _, _) = page(&w, Anonymous, &person).await;
    assert_eq!(status, StatusCode::OK, "sent to the login page");

    let (status, _, html) = page(&w, Registrar, &person).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Смирнов Олег") && !html.contains("+79035550101"), "no sensitive field without a purpose");
    // The sensitive fields, for a stated purpose: shown, and the person sees the read and why.
    let (status, _, html) =
        post(&w, Registrar, &person, &person, &[("purpose", "сверка паспортных данных")], None, None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&snils_a()) && html.contains("+79035550101"), "{html}");
    let (_, _, reads) = page(&w, CitizenA, "/reads").await;
    assert!(reads.contains("сверка паспортных данных") && reads.contains("registrar"), "{reads}");
    assert!(reads.contains("СНИЛС"), "the fields read, in words: {reads}");
    // A search from the console finds the person; another commissariat's registrar finds nobody.
    let snils = snils_a();
    let search = [("by", "snils"), ("snils", snils.as_str())];
    let (_, path, html) = post(&w, Registrar, "/console", "/console/search", &search, None, None).await;
    assert_eq!(path, "/console/search");
    assert!(html.contains(&format!("href=\"{person}\"")), "{html}");
    let (_, _, html) = post(&w, OtherRegistrar, "/console", "/console/search", &search, None, None).await;
    assert!(html.contains("Никого не найдено") && !html.contains(&person), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appearance_recorded_in_the_console_lifts_the_measures_the_citizen_sees() {
    let w = World::new().await;
    let (_, _, before) = page(&w, CitizenA, "/").await;
    assert!(!before.contains("Сейчас на вас не действует"), "measures in force first");
    let n = "62-2025-0000001";
    let at = format!("/console/summonses/{n}");
    let (status, _, html) = page(&w, Registrar, &at).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Отметить явку"));
    let (status, _, _) = post(&w, OtherRegistrar, &at, &format!("{at}/appear"), &[], None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not this registrar's summons");
    let (status, path, html) = post(&w, Registrar, &at, &format!("{at}/appear"), &[], None, None).await;
    assert_eq!((status, path.as_str()), (StatusCode::OK, at.as_str()), "{html}");
    assert!(html.contains("явка отмечена"), "{html}");
    let (_, _, after) = page(&w, CitizenA, "/").await;
    assert!(after.contains("Сейчас на вас не действует ни одно ограничение"), "{after}");
    assert!(after.contains("Вы явились 10 июня 2025 г., 12:00"), "{after}");
    // The account's inbox tells of it, with a code the public page checks.
    let (status, _, inbox) = page(&w, CitizenA, "/notices").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert!(inbox.contains(&format!("Ограничения сняты (№ {n})")), "{inbox}");
    assert!(inbox.contains("<code>") && inbox.contains("href=\"/notices/verify\""), "{inbox}");
    assert!(inbox.contains(reestr_core::notice::safety_line(reestr_core::measure::Lang::Ru)));
    let (status, _, _) = page(&w, Registrar, "/notices").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only a citizen has an inbox");
    // Acting on a closed summons is a clear 409, not a failure of the register.
    let (status, _, html) = post(&w, Registrar, &at, &format!("{at}/appear"), &[], None, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("Повестка уже закрыта"));
    // Bad input in a form is a 4xx page, never a 5xx.
    let (status, _, _) =
        post(&w, Registrar, &at, &format!("{at}/excuse"), &[("valid_reason", "nonsense")], None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = post(&w, Registrar, &at, "/console/summonses/62-2025-0000001/fly", &[], None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_through_the_form_and_the_language_choice() {
    let w = World::new().await;
    let c = Client::builder().cookie_store(true).build().unwrap();
    let (_, _, html) = get(&c, &format!("{}/login", w.base)).await;
    let t = token(&html);
    let wrong = [("login", "citizen-a"), ("password", "nope"), ("totp", ""), ("csrf", t.as_str())];
    let r = c.post(format!("{}/login", w.base)).form(&wrong).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("Неверный логин, пароль или одноразовый код"));
    let right = [("login", "citizen-a"), ("password", "citizen-a-password-1"), ("totp", ""), ("csrf", t.as_str())];
    let r = c.post(format!("{}/login", w.base)).form(&right).send().await.unwrap();
    assert_eq!((r.status(), r.url().path()), (StatusCode::OK, "/"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Личный кабинет"), "{html}");
    // The session's token replaced the pre-session one.
    assert_ne!(token(&html), t);

    let r = c
        .post(format!("{}/language", w.base))
        .form(&[("lang", "en"), ("back", "/reads"), ("csrf", &token(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/reads");
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Who read my data"), "{html}");
    // A browser that prefers English gets it without a choice; Russian stays the default.
    let (_, _, html) = get(&Client::new(), &format!("{}/login", w.base)).await;
    assert!(html.contains("Вход в реестр"));
    let r = Client::new()
        .get(format!("{}/login", w.base))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Log in to the register"));
    // Logging out ends the session.
    let (_, _, html) = get(&c, &format!("{}/", w.base)).await;
    let r = c.post(format!("{}/logout", w.base)).form(&[("csrf", token(&html))]).send().await.unwrap();
    assert_eq!(r.url().path(), "/login");
    let r = c.get(format!("{}/reads", w.base)).send().await.unwrap();
    assert_eq!(r.url().path(), "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_data_in_any_url_of_any_page() {
    let w = World::new().await;
    let person = format!("/console/persons/{}", w.person_a.0);
    post(
        &w,
        CitizenA,
        "/corrections",
        "/corrections",
        &[("subject", "field:phone"), ("explanation", "другой номер"), ("proposed", "+79035550199")],
        None,
        None,
    )
    .await;
    let mut pages = Vec::new();
    for path in ["/", "/extracts", "/corrections", "/reads"] {
        pages.push(page(&w, CitizenA, path).await.2);
    }
    for path in ["/console", person.as_str(), "/console/summonses/62-2025-0000001", "/console/corrections"] {
        pages.push(page(&w, Registrar, path).await.2);
    }
    for path in ["/console/dashboard", "/console/regions", "/console/campaigns", "/console/campaigns/new"] {
        let (status, _, html) = page(&w, Supervisor, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        pages.push(html);
    }
    pages.push(post(&w, Registrar, &person, &person, &[("purpose", "проверка")], None, None).await.2);
    let snils = snils_a();
    let secrets =
        ["Смирнов", "Олег", snils.as_str(), "20000000", "500001", "6105", "79035550101", "79035550199", "2003-04-05"];
    let mut urls = 0;
    for html in &pages {
        for attr in ["href=\"", "action=\"", "src=\""] {
            for (i, _) in html.match_indices(attr) {
                let url: String = html[i + attr.len()..].chars().take_while(|c| *c != '"').collect();
                urls += 1;
                for s in secrets {
                    assert!(!url.contains(s), "{url} carries personal data");
                }
            }
        }
    }
    assert!(urls > 40, "{urls}");
}

/// The campaign a page's issue form is for.
fn campaign_id(html: &str) -> String {
    let at = html.find("action=\"/console/campaigns/").expect("a campaign's form") + 27;
    html[at..].chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_creates_a_campaign_sees_its_dry_run_and_issues_it() {
    let w = World::new().await;
    let (status, _, html) = page(&w, Supervisor, "/console/campaigns").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("href=\"/console/campaigns/new\"") && html.contains("Кампаний пока нет"), "{html}");

    // The new form proposes the next call-up weeks and a quota for the supervisor's region only.
    let (status, _, form) = page(&w, Supervisor, "/console/campaigns/new").await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(form.contains("value=\"2025-06-11\"") && form.contains("value=\"Весенний призыв 2025\""), "{form}");
    assert!(form.contains("name=\"quota-62\" value=\"100\"") && !form.contains("name=\"quota-12\""), "{form}");
    let fields = |born_from: &'static str, from: &'static str| {
        vec![
            ("name", "Весенний призыв 2025"),
            ("purpose", "call_up"),
            ("born_from", born_from),
            ("born_to", "2007"),
            ("status", "registered"),
            ("appointments_from", from),
            ("appointments_to", "2025-07-08"),
            ("appointment_time", "09:00"),
            ("quota-62", "100"),
        ]
    };
    let new = "/console/campaigns/new";

    // A refused form comes back filled in, naming the field at fault.
    let (status, _, html) =
        post(&w, Supervisor, new, "/console/campaigns", &fields("19x5", "2025-06-11"), None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Год рождения — четыре цифры") && html.contains("href=\"#born_from\""), "{html}");
    assert!(
        html.contains("id=\"born_from\" name=\"born_from\" value=\"19x5\"") && html.contains("aria-invalid"),
        "{html}"
    );
    let (status, _, html) =
        post(&w, Supervisor, new, "/console/campaigns", &fields("1995", "2025-06-10"), None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("после сегодняшнего дня") && html.contains("href=\"#appointments_from\""), "{html}");
    let mut other_region = fields("1995", "2025-06-11");
    other_region.push(("quota-12", "5"));
    let (status, _, html) = post(&w, Supervisor, new, "/console/campaigns", &other_region, None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a region of another supervisor: {html}");
    assert!(html.contains("У вас нет права на это действие") && html.contains("href=\"#quotas\""), "{html}");

    // Saved, the dry run shows at once: two persons of the cohort in region 62, one of them
    // (person A) holds an open summons, so one summons would be issued, to person B.
    let (status, _, html) =
        post(&w, Supervisor, new, "/console/campaigns", &fields("1995", "2025-06-11"), None, None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Будет выпущено: 1 повестка") && html.contains("В когорте: 2 человека"), "{html}");
    assert!(html.contains("У 1 человека уже есть открытая повестка"), "{html}");
    assert!(html.contains("Смирнов Олег") && !html.contains(&format!("/console/persons/{}\"", w.person_a.0)), "{html}");
    let id = campaign_id(&html);

    // Issuing runs in the background; the page follows it to the end.
    let path = format!("/console/campaigns/{id}");
    let (status, at, html) =
        post(&w, Supervisor, &path, &format!("{path}/issue"), &[], None, Some(&same_origin(&w))).await;
    assert_eq!((status, at.as_str()), (StatusCode::OK, path.as_str()), "{html}");
    let mut html = html;
    for _ in 0..100 {
        if html.contains("завершена") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        html = page(&w, Supervisor, &path).await.2;
    }
    assert!(html.contains("завершена") && html.contains("value=\"1\" max=\"100\""), "{html}");
    assert!(!html.contains(&format!("{path}/issue")), "a finished campaign offers no second issue: {html}");
    let (_, _, list) = page(&w, Supervisor, "/console/campaigns").await;
    assert!(list.contains(&format!("href=\"{path}\"")) && list.contains("Весенний призыв 2025"), "{list}");
    // The other region's supervisor does not see it.
    let (_, _, list) = page(&w, OtherSupervisor, "/console/campaigns").await;
    assert!(!list.contains(&format!("href=\"{path}\"")), "{list}");
    assert_eq!(page(&w, OtherSupervisor, &path).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_pages_follow_the_roles() {
    let w = World::new().await;
    // A registrar runs campaigns of its commissariat only; the navigation leads there.
    let (status, _, form) = page(&w, Registrar, "/console/campaigns/new").await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(form.contains("62-001") && form.contains("name=\"quota-62\""), "{form}");
    assert!(page(&w, Registrar, "/console").await.2.contains("href=\"/console/campaigns\""));
    // An admin may give quotas to every region.
    let (_, _, form) = page(&w, Admin, "/console/campaigns/new").await;
    assert!(form.contains("name=\"quota-62\" value=\"\"") && form.contains("name=\"quota-12\""), "{form}");
    // Nobody else.
    for who in [CitizenA, Medic] {
        for path in ["/console/campaigns", "/console/campaigns/new"] {
            assert_eq!(page(&w, who, path).await.0, StatusCode::FORBIDDEN, "{who:?} {path}");
        }
        assert!(!page(&w, who, "/").await.2.contains("href=\"/console/campaigns\""));
    }
    // English, with the numbers and plurals of English.
    let c = client(&w, Admin);
    let (_, _, html) = get(c, &format!("{}/console/campaigns", w.base)).await;
    let r = c
        .post(format!("{}/language", w.base))
        .form(&[("lang", "en"), ("back", "/console/campaigns"), ("csrf", &token(&html))])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Call-up campaigns"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_chooses_optional_email_notices_and_quiet_hours_in_the_account() {
    let w = World::new().await;
    let (status, _, html) = page(&w, CitizenA, "/notices").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // Every optional kind is on at first; the required ones are named as always sent.
    assert!(
        html.contains("value=\"appointment_reminder\" checked") && html.contains("Вам направлена повестка"),
        "{html}"
    );
    assert!(!html.contains("value=\"summons_posted\""), "a required kind cannot be turned off: {html}");
    let form = [("email", "report_window_ending"), ("quiet", "on"), ("quiet_from", "22:30"), ("quiet_to", "07:00")];
    let (status, at, html) = post(&w, CitizenA, "/notices", "/notices/preferences", &form, None, None).await;
    assert_eq!((status, at.as_str()), (StatusCode::OK, "/notices"), "{html}");
    assert!(html.contains("value=\"report_window_ending\" checked"), "{html}");
    assert!(html.contains("value=\"appointment_reminder\">") && html.contains("name=\"quiet\" value=\"on\" checked"));
    assert!(html.contains("value=\"22:30\"") && html.contains("value=\"07:00\""), "{html}");
    // The API reads what the page saved.
    let c = client(&w, CitizenA);
    let prefs: serde_json::Value =
        c.get(format!("{}/api/v1/me/notices/preferences", w.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(prefs["email"], serde_json::json!(["report_window_ending"]), "{prefs}");
    assert_eq!(prefs["quiet_hours"]["from"], "22:30:00", "{prefs}");
    // A required kind, or empty quiet hours, is refused with a page that says why.
    let bad = [("email", "summons_posted")];
    let (status, _, _) = post(&w, CitizenA, "/notices", "/notices/preferences", &bad, None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let empty = [("quiet", "on"), ("quiet_from", "22:00"), ("quiet_to", "22:00")];
    let (status, _, html) = post(&w, CitizenA, "/notices", "/notices/preferences", &empty, None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Тихие часы должны начинаться и заканчиваться в разное время"), "{html}");
    // Officers have no such settings.
    let (status, _, _) = post(&w, Registrar, "/console", "/notices/preferences", &form, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_correction_comes_back_filled_in_with_the_field_marked() {
    let w = World::new().await;
    let form = [("subject", "field:phone"), ("explanation", "   "), ("proposed", "+79035550199")];
    let (status, at, html) = post(&w, CitizenA, "/corrections", "/corrections", &form, None, None).await;
    assert_eq!((status, at.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "/corrections"), "{html}");
    assert!(html.contains("Объясните, что не так и почему") && html.contains("href=\"#explanation\""), "{html}");
    assert!(
        html.contains("name=\"explanation\" rows=\"4\" required maxlength=\"4000\" aria-invalid=\"true\""),
        "{html}"
    );
    assert!(html.contains("value=\"field:phone\" selected") && html.contains("value=\"+79035550199\""), "{html}");
    // Nothing was filed.
    assert!(html.contains("Запросов пока нет"), "{html}");
}
