# The portal and the console, in English (the second language). Keep the same messages in ru/main.ftl.
site-name = Register of military registration
console-name = Officers' console
skip-to-content = Skip to content
nav-label = Main sections
nav-login = Log in
nav-home = My summonses
nav-extracts = Extracts
nav-corrections = Corrections
nav-reads = Who read my data
nav-search = Find persons
nav-inbox = Correction requests
nav-dashboard = Dashboard
nav-campaigns = Call-up campaigns
nav-regions = Regions
logout = Log out
footer-synthetic = All data in this register is synthetic.
footer-log = The register's signed log

login-title = Log in to the register
login-intro = Log in with your login and password. Officers also need a one-time code.
login-login = Login
login-password = Password
login-totp = One-time code (officers)
login-totp-hint = Six digits from the authenticator app. Citizens leave it empty.
login-submit = Log in

error-title = That did not work
error-status = Status:
error-back = Back to the start page
error-generic = The register could not complete the request.
error-forbidden = You may not do that.
error-purpose-required = State why you open this data: it cannot be read without a purpose.
error-not-found = There is no such record.
error-invalid-credentials = The login, password or one-time code is wrong.
error-too-many-attempts = Too many failed logins. Wait a few minutes and try again.
error-csrf-failed = The form is stale or did not come from the register's pages. Open the page again and retry.
error-cross-site-request = The request did not come from the register's pages and was refused.
error-invalid-form = The form is not filled in correctly.
error-invalid-request = Check what you entered.
error-summons-closed = The summons is closed: the appearance is recorded or it was cancelled.
error-already-served = The summons is already served.
error-not-served = The summons is not served yet.
error-region-not-operating = The register does not yet operate in this region: no electronic summons can be posted.
error-already-answered = This request has already been answered.
error-instant-in-past = This step cannot be recorded with an earlier date.
error-too-many-excuses = The summons has too many valid reasons.
error-too-large = The form is too large.

home-title = Personal account
home-off-title = The register does not yet operate in your region
home-off-text = The electronic register of military registration is not yet in force in { $value }: no electronic summonses are posted there. What follows is for information.
home-in-force = Measures in force now
home-in-force-none = No measure is in force on you now.
home-summonses = Summonses
home-summonses-none = No summonses.
summons-number = Summons No. { $value }
summons-timeline = What happened and what comes next
step-done = Done:
step-ahead = Ahead:
step-void = Will not happen:

col-measure = Measure
col-since = Since
col-summons = Summons
col-subject = What to correct
col-explanation = Explanation
col-filed = Filed
col-due = Answer due
col-status = State
col-when = When
col-who = Who
col-fields = What data
col-purpose = For what purpose
col-name = Name
col-field = Field
col-value = Value
col-source = Source
col-as-of = As of
col-lifted = Lifted
col-region = Region
col-date = Day
col-agency = Agency
col-delivered = Delivered

extracts-title = Extracts
extracts-intro = The register issues two kinds of extract with different content. Each is signed by the register and has a number and a QR code to check that it is genuine.
extract-summonses = Extract from the register of summonses
extract-summonses-about = Every summons of yours: number, commissariat, purpose, posting, service and how, appointment, outcome, and each measure with its start and end.
extract-record = Extract from the military registration record
extract-record-about = Your record (documents partly masked), registration status, commissariat, categories, fitness, specialty, rank, deferment and the measures in force.
extract-request-summonses = Get the summonses extract
extract-request-record = Get the record extract
extract-number = Extract No. { $value }
extract-pdf = Download the PDF
extract-print = Printable page
extract-verify = Check that it is genuine

corrections-title = Correcting your data
corrections-intro = If data about you or a summons is wrong, ask for a correction. The commissariat must answer within five working days.
corrections-mine = My requests
corrections-none = No requests yet.
corrections-new = New request
corrections-subject = What to correct
corrections-fields = Data about you
corrections-summonses = Summonses
corrections-explanation = What is wrong and why
corrections-proposed = The right value (if you know it)
corrections-evidence = Supporting document
corrections-evidence-hint = For example: "passport 4506 No. …, issued …" or "certificate No. 17 of 1 June 2025".
corrections-submit = Send the request
correction-pending = Awaiting an answer
correction-late = The answer is overdue
correction-accepted = Accepted, data corrected
correction-rejected = Rejected
subject-field = Field: { $value }
subject-summons = Summons No. { $value }

nav-notices = Notices
notices-title = Notices
notices-intro = Everything the register told you, newest first. Each notice has a code: any notice that reached you by e-mail can be checked with it on the check page.
notices-verify = Check a notice by its code
notices-none = No notices yet.
notices-code = Verification code
reads-title = Who read my data
reads-intro = Every read of your data by an official or an agency is recorded in the register's log. Here are all of them, newest first.
reads-none = Nobody but you has read your data.
reads-no-purpose = not stated (no personal documents read)
reader-operator = Register operator

search-title = Find persons
search-intro = Find a person by name and birth date, by SNILS or by passport. Each person found is recorded as a read of their data.
search-by-name = By name and birth date
search-by-snils = By SNILS
search-by-passport = By passport
search-purpose = Purpose (required of security services)
search-submit = Search
search-found = { $n ->
    [0] Nobody found
    [one] { $shown } person found
   *[other] { $shown } persons found
}
count-persons = { $n ->
    [one] { $shown } person
   *[other] { $shown } persons
}
count-summonses = { $n ->
    [one] { $shown } summons
   *[other] { $shown } summonses
}

person-title = Record
person-number = Number in the register: { $value }
person-record = Record
person-sensitive = protected
person-revealed = Every field is shown, protected ones too. The read is logged with the stated purpose and the citizen sees it.
person-reveal = Protected data
person-reveal-intro = Passport, SNILS, INN, addresses, phone, e-mail and fitness are shown only with a stated purpose. The citizen will see who read them, when and why.
person-purpose = Purpose of the read
person-reveal-submit = Show for this purpose

issue-title = Issue a summons
issue-appointment = Appointment date and time (the commissariat's local time)
issue-address = Address to appear at
issue-address-hint = Left empty: the commissariat's address.
issue-submit = Post the summons

edit-title = Change a field
edit-value = New value
edit-source-hint = Where the value comes from: a document or an agency. Left empty: you.
edit-submit = Save with the source

summons-to-person = The person's record
summons-purpose = Purpose
summons-commissariat = Commissariat
summons-posted = Posted
summons-appointment = Appear
summons-served = Served
summons-deemed = Will count as served
summons-window = Time to appear ends
summons-excuse = Valid reason
summons-appeared = Appearance recorded
summons-cancelled = Cancelled
summons-measures = Measures of this summons
summons-measures-none = No measures.
summons-citizen-view = What the citizen sees
summons-steps = Record a step
measure-in-force = in force
step-appear = Appearance
step-appear-about = The person appeared: every measure of the summons is lifted at this moment.
step-appear-submit = Record the appearance
step-serve = Service
step-serve-how = How
step-serve-submit = Record the service
step-excuse = Valid reason
step-excuse-reason = Reason
step-excuse-evidence = Supporting document
step-excuse-from = From (inclusive)
step-excuse-to = To (inclusive)
step-excuse-submit = Accept the reason
step-cancel = Cancel the summons
step-cancel-reason = Reason for cancelling
step-cancel-court = or the court decision's number
step-cancel-hint = Give one of the two.
step-cancel-submit = Cancel the summons

inbox-title = Correction requests
inbox-intro = Open requests of citizens, the earliest due first (overdue ones at the top).
inbox-none = No open requests.
inbox-request = Request No. { $value }
inbox-decision = Decision
inbox-accept = Accept and correct
inbox-reject = Reject
inbox-answer = Answer to the citizen
inbox-value = The right value
inbox-submit = Answer

dashboard-title = Dashboard
dashboard-intro = { $n ->
    [one] The last day, in each region's local time.
   *[other] The last { $shown } days, in each region's local time.
}
dashboard-by-region = Totals by region
dashboard-by-day = Numbers by day
dashboard-breaches = Agency confirmations missing
dashboard-breaches-intro = Measures delivered to an agency that has not confirmed them within 24 hours.
dashboard-breaches-none = No breaches: every delivery was confirmed in time.
metric-issued = Issued
metric-served = Served
metric-appeared = Appeared
metric-excused = Excused
metric-overdue = Overdue
metric-in-force = Measures in force

regions-title = Regions
regions-intro = Whether the register operates in a region: "off" posts no electronic summonses; "pilot" and "live" do. Every switch is recorded in the log.
regions-switch = Switch
regions-submit = Save
regions-state-of = State of { $value }
rollout-off = off
rollout-pilot = pilot
rollout-live = live

status-posted = posted
status-served = served
status-excused = valid reason accepted
status-overdue = time to appear ended
status-appeared = appearance recorded
status-cancelled = cancelled
purpose-clarify-records = clarifying the records
purpose-medical-examination = medical examination
purpose-call-up = call-up to military service
purpose-military-training = military training
reason-illness-or-injury = illness or injury
reason-relative-grave-illness-or-funeral = a close relative's grave illness or funeral
reason-circumstances-beyond-control = circumstances beyond the person's control
reason-other-accepted-by-commission = another reason the commission accepted
served-deemed = deemed, 7 days after posting
served-in-person = in person
served-registered-mail = by registered mail
served-account-opened = opened in the personal account
lift-appearance = appearance
lift-valid-reason = valid reason
lift-cancellation = cancellation
lift-court-decision = court decision
role-citizen = citizen
role-registrar = commissariat officer
role-medical-commission = medical commission
role-supervisor = regional supervisor
role-agency = agency
role-security-service = security service
role-admin = administrator
role-operator = register operator

field-surname = Surname
field-given-name = Given name
field-patronymic = Patronymic
field-sex = Sex
field-birth-date = Birth date
field-birth-place = Birth place
field-citizenship = Citizenship
field-passport-series = Passport series
field-passport-number = Passport number
field-passport-issuer = Passport issued by
field-passport-issuer-code = Issuer code
field-passport-issue-date = Passport issue date
field-snils = SNILS
field-inn = INN
field-registered-address = Registered address
field-actual-address = Actual address
field-phone = Phone
field-email = E-mail
field-education = Education
field-employment = Employment
field-marital-status = Marital status
field-children = Children
field-fitness-category = Fitness category
field-military-specialty = Military specialty
field-reserve-category = Reserve category
field-rank = Rank
field-registration-status = Registration status
field-deferred-until = Deferred until
field-region = Region
field-commissariat = Commissariat
# Not a field of the record: a read of the person's summonses.
field-summonses = Summonses
